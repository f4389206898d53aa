import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// Builds into dist/: the library entry as ESM (index.js, index.d.ts) and as CommonJS (index.cjs,
// index.d.cts), for the `import` and `require` conditions of package.json; the CLI (ESM only: it uses
// top-level await) as a tiny entry, one command runner and one check worker; and the two CommonJS
// packages the CLI loads lazily. dist/ is emptied once here rather than by `clean` in each build, which
// run concurrently and would race.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  const common = { target: 'node20', platform: 'node', clean: false } as const;
  const library = { ...common, entry: { index: 'src/index.ts' }, dts: true, splitting: false, sourcemap: true } as const;
  return [
    { ...library, format: ['esm'] },
    // shims: import.meta.url (module location, createRequire) comes from __filename. jose is ESM-only:
    // bundled in, so that require('meshgate') works on every Node 20, not only where require(esm) does.
    { ...library, format: ['cjs'], shims: true, noExternal: ['jose'] },
    // The CLI: a tiny entry (answers --version/--help alone), the command runner and the check worker, each
    // ONE self-contained file (start-up pays one module load, not one per chunk). The version is inlined.
    // Packages are bundled too, except those loaded lazily through createRequire (opa-wasm, ajv; yaml: below).
    {
      ...common,
      entry: { main: 'src/cli/main.ts', run: 'src/cli/run.ts', worker: 'src/cli/worker.ts' },
      outDir: 'dist/cli',
      format: ['esm'],
      sourcemap: true,
      splitting: false,
      shims: false,
      noExternal: [/.*/],
      // less to parse at every start (names kept: error classes and stack traces stay readable)
      minifyWhitespace: true,
      minifySyntax: true,
      keepNames: true,
      define: { __MESHGATE_VERSION__: JSON.stringify(version), __MESHGATE_CLI_BUNDLE__: 'true' },
      // bundled CommonJS packages (fast-glob) call require() for Node built-ins
      banner: { js: "import { createRequire as __meshgateCreateRequire } from 'node:module';\nconst require = __meshgateCreateRequire(import.meta.url);" },
      // build-time work the CLI and the library read at run time: the shipped bundles' policy modules
      // metered (src/policy/premetered.ts) and the vendored contract schemas' validators (standard.ts)
      async onSuccess() {
        const script = (name: string): string => pathToFileURL(join(process.cwd(), 'scripts', name)).href;
        const { premeter } = (await import(script('premeter.mjs'))) as { premeter: () => Promise<string[]> };
        const { generateStandard } = (await import(script('gen-standard-validators.mjs'))) as { generateStandard: () => Promise<string[]> };
        await premeter();
        await generateStandard();
      },
    },
    // The yaml package and the opa-wasm SDK, each as one CommonJS file beside the runner (src/yaml.ts and
    // src/policy/opa-sdk.ts require them); the SDK's own yaml dependency stays lazy (src/cli/prebuilt/yaml-v1.cjs).
    {
      ...common,
      entry: { yaml: 'node_modules/yaml/dist/index.js', 'opa-wasm': 'src/cli/prebuilt/opa-wasm.cjs' },
      esbuildOptions(options) {
        options.alias = { yaml: './src/cli/prebuilt/yaml-v1.cjs' };
      },
      outDir: 'dist/cli',
      format: ['cjs'],
      outExtension: () => ({ js: '.cjs' }),
      sourcemap: false,
      splitting: false,
      noExternal: [/.*/],
      minifyWhitespace: true,
      minifySyntax: true,
    },
  ];
});
