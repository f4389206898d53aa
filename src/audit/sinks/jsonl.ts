/**
 * The JSONL file sink: one hash-chained event per line (see chain.ts), appended with synchronous writes
 * so that an event is on its way to disk when `write()` returns. Options: `fsync` (each event is fsynced
 * before `write()` returns: no acknowledged event is lost on a crash), `batchSize` (lines buffered per
 * write; a timer writes partial batches), `maxBytes` (size-based rotation: the full file is renamed to
 * `<path>.<n>` and the chain continues in a new file). Appending to an existing log continues its chain;
 * a torn last line left by a crash is cut off first (it was never acknowledged). A log whose last complete
 * line is not a valid chain line is refused (`MG_AUDIT_LOG_CORRUPT`): the sink never extends a broken chain.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { MeshgateError, toMeshgateError } from '../../errors.js';
import { chainLine, expectedHash, GENESIS_HASH, type ChainHead, type HashFn } from '../chain.js';
import type { AuditEvent } from '../event.js';
import { sinkClosedError, type AuditSink } from '../sink.js';

/** Options of {@link jsonlSink}. */
export interface JsonlSinkOptions {
  /** fsync after every event (durable acknowledgement; implies `batchSize: 1`). Default false. */
  fsync?: boolean;
  /** Lines buffered before one write. Default 1 (every event written at once). */
  batchSize?: number;
  /** Rotate when the file would exceed this many bytes. Default: never. */
  maxBytes?: number;
  /** How long a partial batch may wait before it is written, in ms. Default 1000. */
  flushIntervalMs?: number;
}

/** What the sink found and repaired when it opened an existing log. */
export interface JsonlRecovery {
  /** Bytes of a torn last line that were cut off. */
  truncatedBytes: number;
  /** The `seq` the chain continues from. */
  seq: number;
}

const nodeSha256: HashFn = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A JSONL audit sink writing a hash-chained log at `path`. */
export function jsonlSink(path: string, options: JsonlSinkOptions = {}): AuditSink & { readonly recovery: JsonlRecovery | undefined; readonly rotations: number } {
  const name = `jsonl:${path}`;
  const fsyncEach = options.fsync === true;
  const batchSize = fsyncEach ? 1 : Math.max(1, Math.floor(options.batchSize ?? 1));
  const maxBytes = options.maxBytes !== undefined && options.maxBytes > 0 ? options.maxBytes : undefined;
  const interval = Math.max(1, options.flushIntervalMs ?? 1000);

  let fd: number | undefined;
  let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  let size = 0; // bytes in the current file, including buffered lines
  let buffer: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deferred: MeshgateError | undefined; // failure of a timer-driven write, reported by the next call
  let closed = false;
  let closing: Promise<void> | undefined;
  let recovery: JsonlRecovery | undefined;
  let rotations = 0;
  let rotateNext: string | undefined;

  const ioError = (e: unknown, what: string): MeshgateError =>
    toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', `audit log ${path}: ${what}`, { file: path });

  const open = (): number => {
    if (fd !== undefined) return fd;
    try {
      fs.mkdirSync(nodePath.dirname(nodePath.resolve(path)), { recursive: true });
      const f = fs.openSync(path, 'a+');
      try {
        const r = recover(f, path);
        head = r.head;
        size = r.size;
        recovery = { truncatedBytes: r.truncatedBytes, seq: r.head.seq };
      } catch (e) {
        fs.closeSync(f);
        throw e;
      }
      fd = f;
      return f;
    } catch (e) {
      if (e instanceof MeshgateError) throw e;
      throw ioError(e, 'cannot open');
    }
  };

  const writeAll = (f: number, text: string): void => {
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(f, bytes, off, bytes.length - off);
  };

  /** Writes the buffered lines (and fsyncs when asked). On failure, forgets the in-memory chain state so the next write re-reads the file. */
  const drain = (sync: boolean): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (buffer.length === 0) {
      if (sync && fd !== undefined) fsyncOrThrow(fd);
      return;
    }
    const text = buffer.join('');
    const lost = buffer.length;
    buffer = [];
    const f = fd;
    if (f === undefined) return;
    try {
      writeAll(f, text);
      if (sync) fs.fsyncSync(f);
    } catch (e) {
      reset();
      throw ioError(e, `write failed, ${lost} event(s) lost`);
    }
  };

  const fsyncOrThrow = (f: number): void => {
    try {
      fs.fsyncSync(f);
    } catch (e) {
      throw ioError(e, 'fsync failed');
    }
  };

  const reset = (): void => {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already unusable
      }
    }
    fd = undefined;
  };

  const rotate = (): void => {
    drain(true);
    reset();
    const dir = nodePath.dirname(path);
    const base = nodePath.basename(path);
    let n = 1;
    for (const entry of fs.readdirSync(dir)) {
      const m = entry.startsWith(`${base}.`) ? /^(\d+)$/.exec(entry.slice(base.length + 1)) : null;
      if (m) n = Math.max(n, Number(m[1]) + 1);
    }
    const target = `${path}.${n}`;
    try {
      fs.renameSync(path, target);
    } catch (e) {
      throw ioError(e, `cannot rotate to ${target}`);
    }
    rotations++;
    rotateNext = nodePath.basename(target);
    const keep = head;
    const keepRecovery = recovery;
    open();
    recovery = keepRecovery;
    head = keep; // the new file is empty: the chain continues from the rotated file
  };

  const scheduleTimer = (): void => {
    if (timer !== undefined || batchSize === 1) return;
    timer = setTimeout(() => {
      timer = undefined;
      try {
        drain(false);
      } catch (e) {
        deferred ??= e instanceof MeshgateError ? e : ioError(e, 'write failed');
      }
    }, interval);
    timer.unref?.();
  };

  const takeDeferred = (): void => {
    if (deferred) {
      const d = deferred;
      deferred = undefined;
      throw d;
    }
  };

  const sink = {
    name,
    get recovery(): JsonlRecovery | undefined {
      return recovery;
    },
    get rotations(): number {
      return rotations;
    },
    write(event: AuditEvent): void {
      if (closed) throw sinkClosedError(name);
      takeDeferred();
      open();
      let next = chainLine(event, head, nodeSha256, rotateNext);
      let bytes = Buffer.byteLength(next.line, 'utf8') + 1;
      if (maxBytes !== undefined && size > 0 && size + bytes > maxBytes) {
        rotate();
        next = chainLine(event, head, nodeSha256, rotateNext);
        bytes = Buffer.byteLength(next.line, 'utf8') + 1;
      }
      rotateNext = undefined;
      head = next.head;
      size += bytes;
      buffer.push(`${next.line}\n`);
      if (buffer.length >= batchSize) drain(fsyncEach);
      else scheduleTimer();
    },
    flush(): Promise<void> {
      try {
        takeDeferred();
        if (fd !== undefined) drain(true);
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e instanceof MeshgateError ? e : ioError(e, 'flush failed'));
      }
    },
    close(): Promise<void> {
      if (closing) return closing;
      closed = true;
      closing = sink.flush().finally(() => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        reset();
      });
      return closing;
    },
  };
  return sink;
}

