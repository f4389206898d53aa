/**
 * Streaming verification of one audit log file: bytes are split into lines ({@link ChainLineSplitter}) and
 * checked by the one chain verifier ({@link ChainVerifier}), so memory stays bounded whatever the size of
 * the log. Async for `audit verify` and the report (any byte stream, e.g. stdin), sync for the JSONL
 * sink's recovery when it opens a log.
 */
import * as fs from 'node:fs';
import { ChainLineSplitter, ChainVerifier, type ChainVerifierOptions, type VerifyReport } from './chain.js';
import { sha256Hex } from '../sha256.js';

/** A verified log and what the verifier noticed on the way. */
export interface ChainScan {
  /** The chain report of the log. */
  report: VerifyReport;
  /** The seq of the first line mentioning `"seq":<n>` (places a file broken at its first event). */
  seqHint?: number;
  /** The seq of the event whose hash is the watched hash, when found. */
  found?: number;
}

const CHUNK = 1024 * 1024;

function scanOf(v: ChainVerifier, report: VerifyReport): ChainScan {
  const out: ChainScan = { report };
  if (v.seqHint !== undefined) out.seqHint = v.seqHint;
  if (v.found !== undefined) out.found = v.found;
  return out;
}

/**
 * Verifies a log read from `source` (chunks of bytes, e.g. a file or stdin stream) line by line.
 * Stream errors propagate.
 */
export async function verifyChainStream(source: AsyncIterable<Uint8Array | string>, options: ChainVerifierOptions = {}): Promise<ChainScan> {
  const v = new ChainVerifier({ hash: sha256Hex, ...options });
  const split = new ChainLineSplitter((line) => v.line(line), { onLongLine: (bytes) => v.longLine(bytes) });
  for await (const chunk of source) split.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  const terminated = split.end();
  return scanOf(v, v.end(terminated));
}

/** Verifies the log open at `fd` from byte `from` to its end, synchronously, in chunks. */
export function verifyChainFileSync(fd: number, from: number, options: ChainVerifierOptions = {}): ChainScan {
  const v = new ChainVerifier({ hash: sha256Hex, ...options });
  const split = new ChainLineSplitter((line) => v.line(line), { onLongLine: (bytes) => v.longLine(bytes) });
  const buf = Buffer.alloc(CHUNK);
  let pos = from;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    split.write(buf.subarray(0, n));
    pos += n;
  }
  return scanOf(v, v.end(split.end()));
}

/** Opens `path` as a byte stream of large chunks (for {@link verifyChainStream}). */
export function logStream(path: string): fs.ReadStream {
  return fs.createReadStream(path, { highWaterMark: CHUNK });
}
