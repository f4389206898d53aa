/**
 * The hash chain of the JSONL audit log, and its verification (pure: text in, report out). Every line is
 * the event plus `seq` (0, 1, 2 … across rotations), `prev_hash` (the previous line's `hash`, or 64 zeros
 * for the first line ever) and `hash` = sha256 of the canonical JSON of the line without `hash`. The first
 * line of a rotated-to file also names the file it continues (`rotated_from`). A line that is edited,
 * deleted, moved or torn breaks the chain at a precise line. Deleting lines at the very end is only
 * detectable against an externally kept head (`lastSeq`/`lastHash` of the report).
 */
import { canonicalJson } from './canonical.js';
import type { AuditEvent } from './event.js';
import { sha256Hex } from './sha256.js';

/** `prev_hash` of the first line of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** A hash function over a UTF-8 string, giving 64 hex digits. */
export type HashFn = (text: string) => string;

/** Where a chain stands: the next `seq` and the hash the next line must point to. */
export interface ChainHead {
  /** The `seq` of the next line. */
  seq: number;
  /** The `hash` of the last line (or {@link GENESIS_HASH}). */
  hash: string;
}

/** One line of the chain as parsed. */
export type ChainedEvent = AuditEvent & { rotated_from?: string; seq: number; prev_hash: string; hash: string };

/** Builds the next line (without its trailing newline) and the new head. */
export function chainLine(event: AuditEvent, head: ChainHead, hash: HashFn = sha256Hex, rotatedFrom?: string): { line: string; head: ChainHead } {
  const body: Record<string, unknown> = { ...event };
  if (rotatedFrom !== undefined) body.rotated_from = rotatedFrom;
  body.seq = head.seq;
  body.prev_hash = head.hash;
  const h = hash(canonicalJson(body));
  body.hash = h;
  return { line: JSON.stringify(body), head: { seq: head.seq + 1, hash: h } };
}

/** The hash a parsed line should carry (sha256 over its canonical JSON without `hash`). */
export function expectedHash(line: Record<string, unknown>, hash: HashFn = sha256Hex): string {
  const { hash: _omit, ...rest } = line;
  return hash(canonicalJson(rest));
}

/** What is wrong with a log. */
export type TamperKind = 'edited' | 'deleted' | 'reordered' | 'truncated' | 'malformed';

/** The result of verifying a log. */
export interface VerifyReport {
  /** True when the whole chain is intact. */
  ok: boolean;
  /** Lines read (a torn last line counts). */
  lines: number;
  /** The 1-based number of the first bad line. */
  firstBadLine?: number;
  /** What is wrong there. */
  problem?: TamperKind;
  /** A sentence for humans. */
  message: string;
  /** `seq` of the last good line, when any (compare with an externally kept head to detect tail deletion). */
  lastSeq?: number;
  /** `hash` of the last good line, when any. */
  lastHash?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

interface Parsed {
  obj: Record<string, unknown>;
  seq: number;
  prev: string;
  hash: string;
}

function parseLine(raw: string): Parsed | string {
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch (e) {
    return `not valid JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'not a JSON object';
  const rec = obj as Record<string, unknown>;
  const { seq, prev_hash: prev, hash } = rec;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return 'missing or invalid "seq"';
  if (typeof prev !== 'string' || !HEX64.test(prev)) return 'missing or invalid "prev_hash"';
  if (typeof hash !== 'string' || !HEX64.test(hash)) return 'missing or invalid "hash"';
  return { obj: rec, seq, prev, hash };
}

/** Verifies the text of a JSONL audit log and reports the first bad line. */
export function verifyChainText(text: string, hash: HashFn = sha256Hex): VerifyReport {
  if (text === '') return { ok: true, lines: 0, message: 'empty log' };
  const terminated = text.endsWith('\n');
  const raw = text.split('\n');
  if (terminated) raw.pop();
  const lines = raw.length;
  const parsed: Array<Parsed | string> = raw.map((r) => (r === '' ? 'empty line' : parseLine(r)));
  let prev: Parsed | undefined;
  let beforePrev: Parsed | undefined;
  const fail = (i: number, problem: TamperKind, message: string, lastGood: Parsed | undefined = prev): VerifyReport => {
    const r: VerifyReport = { ok: false, lines, firstBadLine: i + 1, problem, message: `line ${i + 1}: ${message}` };
    if (lastGood) {
      r.lastSeq = lastGood.seq;
      r.lastHash = lastGood.hash;
    }
    return r;
  };
  for (let i = 0; i < lines; i++) {
    const torn = i === lines - 1 && !terminated;
    const p = parsed[i]!;
    if (typeof p === 'string') {
      return torn ? fail(i, 'truncated', `torn last line (no newline terminator; ${p})`) : fail(i, 'malformed', p);
    }
    if (expectedHash(p.obj, hash) !== p.hash) {
      return torn ? fail(i, 'truncated', 'torn last line (no newline terminator; hash mismatch)') : fail(i, 'edited', `hash mismatch: the line was changed after it was written (seq ${p.seq})`);
    }
    if (!prev) {
      if (p.seq === 0 && p.prev !== GENESIS_HASH) return fail(i, 'edited', 'the first line (seq 0) must have the genesis prev_hash');
      if (p.seq > 0 && typeof p.obj.rotated_from !== 'string') {
        return fail(i, 'deleted', `the log starts at seq ${p.seq}: lines 0..${p.seq - 1} were deleted`);
      }
      if (p.seq > 0 && p.prev === GENESIS_HASH) return fail(i, 'edited', 'a continued log cannot start from the genesis hash');
    } else {
      const expected = prev.seq + 1;
      if (p.seq <= prev.seq) {
        return fail(i, 'reordered', `seq ${p.seq} follows seq ${prev.seq}: lines are out of order or duplicated`);
      }
      if (p.seq > expected) {
        const later = parsed.slice(i + 1).some((q) => typeof q !== 'string' && q.seq >= expected && q.seq < p.seq);
        return later
          ? fail(i, 'reordered', `seq ${p.seq} follows seq ${prev.seq}: the missing lines appear later`)
          : fail(i, 'deleted', `seq ${p.seq} follows seq ${prev.seq}: ${p.seq - expected} line(s) were deleted`);
      }
      if (p.prev !== prev.hash) {
        return fail(i - 1, 'edited', `its hash does not match the prev_hash of line ${i + 1}: the line was edited and re-hashed`, beforePrev);
      }
    }
    if (torn) return fail(i, 'truncated', 'torn last line (no newline terminator)');
    beforePrev = prev;
    prev = p;
  }
  const last = prev!;
  return { ok: true, lines, message: `${lines} line(s), chain intact (seq ${parsed.length > 0 ? (parsed[0] as Parsed).seq : 0}..${last.seq})`, lastSeq: last.seq, lastHash: last.hash };
}
