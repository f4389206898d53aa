/**
 * The default of `check --jobs` (issue 20): chosen from the work and the machine so that it is never
 * slower than one job — workers only when the estimated work gives each at least a second and cores are
 * free (the measurements behind the rule are in docs/benchmarks.md, written by bench/jobs.mjs).
 */
import { describe, expect, it } from 'vitest';
import { defaultJobs } from '../src/cli/jobs.js';

const KiB = 1024;
const idle = (cores: number) => ({ cores, load: 0.1 });

describe('defaultJobs', () => {
  it('a folder of ordinary files is checked inline, whatever the cores (the issue: 99 files were slower with more jobs)', () => {
    expect(defaultJobs({ files: 99, bytes: 3000 * KiB }, idle(16))).toBe(1);
    expect(defaultJobs({ files: 85, bytes: 2700 * KiB }, idle(2))).toBe(1); // the corpus plans
    expect(defaultJobs({ files: 47, bytes: 750 * KiB }, idle(4))).toBe(1); // the corpus contracts
    expect(defaultJobs({ files: 1000, bytes: 4000 * KiB }, idle(2))).toBe(1); // 1 000 small contracts: W ≈ 1.4 s < 2 workers' cost
    expect(defaultJobs({ files: 1, bytes: 50 * 1024 * KiB }, idle(8))).toBe(1); // one file never needs a worker
  });

  it('much work on free cores gets one worker per 1.5 s of estimated work, up to the free cores and 8', () => {
    expect(defaultJobs({ files: 5000, bytes: 20_000 * KiB }, idle(2))).toBe(2);
    expect(defaultJobs({ files: 5000, bytes: 20_000 * KiB }, idle(16))).toBe(3);
    expect(defaultJobs({ files: 100_000, bytes: 400 * 1024 * KiB }, idle(64))).toBe(8);
  });

  it('a busy machine gets no workers (they would only compete for the same cores)', () => {
    expect(defaultJobs({ files: 5000, bytes: 20_000 * KiB }, { cores: 2, load: 12 })).toBe(1);
    expect(defaultJobs({ files: 5000, bytes: 20_000 * KiB }, { cores: 4, load: 2.4 })).toBe(2); // 1.6 free → 2
    expect(defaultJobs({ files: 5000, bytes: 20_000 * KiB }, { cores: 2, load: 1.2 })).toBe(1);
  });

  it('without a load average (Windows reports 0) only the cores limit it', () => {
    expect(defaultJobs({ files: 5000, bytes: 20_000 * KiB }, { cores: 2, load: 0 })).toBe(2);
  });
});
