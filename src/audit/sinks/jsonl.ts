/**
 * The JSONL file sink: one hash-chained event per line (see chain.ts), appended with synchronous writes
 * so that an event is on its way to disk when `write()` returns. Options: `fsync` (each event is fsynced
 * before `write()` returns: no acknowledged event is lost on a crash), `batchSize` (lines buffered per
 * write; a timer writes partial batches), `maxBytes` (size-based rotation: the full file is renamed to
 * `<path>.<n>` and the chain continues in a new file), `checkpoints` (a signing key: signed checkpoints,
 * see checkpoint.ts, every `everyEvents` events and `everyMs` ms, at rotation, at close, and after
 * recovering a log its last writer did not close).
 *
 * One writer per log: opening takes an exclusive lock (lock.ts) held until `close()`; a second writer gets
 * `MG_AUDIT_LOG_LOCKED`. The sink opens at its first write or at `open()`. Appending to an existing log
 * continues its chain: a torn last line left by a crash is cut off first (it was never acknowledged), then
 * the chain is verified since the last checkpoint (whose signature is checked), or over the whole file
 * without one; a broken log is refused (`MG_AUDIT_LOG_CORRUPT`): the sink never extends a broken chain.
 * An empty live file next to rotated ones continues the newest rotated file's chain.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { MeshgateError, toMeshgateError } from '../../errors.js';
import { chainLine, GENESIS_HASH, type ChainHead } from '../chain.js';
import { verifyChainFileSync } from '../verify-stream.js';
import { checkpointLineHash, checkpointSigner, verifyCheckpointLine, type CheckpointReason, type CheckpointSigner, type CheckpointSigning } from '../checkpoint.js';
import type { AuditEvent } from '../event.js';
import { sha256Hex } from '../../sha256.js';
import { sinkClosedError, type AuditSink } from '../sink.js';
import { acquireLogLock, type LogLock } from './lock.js';

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
  /** Sign checkpoints with this key (see checkpoint.ts). Default: no checkpoints. */
  checkpoints?: CheckpointSigning & {
    /** A checkpoint after this many events. Default 1000. */
    everyEvents?: number;
    /** A checkpoint this often (ms) while events arrive. Default 60 000. */
    everyMs?: number;
  };
  /** The clock of checkpoint times (tests). */
  now?: () => Date;
}

/** What the sink found and repaired when it opened an existing log. */
export interface JsonlRecovery {
  /** Bytes of a torn last line that were cut off. */
  truncatedBytes: number;
  /** The `seq` the chain continues from. */
  seq: number;
  /** Event lines verified before appending (those after the last checkpoint, or the whole file). */
  verified?: number;
}


/** The JSONL sink: an {@link AuditSink} with its recovery report, counters and an explicit `open()`. */
export interface JsonlSink extends AuditSink {
  /** What opening the existing log found (undefined until opened). */
  readonly recovery: JsonlRecovery | undefined;
  /** Rotations so far. */
  readonly rotations: number;
  /** Checkpoints written so far. */
  readonly checkpoints: number;
  /**
   * Opens the log now (otherwise the first write does): takes the writer lock and verifies the chain.
   * Throws `MG_AUDIT_LOG_LOCKED`, `MG_AUDIT_LOG_CORRUPT` or `MG_AUDIT_SINK_FAILED`. Idempotent.
   */
  open(): JsonlRecovery;
}

