import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// Builds into dist/: the library entry as ESM (index.js, index.d.ts) and as CommonJS (index.cjs,
// index.d.cts), for the `import` and `require` conditions of package.json; the CLI as CommonJS: a tiny
// entry, the check worker, and the command runner with the two packages it loads lazily. dist/ is emptied
// once here rather than by `clean` in each build, which run concurrently and would race.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  const common = { target: 'node20', platform: 'node', clean: false } as const;
  // the CLI's files: whitespace and syntax minified (less to read at every start; identifiers are not, so
  // stack traces stay readable), the version inlined, packages bundled. No keepNames: it wraps every
  // function, closures made per resource included, in a defineProperty call to restore names the bundler
  // gave a suffix to (classify → classify2: only stack traces show them), ≈ 5 ms of a 1 000-resource plan
  const cli = {
    ...common,
    outDir: 'dist/cli',
    sourcemap: true,
    splitting: false,
    shims: false,
    noExternal: [/.*/] as RegExp[],
    minifyWhitespace: true,
    minifySyntax: true,
    define: { __MESHGATE_VERSION__: JSON.stringify(version), __MESHGATE_CLI_BUNDLE__: 'true' } as Record<string, string>,
  };
  const library = { ...common, entry: { index: 'src/index.ts' }, dts: true, splitting: false, sourcemap: true } as const;
  return [
    { ...library, format: ['esm'] },
    // shims: import.meta.url (module location, createRequire) comes from __filename. jose is ESM-only:
    // bundled in, so that require('meshgate') works on every Node 20, not only where require(esm) does.
    { ...library, format: ['cjs'], shims: true, noExternal: ['jose'] },
    // The CLI: a tiny entry (answers --version/--help alone) and the check worker, each ONE self-contained
    // CommonJS file (start-up pays one file, and no ES module loader: dist/cli/package.json says
    // "commonjs"). The version is inlined. Packages are bundled too, except those loaded lazily (opa-wasm,
    // ajv; yaml: below). import.meta.url is the file's URL.
    {
      ...cli,
      entry: { main: 'src/cli/main.ts', worker: 'src/cli/worker.ts' },
      format: ['cjs'],
      outExtension: () => ({ js: '.js' }),
      define: { ...cli.define, 'import.meta.url': '__meshgateImportMetaUrl' },
      banner: { js: "var __meshgateImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      async onSuccess() {
        writeFileSync(join('dist', 'cli', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
      },
    },
    // The command runner as ONE CommonJS file (run.cjs), which the entry compiles with V8's code cache
    // (src/code-cache.ts: Node 20 caches no compiled ES modules); beside it the yaml package and the
    // opa-wasm SDK, each one CommonJS file (src/yaml.ts and src/policy/opa-sdk.ts require them); the SDK's
    // own yaml dependency stays lazy (src/cli/prebuilt/yaml-v1.cjs). import.meta.url is the file's URL.
    {
      ...cli,
      entry: { run: 'src/cli/run.ts', yaml: 'node_modules/yaml/dist/index.js', 'opa-wasm': 'src/cli/prebuilt/opa-wasm.cjs' },
      esbuildOptions(options) {
        options.alias = { yaml: './src/cli/prebuilt/yaml-v1.cjs' };
      },
      format: ['cjs'],
      outExtension: () => ({ js: '.cjs' }),
      define: { ...cli.define, 'import.meta.url': '__meshgateImportMetaUrl' },
      banner: { js: "var __meshgateImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      // build-time work the CLI reads at run time: the shipped bundles inflated and their policy modules
      // metered (src/policy/prebuilt.ts), the vendored contract schemas' validators (standard.ts), and then —
      // with all of that in place — the runner's V8 code cache from representative commands
      async onSuccess() {
        const script = (name: string): string => pathToFileURL(join(process.cwd(), 'scripts', name)).href;
        const { premeter } = (await import(script('premeter.mjs'))) as { premeter: () => Promise<string[]> };
        const { generateStandard } = (await import(script('gen-standard-validators.mjs'))) as { generateStandard: () => Promise<string[]> };
        const { generateCodeCache } = (await import(script('gen-code-cache.mjs'))) as { generateCodeCache: () => Promise<string> };
        await premeter();
        await generateStandard();
        await generateCodeCache();
      },
    },
  ];
});
