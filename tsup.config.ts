import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Two builds into dist/: the library entry as ESM and CommonJS (with .d.ts and .d.cts types, for the
// `import` and `require` conditions of package.json), and the CLI (ESM only: it uses top-level await).
// dist/ is emptied once here rather than by `clean` in each build, which run concurrently and would race.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  const common = { target: 'node20', platform: 'node', sourcemap: true, clean: false } as const;
  return [
    // shims: import.meta.url in the CommonJS build (module location, createRequire) comes from __filename
    { ...common, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'], dts: true, splitting: false, shims: true },
    { ...common, entry: { 'cli/main': 'src/cli/main.ts', 'cli/worker': 'src/cli/worker.ts' }, format: ['esm'], splitting: true, shims: false },
  ];
});
