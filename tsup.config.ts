import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Three builds into dist/: the library entry as ESM (index.js, index.d.ts) and as CommonJS (index.cjs,
// index.d.cts), for the `import` and `require` conditions of package.json, and the CLI (ESM only: it uses
// top-level await). dist/ is emptied once here rather than by `clean` in each build, which run concurrently
// and would race.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  const common = { target: 'node20', platform: 'node', sourcemap: true, clean: false } as const;
  const library = { ...common, entry: { index: 'src/index.ts' }, dts: true, splitting: false } as const;
  return [
    { ...library, format: ['esm'] },
    // shims: import.meta.url (module location, createRequire) comes from __filename. jose is ESM-only:
    // bundled in, so that require('meshgate') works on every Node 20, not only where require(esm) does.
    { ...library, format: ['cjs'], shims: true, noExternal: ['jose'] },
    { ...common, entry: { 'cli/main': 'src/cli/main.ts', 'cli/worker': 'src/cli/worker.ts' }, format: ['esm'], splitting: true, shims: false },
  ];
});
