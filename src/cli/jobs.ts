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

/** Estimated milliseconds of checking per file, plus per KiB (a conservative fit of the measurements). */
export const MS_PER_FILE = 1;
/** Estimated milliseconds of checking per KiB of input. */
export const MS_PER_KIB = 0.5;
/** Estimated work each worker must have before it is worth starting (its engine costs ≈ 0.3–0.5 s). */
export const MS_PER_WORKER = 1000;
/** Never more workers than this (each holds an engine: ≈ 30–50 MB). */
export const MAX_JOBS = 8;

/**
 * The default number of jobs: 1 unless the estimated work (1 ms per file + 0.5 ms per KiB) gives each
 * worker at least 1 s, and then no more than the cores that are free (cores minus the load average,
 * rounded) and never more than 8. Any result below 2 is 1: a single worker is always slower than inline.
 */
export function defaultJobs(work: JobsWork, machine: JobsMachine): number {
  const estimatedMs = work.files * MS_PER_FILE + (work.bytes / 1024) * MS_PER_KIB;
  const byWork = Math.floor(estimatedMs / MS_PER_WORKER);
  const free = machine.load > 0 ? Math.floor(machine.cores - machine.load + 0.5) : machine.cores;
  const jobs = Math.min(byWork, free, machine.cores, MAX_JOBS, work.files);
  return jobs >= 2 ? jobs : 1;
}