/** A JSONL audit sink writing a hash-chained log at `path`. */
export function jsonlSink(path: string, options: JsonlSinkOptions = {}): JsonlSink {
  const name = `jsonl:${path}`;
  const fsyncEach = options.fsync === true;
  const batchSize = fsyncEach ? 1 : Math.max(1, Math.floor(options.batchSize ?? 1));
  const maxBytes = options.maxBytes !== undefined && options.maxBytes > 0 ? options.maxBytes : undefined;
  const interval = Math.max(1, options.flushIntervalMs ?? 1000);
  const signer: CheckpointSigner | undefined = options.checkpoints ? checkpointSigner(options.checkpoints) : undefined;
  const cpEvery = Math.max(1, Math.floor(options.checkpoints?.everyEvents ?? 1000));
  const cpEveryMs = Math.max(1, options.checkpoints?.everyMs ?? 60_000);
  const clock = options.now ?? (() => new Date());
  const base = nodePath.basename(path);
  // room kept for the rotation checkpoint, so that a rotated file stays within maxBytes
  const reserve = signer ? Buffer.byteLength(signer.line({ file: `${base}.999999`, head: GENESIS_HASH, prev: GENESIS_HASH, reason: 'rotate', seq: 2 ** 40, time: new Date(0).toISOString() })) + 16 : 0;

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
  let lock: LogLock | undefined;
  let lastCheckpoint = GENESIS_HASH; // sha256 of the last checkpoint line
  let sinceCheckpoint = 0; // events written since it
  let checkpoints = 0;
  let cpTimer: ReturnType<typeof setInterval> | undefined;

  const ioError = (e: unknown, what: string): MeshgateError =>
    toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', `audit log ${path}: ${what}`, { file: path });

  const open = (): number => {
    if (fd !== undefined) return fd;
    try {
      fs.mkdirSync(nodePath.dirname(nodePath.resolve(path)), { recursive: true });
      // one writer per log file; a device or pipe (`/dev/stdout`) is a stream, not a log that could be shared
      if (lock === undefined && isRegularOrAbsent(path)) lock = acquireLogLock(path);
      const f = fs.openSync(path, 'a+');
      let unsealed = false;
      try {
        const r = recover(f, path, signer);
        head = r.head;
        size = r.size;
        lastCheckpoint = r.lastCheckpoint;
        unsealed = r.unsealed;
        if (r.rotatedFrom !== undefined) rotateNext = r.rotatedFrom;
        recovery = { truncatedBytes: r.truncatedBytes, seq: r.head.seq, verified: r.verified };
      } catch (e) {
        fs.closeSync(f);
        lock?.release();
        lock = undefined;
        throw e;
      }
      fd = f;
      if (signer && unsealed) checkpoint('recover');
      if (signer && cpTimer === undefined) {
        cpTimer = setInterval(() => {
          if (sinceCheckpoint === 0 || fd === undefined || closed) return;
          try {
            checkpoint('interval');
          } catch (e) {
            deferred ??= e instanceof MeshgateError ? e : ioError(e, 'checkpoint failed');
          }
        }, cpEveryMs);
        cpTimer.unref?.();
      }
      return f;
    } catch (e) {
      if (e instanceof MeshgateError) throw e;
      throw ioError(e, 'cannot open');
    }
  };

  /** Appends a signed checkpoint of the current head to the current file and writes it out with fsync. */
  const checkpoint = (reason: CheckpointReason, file = base): void => {
    if (!signer || head.seq === 0) return;
    const line = signer.line({ file, head: head.hash, prev: lastCheckpoint, reason, seq: head.seq - 1, time: clock().toISOString() });
    buffer.push(`${line}\n`);
    size += Buffer.byteLength(line, 'utf8') + 1;
    drain(true);
    lastCheckpoint = sha256Hex(line);
    sinceCheckpoint = 0;
    checkpoints++;
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
    const target = `${path}.${nextRotation(path)}`;
    checkpoint('rotate', nodePath.basename(target));
    reset();
    try {
      fs.renameSync(path, target);
    } catch (e) {
      throw ioError(e, `cannot rotate to ${target}`);
    }
    rotations++;
    rotateNext = nodePath.basename(target);
    const keep = { head, lastCheckpoint };
    const keepRecovery = recovery;
    open();
    recovery = keepRecovery;
    head = keep.head; // the new file is empty: the chain continues from the rotated file
    lastCheckpoint = keep.lastCheckpoint;
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
    get checkpoints(): number {
      return checkpoints;
    },
    write(event: AuditEvent): void {
      if (closed) throw sinkClosedError(name);
      takeDeferred();
      open();
      let next = chainLine(event, head, sha256Hex, rotateNext);
      let bytes = Buffer.byteLength(next.line, 'utf8') + 1;
      if (maxBytes !== undefined && size > 0 && size + bytes + reserve > maxBytes) {
        rotate();
        next = chainLine(event, head, sha256Hex, rotateNext);
        bytes = Buffer.byteLength(next.line, 'utf8') + 1;
      }
      rotateNext = undefined;
      head = next.head;
      size += bytes;
      buffer.push(`${next.line}\n`);
      sinceCheckpoint++;
      if (signer && sinceCheckpoint >= cpEvery) checkpoint('interval');
      else if (buffer.length >= batchSize) drain(fsyncEach);
      else scheduleTimer();
    },
    open(): JsonlRecovery {
      if (closed) throw sinkClosedError(name);
      open();
      return recovery!;
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
      if (cpTimer !== undefined) clearInterval(cpTimer);
      closing = sink
        .flush()
        .then(() => {
          if (fd !== undefined) checkpoint('close');
        })
        .catch((e: unknown) => {
          throw e instanceof MeshgateError ? e : ioError(e, 'close failed');
        })
        .finally(() => {
          if (timer !== undefined) clearTimeout(timer);
          timer = undefined;
          reset();
          lock?.release();
        });
      return closing;
    },
  };
  return sink;
}

