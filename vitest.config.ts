import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ built once, before the workers start (test/global-setup.ts)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // worker threads start and import faster than forked processes, and each worker imports the sources once
    // for all its test files (isolate: false): ≈ 75-80 s on 2 cores, against ≈ 100 s isolated and ≈ 110 s in
    // forked processes. So a test file must not lean on fresh module state: it restores what it spies on or
    // changes (process.env, mocks), and recognises its own engines' work (see test/lazy-runtime.test.ts). A
    // file that needs a process of its own spawns one (the CLI tests); none changes the working directory.
    pool: 'threads',
    isolate: false,
    // one test file per core (vitest's default leaves one core idle: on the 2-core CI that is one worker)
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
