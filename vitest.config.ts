import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ built once, before the workers start (test/global-setup.ts)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // worker threads start and import faster than forked processes (≈10 s less of a 2-core run); a test
    // file that needs a process of its own spawns one (the CLI tests), and none changes the working directory
    pool: 'threads',
    // one test file per core (vitest's default leaves one core idle: on the 2-core CI that is one worker)
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
