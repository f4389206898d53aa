/**
 * The default of `check --jobs`: how many worker threads pay for themselves. Each worker builds its own
 * engine (bundles loaded, WebAssembly compiled), which costs about as much as checking a few hundred small
 * files, so workers are used only when the estimated work is large and cores are actually free. Measured
 * in bench/jobs.mjs (docs/benchmarks.md, "check --jobs"); the rule errs towards one job, since a worker
 * too many costs more than it can save. Pure.
 */

/** What is known of the work before it starts. */
export interface JobsWork {
  /** Number of files to check. */
  files: number;
  /** Their total size in bytes. */
  bytes: number;
}

/** What is known of the machine. */
export interface JobsMachine {
  /** Cores the process may use (`os.availableParallelism()`). */
  cores: number;
  /** The 1-minute load average (`os.loadavg()[0]`; 0 where the platform has none, e.g. Windows). */
  load: number;
}

/**
 * Estimated CPU milliseconds of checking per file, plus per KiB: lower bounds of what bench/jobs.mjs
 * measured (1 000 small contracts ≈ 1.4 ms a file; 40 corpus contracts, 750 KiB ≈ 970 ms; 85 corpus plans,
 * 2.7 MiB ≈ 20 ms), so the work is rather under- than over-estimated.
 */
export const MS_PER_FILE = 0.5;
/** Estimated CPU milliseconds of checking per KiB of input. */
export const MS_PER_KIB = 0.1;
/**
 * Estimated work each worker must have before it is worth starting: twice what a worker costs (its own
 * engine and thread, measured at 200–750 ms of CPU), because a worker only saves its share of the work.
 */
export const MS_PER_WORKER = 1500;
/** Never more workers than this (each holds an engine: ≈ 30–50 MB). */
export const MAX_JOBS = 8;

/**
 * The default number of jobs: 1 unless the estimated work (0.5 ms per file + 0.1 ms per KiB) gives each
 * worker at least 1.5 s, and then no more than the cores that are free (cores minus the load average,
 * rounded) and never more than 8. Any result below 2 is 1: a single worker is always slower than inline.
 */
export function defaultJobs(work: JobsWork, machine: JobsMachine): number {
  const estimatedMs = work.files * MS_PER_FILE + (work.bytes / 1024) * MS_PER_KIB;
  const byWork = Math.floor(estimatedMs / MS_PER_WORKER);
  const free = machine.load > 0 ? Math.floor(machine.cores - machine.load + 0.5) : machine.cores;
  const jobs = Math.min(byWork, free, machine.cores, MAX_JOBS, work.files);
  return jobs >= 2 ? jobs : 1;
}
