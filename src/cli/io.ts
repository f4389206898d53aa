/**
 * The I/O a CLI command uses, so commands can be driven by the real process or by tests: text sinks for
 * stdout and stderr (the shape `runAuditVerify` and `runBuild` take) plus the streams and flags the
 * streaming and reporting commands need; and the file reads and writes every command shares (regular files
 * only, every failure a coded MeshgateError).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describeThrown, isMeshgateError, MeshgateError } from '../errors.js';
import { stdoutStream, writeStdout } from './stdout.js';

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

/** True when file descriptor `fd` is a terminal (node:tty is loaded only when asked: it costs ~5 ms). */
function isTerminal(fd: number): boolean {
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

/**
 * The process's own I/O. Output goes to file descriptor 1 without `process.stdout` (src/cli/stdout.ts);
 * the streams and the terminal flags are getters, each created or asked on first use only: every one of
 * them costs start-up time, and most runs (a check with JSON output) need none.
 */
export function processIo(): CliIo {
  let stdoutTTY: boolean | undefined;
  let stderrTTY: boolean | undefined;
  return {
    stdout: writeStdout,
    stderr: (s) => {
      process.stderr.write(s);
    },
    get stdoutStream(): NodeJS.WritableStream {
      return stdoutStream();
    },
    get stdin(): NodeJS.ReadableStream {
      return process.stdin;
    },
    get stdoutIsTTY(): boolean {
      return (stdoutTTY ??= isTerminal(1));
    },
    get stderrIsTTY(): boolean {
      return (stderrTTY ??= isTerminal(2));
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Exit codes of every command. */
export const EXIT = { ok: 0, policy: 1, usage: 2 } as const;

/** The code of a Node.js system error (`ENOENT`, `ENOSPC`…), if any. */
function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function notAFile(shown: string): MeshgateError {
  return new MeshgateError('MG_INPUT_NOT_A_FILE', 'not a regular file (a device, FIFO or socket): give a file', { location: { file: shown } });
}

function readError(e: unknown, shown: string): MeshgateError {
  if (isMeshgateError(e)) return e;
  const errno = errnoOf(e);
  if (errno === 'EISDIR') return new MeshgateError('MG_INPUT_IS_DIRECTORY', 'is a folder, not a file', { location: { file: shown }, cause: e });
  return new MeshgateError('MG_INPUT_UNREADABLE', `cannot read: ${describeThrown(e)}`, { location: { file: shown }, cause: e, details: errno ? { errno } : {} });
}

/**
 * Reads an input file the user named, refusing anything that is not a regular file: a FIFO is opened
 * without blocking and a device or socket is never read (so `/dev/zero` or a FIFO cannot hang the command).
 * Throws MeshgateError MG_INPUT_NOT_A_FILE, MG_INPUT_IS_DIRECTORY or MG_INPUT_UNREADABLE (with the errno).
 */
export function readInputFile(path: string, shown: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw readError(e, shown);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new MeshgateError('MG_INPUT_IS_DIRECTORY', 'is a folder, not a file', { location: { file: shown } });
    if (!st.isFile()) throw notAFile(shown);
    return readFileSync(fd);
  } catch (e) {
    throw readError(e, shown);
  } finally {
    closeSync(fd);
  }
}

function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

/** Throws MG_INPUT_NOT_A_FILE when `path` exists and is not a regular file (a FIFO, device or socket). */
export function assertNotSpecialFile(path: string, shown: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // a missing file is reported by whoever reads it
  }
  if (!st.isFile() && !st.isDirectory()) throw notAFile(shown);
}

/**
 * Writes a report file; an I/O failure (full disk, no permission, a folder, a FIFO nobody reads) is
 * MG_OUTPUT_WRITE with the errno. A FIFO is written only when a reader is there (opening it would
 * otherwise block forever); devices such as /dev/null or /dev/stdout are written as files.
 */
export function writeOutputFile(path: string, shown: string, text: string): void {
  try {
    if (isFifo(path)) closeSync(openSync(path, constants.O_WRONLY | (constants.O_NONBLOCK ?? 0))); // ENXIO without a reader
    writeFileSync(path, text);
  } catch (e) {
    const errno = errnoOf(e);
    throw new MeshgateError('MG_OUTPUT_WRITE', `cannot write: ${describeThrown(e)}`, { location: { file: shown }, cause: e, details: errno ? { errno } : {} });
  }
}

/** The coded error for a failed write to stdout or stderr (other than a closed pipe). */
export function streamWriteError(stream: 'stdout' | 'stderr', e: unknown): MeshgateError {
  const errno = errnoOf(e);
  return new MeshgateError('MG_OUTPUT_WRITE', `cannot write to ${stream}: ${describeThrown(e)}`, { cause: e, details: errno ? { errno } : {} });
}
