import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ built once, before the workers start (test/global-setup.ts)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // one test file per core (vitest's default leaves one core idle: on the 2-core CI that is one worker)
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
