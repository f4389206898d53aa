/**
 * The one monotonic clock of durations and deadlines (never of dates): milliseconds from an arbitrary
 * origin. On Node it reads `process.hrtime`, which needs nothing loaded, where the first use of the global
 * `performance` loads perf_hooks (about 2 ms of a CLI start) and each call costs about a third more;
 * elsewhere `performance.now()`. Values of this clock are only compared with, or subtracted from, each other.
 */
type HrTime = () => [number, number];

const hrtime = (globalThis as { process?: { hrtime?: HrTime } }).process?.hrtime;

/** Milliseconds on a monotonic clock with an arbitrary origin (see the module's comment). */
export const monotonicMs: () => number =
  typeof hrtime === 'function'
    ? () => {
        const t = hrtime();
        return t[0] * 1e3 + t[1] / 1e6;
      }
    : () => performance.now();
