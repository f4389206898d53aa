/**
 * The CLI's standard output without `process.stdout`: creating that stream loads Node's stream machinery
 * (a socket for a pipe), about 5 ms of every start, for output the CLI writes in a few whole pieces anyway.
 * {@link writeStdout} writes each piece synchronously to file descriptor 1 and owns what a write may meet:
 * a full non-blocking pipe (waits and retries), a closed pipe (`meshgate … | head`: the run ends quietly,
 * with the exit code it already has), and any other failure (a full disk: `> /dev/full`), which is reported
 * as MG_OUTPUT_WRITE with exit code 2, never an uncaught exception. Only `authorize -` streams its output
 * with backpressure; it uses {@link stdoutStream}, which applies the same two endings to the stream.
 *
 * Written without the error module: the CLI entry (`meshgate --version`) uses it and loads nothing else.
 */
import { writeSync } from 'node:fs';

/** Waits about `ms` milliseconds without spinning (the pipe's reader needs the time to drain it). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Ends the process after a failed write to stdout: quietly on a closed pipe, else with MG_OUTPUT_WRITE. */
function ended(e: NodeJS.ErrnoException): never {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`meshgate: cannot write to stdout: ${e.code ?? e.message} [MG_OUTPUT_WRITE]\n`);
  process.exit(2);
}

/** Writes `text` to standard output, whole, before returning (see the module comment for failures). */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(1, bytes, off, bytes.length - off);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EAGAIN') pause(2);
      else ended(err);
    }
  }
}

let stream: NodeJS.WriteStream | undefined;

/** `process.stdout` for streaming with backpressure, created on first use, ending the run as {@link writeStdout} does on failure. */
export function stdoutStream(): NodeJS.WriteStream {
  if (stream === undefined) {
    stream = process.stdout;
    stream.on('error', ended);
  }
  return stream;
}