/** Reads the chain head of an open log, cutting off a torn last line. */
function recover(fd: number, path: string): { head: ChainHead; size: number; truncatedBytes: number } {
  let size = fs.fstatSync(fd).size;
  if (size === 0) return { head: { seq: 0, hash: GENESIS_HASH }, size: 0, truncatedBytes: 0 };
  let truncatedBytes = 0;
  const lastByte = Buffer.alloc(1);
  fs.readSync(fd, lastByte, 0, 1, size - 1);
  if (lastByte[0] !== 0x0a) {
    const nl = lastIndexOfNewline(fd, size, size);
    const keep = nl < 0 ? 0 : nl + 1;
    truncatedBytes = size - keep;
    fs.ftruncateSync(fd, keep);
    fs.fsyncSync(fd);
    size = keep;
    if (size === 0) return { head: { seq: 0, hash: GENESIS_HASH }, size: 0, truncatedBytes };
  }
  // the last complete line lies between the previous newline and size - 1
  const prevNl = lastIndexOfNewline(fd, size - 1, size);
  const start = prevNl + 1;
  const buf = Buffer.alloc(size - 1 - start);
  fs.readSync(fd, buf, 0, buf.length, start);
  const corrupt = (why: string): MeshgateError =>
    new MeshgateError('MG_AUDIT_LOG_CORRUPT', `audit log ${path}: cannot continue the hash chain: the last line ${why}; run \`meshgate audit verify\``, { location: { file: path } });
  let obj: unknown;
  try {
    obj = JSON.parse(buf.toString('utf8'));
  } catch {
    throw corrupt('is not valid JSON');
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw corrupt('is not a JSON object');
  const rec = obj as Record<string, unknown>;
  if (typeof rec.seq !== 'number' || typeof rec.hash !== 'string') throw corrupt('has no seq/hash');
  if (expectedHash(rec, nodeSha256) !== rec.hash) throw corrupt('does not match its hash');
  return { head: { seq: rec.seq + 1, hash: rec.hash }, size, truncatedBytes };
}

/** Position of the last `\n` strictly before `end` (or -1), reading backwards in chunks. */
function lastIndexOfNewline(fd: number, end: number, _size: number): number {
  const chunk = 64 * 1024;
  let pos = end;
  const buf = Buffer.alloc(chunk);
  while (pos > 0) {
    const len = Math.min(chunk, pos);
    const start = pos - len;
    fs.readSync(fd, buf, 0, len, start);
    const idx = buf.subarray(0, len).lastIndexOf(0x0a);
    if (idx >= 0) return start + idx;
    pos = start;
  }
  return -1;
}
