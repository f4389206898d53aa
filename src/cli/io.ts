/**
 * The I/O a CLI command uses, so commands can be driven by the real process or by tests: text sinks for
 * stdout and stderr (the shape `runAuditVerify` and `runBuild` take) plus the streams and flags the
 * streaming and reporting commands need.
 */

/** Where a command reads and writes. */
export interface CliIo {
  /** Writes normal output. */
  stdout: (s: string) => void;
  /** Writes diagnostics. */
  stderr: (s: string) => void;
  /** The raw stdout stream (for streaming output with backpressure). */
  stdoutStream: NodeJS.WritableStream;
  /** The raw stdin stream. */
  stdin: NodeJS.ReadableStream;
  /** True when stdout is a terminal. */
  stdoutIsTTY: boolean;
  /** True when stderr is a terminal. */
  stderrIsTTY: boolean;
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** The working directory paths are resolved against. */
  cwd: string;
}

/** The process's own I/O. */
export function processIo(): CliIo {
  return {
    stdout: (s) => {
      process.stdout.write(s);
    },
    stderr: (s) => {
      process.stderr.write(s);
    },
    stdoutStream: process.stdout,
    // a getter: creating process.stdin costs start-up time, and only `authorize -` reads it
    get stdin(): NodeJS.ReadableStream {
      return process.stdin;
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Exit codes of every command. */
export const EXIT = { ok: 0, policy: 1, usage: 2 } as const;