interface Recovered {
  head: ChainHead;
  size: number;
  truncatedBytes: number;
  lastCheckpoint: string;
  /** Events follow the last checkpoint (the last writer did not close the log). */
  unsealed: boolean;
  verified: number;
  rotatedFrom?: string;
}

function isRegularOrAbsent(path: string): boolean {
  try {
    return fs.statSync(path).isFile();
  } catch {
    return true;
  }
}

/** The number of the next rotated file `<path>.<n>`. */
function nextRotation(path: string): number {
  const base = nodePath.basename(path);
  let n = 1;
  for (const entry of fs.readdirSync(nodePath.dirname(path))) {
    const m = entry.startsWith(`${base}.`) ? /^(\d+)$/.exec(entry.slice(base.length + 1)) : null;
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * Reads the chain head of an open log: cuts off a torn last line, then verifies the chain after the last
 * checkpoint (its signature checked with the signer's public key) or the whole file, and refuses a broken log.
 */
function recover(fd: number, path: string, signer: CheckpointSigner | undefined): Recovered {
  let size = fs.fstatSync(fd).size;
  let truncatedBytes = 0;
  if (size > 0) {
    const lastByte = Buffer.alloc(1);
    fs.readSync(fd, lastByte, 0, 1, size - 1);
    if (lastByte[0] !== 0x0a) {
      const nl = lastIndexOfNewline(fd, size);
      const keep = nl < 0 ? 0 : nl + 1;
      truncatedBytes = size - keep;
      fs.ftruncateSync(fd, keep);
      fs.fsyncSync(fd);
      size = keep;
    }
  }
  const corrupt = (why: string, line?: number): MeshgateError =>
    new MeshgateError('MG_AUDIT_LOG_CORRUPT', `audit log ${path}: cannot continue the hash chain: ${why}; run \`meshgate audit verify\``, {
      location: line === undefined ? { file: path } : { file: path, line },
    });
  if (size === 0) return { ...continueRotated(path, corrupt), size: 0, truncatedBytes };
  // the segment after the last checkpoint line (checkpoint lines start with {"alg": in canonical form)
  let startAt = 0;
  let startLine = (): number => 0; // the line of the checkpoint the segment follows, counted only when needed
  let startHead: ChainHead | undefined;
  let lastCheckpoint = GENESIS_HASH;
  const cpAt = lastIndexOfBytes(fd, size, CHECKPOINT_START);
  const cpStart = cpAt >= 0 ? cpAt + 1 : startsWith(fd, CHECKPOINT_START.subarray(1)) ? 0 : -1;
  if (cpStart >= 0) {
    const { raw, end } = readLineAt(fd, cpStart, size);
    const lineNo = (): number => countNewlines(fd, cpStart) + 1;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw corrupt(`line ${lineNo()} is not valid JSON`, lineNo());
    }
    if (signer) {
      const v = verifyCheckpointLine(value, signer.publicKey);
      if (typeof v === 'string') throw corrupt(`the checkpoint at line ${lineNo()}: ${v}`, lineNo());
      startHead = { seq: v.checkpoint.seq + 1, hash: v.checkpoint.head };
      startAt = end + 1;
      startLine = lineNo;
      lastCheckpoint = sha256Hex(raw);
    }
  }
  const { report } = verifyChainFileSync(fd, startAt, startHead ? { start: startHead } : {});
  if (!report.ok) {
    const line = (report.firstBadLine ?? 0) + startLine();
    throw corrupt(`line ${line}: ${report.message.replace(/^line \d+: /, '')}`, line);
  }
  const cps = report.checkpoints ?? [];
  if (!signer && cps.length > 0) lastCheckpoint = checkpointLineHash(cps[cps.length - 1]!.value);
  const head: ChainHead = report.lastSeq !== undefined && report.lastHash !== undefined ? { seq: report.lastSeq + 1, hash: report.lastHash } : (startHead ?? { seq: 0, hash: GENESIS_HASH });
  const events = report.events ?? 0;
  return { head, size, truncatedBytes, lastCheckpoint, unsealed: events > 0 && report.endsWithCheckpoint !== true, verified: events };
}

/** For an empty live file: the head of the newest rotated file `<path>.<n>`, when there is one. */
function continueRotated(
  path: string,
  corrupt: (why: string, line?: number) => MeshgateError,
): Omit<Recovered, 'size' | 'truncatedBytes'> {
  const n = nextRotation(path) - 1;
  const fresh = { head: { seq: 0, hash: GENESIS_HASH }, lastCheckpoint: GENESIS_HASH, unsealed: false, verified: 0 };
  if (n < 1) return fresh;
  const prevPath = `${path}.${n}`;
  let fd: number;
  try {
    fd = fs.openSync(prevPath, 'r');
  } catch {
    return fresh;
  }
  let report;
  try {
    report = verifyChainFileSync(fd, 0).report;
  } catch {
    return fresh;
  } finally {
    fs.closeSync(fd);
  }
  if (!report.ok || report.lastSeq === undefined || report.lastHash === undefined) throw corrupt(`the rotated file ${prevPath} it continues is broken (${report.message})`);
  const cps = report.checkpoints ?? [];
  const last = cps[cps.length - 1]; // a sealed file: its checkpoints are verify's business, not the writer's
  return {
    head: { seq: report.lastSeq + 1, hash: report.lastHash },
    lastCheckpoint: last ? checkpointLineHash(last.value) : GENESIS_HASH,
    unsealed: false,
    verified: report.events ?? 0,
    rotatedFrom: nodePath.basename(prevPath),
  };
}

const CHECKPOINT_START = Buffer.from('\n{"alg":', 'utf8');
const NEWLINE = Buffer.from('\n', 'utf8');
const CHUNK = 64 * 1024;

/** Position of the last occurrence of `pattern` that ends at or before `end` (or -1), reading backwards in chunks. */
function lastIndexOfBytes(fd: number, end: number, pattern: Buffer): number {
  const buf = Buffer.alloc(CHUNK + pattern.length);
  let pos = end;
  let tail = 0; // bytes of the previous chunk kept after this one, so a match across chunks is seen
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    const start = pos - len;
    buf.copy(buf, len, 0, tail);
    fs.readSync(fd, buf, 0, len, start);
    const idx = buf.subarray(0, len + tail).lastIndexOf(pattern);
    if (idx >= 0) return start + idx;
    tail = Math.min(pattern.length - 1, len);
    pos = start;
  }
  return -1;
}

/** Position of the last `\n` strictly before `end` (or -1). */
function lastIndexOfNewline(fd: number, end: number): number {
  return lastIndexOfBytes(fd, end, NEWLINE);
}

/** True when the file starts with `prefix`. */
function startsWith(fd: number, prefix: Buffer): boolean {
  const buf = Buffer.alloc(prefix.length);
  return fs.readSync(fd, buf, 0, prefix.length, 0) === prefix.length && buf.equals(prefix);
}

/** The line starting at byte `from` (up to its newline, or `size`) and the position of that newline. */
function readLineAt(fd: number, from: number, size: number): { raw: string; end: number } {
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(CHUNK);
  let pos = from;
  while (pos < size) {
    const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) {
      parts.push(Buffer.from(buf.subarray(0, nl)));
      return { raw: Buffer.concat(parts).toString('utf8'), end: pos + nl };
    }
    parts.push(Buffer.from(buf.subarray(0, n)));
    pos += n;
  }
  return { raw: Buffer.concat(parts).toString('utf8'), end: size };
}

/** The number of newlines in the first `end` bytes. */
function countNewlines(fd: number, end: number): number {
  const buf = Buffer.alloc(CHUNK);
  let count = 0;
  for (let pos = 0; pos < end; ) {
    const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, end - pos), pos);
    if (n === 0) break;
    for (let i = buf.indexOf(0x0a, 0); i >= 0 && i < n; i = buf.indexOf(0x0a, i + 1)) count++;
    pos += n;
  }
  return count;
}
