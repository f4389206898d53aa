import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig([
  // The library (the package's public entry).
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts' } },
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: ['!cli/**'], // dist/cli belongs to the CLI build below (both run at once)
    splitting: true,
    shims: false,
  },
  // The CLI: a tiny entry (answers --version/--help alone), the command runner and the check worker, each
  // ONE self-contained file (start-up pays one module load, not one per chunk). The version is inlined.
  // Packages are bundled too, except those loaded lazily through createRequire (opa-wasm, ajv; yaml: below).
  {
    entry: { main: 'src/cli/main.ts', run: 'src/cli/run.ts', worker: 'src/cli/worker.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: ['!yaml.cjs', '!opa-wasm.cjs'], // written by the next build
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
  },
  // The yaml package and the opa-wasm SDK, each as one CommonJS file beside the runner (src/yaml.ts and
  // src/policy/opa-sdk.ts require them); the SDK's own yaml dependency stays lazy (src/cli/prebuilt/yaml-v1.cjs).
  {
    entry: { yaml: 'node_modules/yaml/dist/index.js', 'opa-wasm': 'src/cli/prebuilt/opa-wasm.cjs' },
    esbuildOptions(options) {
      options.alias = { yaml: './src/cli/prebuilt/yaml-v1.cjs' };
    },
    outDir: 'dist/cli',
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    platform: 'node',
    sourcemap: false,
    clean: false,
    splitting: false,
    noExternal: [/.*/],
    minifyWhitespace: true,
    minifySyntax: true,
  },
]);
