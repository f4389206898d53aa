/**
 * The hash chain of the JSONL audit log, and its verification (pure: text in, report out). Every line is
 * the event plus `seq` (0, 1, 2 … across rotations), `prev_hash` (the previous line's `hash`, or 64 zeros
 * for the first line ever) and `hash` = sha256 of the canonical JSON of the line without `hash`. The line
 * itself is written in that same canonical form (hash included), so its bytes are fixed: verify
 * re-serialises every parsed line and rejects one whose bytes differ (a duplicated key, reordered keys,
 * extra whitespace, another escape), since two readers could otherwise see two different events in one
 * line. The first line of a rotated-to file also names the file it continues (`rotated_from`). A line that
 * is edited, deleted, moved or torn breaks the chain at a precise line. Signed checkpoint lines
 * (checkpoint.ts) sit between events, outside the chain; this module checks their form and reports where
 * they are. Deleting lines at the very end, or deleting and re-chaining, is only detectable against a
 * signed checkpoint or an externally kept head (`lastSeq`/`lastHash` of the report).
 */
import { canonicalJson } from './canonical.js';
import { findDuplicateKey } from './duplicate-keys.js';
import type { AuditEvent } from './event.js';
import { sha256Hex } from '../sha256.js';
import { isObject } from '../is-object.js';

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

/** Builds the next chained event (the event plus `rotated_from`, `seq`, `prev_hash`, `hash`) and the new head. */
export function chainEvent(event: AuditEvent, head: ChainHead, hash: HashFn = sha256Hex, rotatedFrom?: string): { event: ChainedEvent; head: ChainHead } {
  const body: Record<string, unknown> = { ...event };
  if (rotatedFrom !== undefined) body.rotated_from = rotatedFrom;
  body.seq = head.seq;
  body.prev_hash = head.hash;
  const h = hash(canonicalJson(body));
  body.hash = h;
  return { event: body as unknown as ChainedEvent, head: { seq: head.seq + 1, hash: h } };
}

/** Builds the next line (canonical JSON, without its trailing newline) and the new head. */
export function chainLine(event: AuditEvent, head: ChainHead, hash: HashFn = sha256Hex, rotatedFrom?: string): { line: string; head: ChainHead } {
  const next = chainEvent(event, head, hash, rotatedFrom);
  return { line: canonicalJson(next.event), head: next.head };
}

/** The hash a parsed line should carry (sha256 over its canonical JSON without `hash`). */
export function expectedHash(line: Record<string, unknown>, hash: HashFn = sha256Hex): string {
  const { hash: _omit, ...rest } = line;
  return hash(canonicalJson(rest));
}

/** What is wrong with a log. */
export type TamperKind = 'edited' | 'deleted' | 'reordered' | 'truncated' | 'malformed' | 'noncanonical';

/** A checkpoint line seen in a log, with the last event line before it. */
export interface CheckpointSighting {
  /** 1-based line number. */
  line: number;
  /** The parsed line (`{alg, checkpoint, keyid, sig}`). */
  value: Record<string, unknown>;
  /** The last event before it, when any. */
  after?: { seq: number; hash: string; timestamp?: string };
}

/** True when a parsed line is a checkpoint line rather than an event (see checkpoint.ts). */
export function isCheckpointLine(obj: Record<string, unknown>): boolean {
  return 'checkpoint' in obj && !('seq' in obj);
}

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
  /** Event lines read (checkpoint lines excluded). */
  events?: number;
  /** The first event line's chain fields, when any. */
  first?: { seq: number; prev_hash: string; rotated_from?: string; timestamp?: string };
  /** `timestamp` of the last good event line, when any. */
  lastTimestamp?: string;
  /** Checkpoint lines, in order (complete only when `ok`). */
  checkpoints?: CheckpointSighting[];
  /** True when the last line is a checkpoint line. */
  endsWithCheckpoint?: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;

interface Parsed {
  obj: Record<string, unknown>;
  seq: number;
  prev: string;
  hash: string;
}

interface CheckpointLine {
  checkpoint: Record<string, unknown>;
}

/** Why the bytes of `raw` (which parses to `obj`) are not the canonical serialisation of `obj`, or undefined when they are. */
export function noncanonicalReason(raw: string, obj: unknown): string | undefined {
  if (canonicalJson(obj) === raw) return undefined;
  const dup = findDuplicateKey(raw);
  if (dup) return `duplicate key "${dup.path}": readers disagree on its value`;
  return 'bytes differ from the canonical form (reordered keys, whitespace or escapes)';
}

function parseLine(raw: string): Parsed | CheckpointLine | { noncanonical: string; seq?: number } | string {
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch (e) {
    return `not valid JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (!isObject(obj)) return 'not a JSON object';
  const rec = obj;
  const why = noncanonicalReason(raw, rec);
  if (why !== undefined) return typeof rec.seq === 'number' ? { noncanonical: why, seq: rec.seq } : { noncanonical: why };
  if (isCheckpointLine(rec)) {
    const cp = rec.checkpoint;
    if (!isObject(cp)) return 'a checkpoint line without a checkpoint object';
    return { checkpoint: rec };
  }
  const { seq, prev_hash: prev, hash } = rec;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return 'missing or invalid "seq"';
  if (typeof prev !== 'string' || !HEX64.test(prev)) return 'missing or invalid "prev_hash"';
  if (typeof hash !== 'string' || !HEX64.test(hash)) return 'missing or invalid "hash"';
  return { obj: rec, seq, prev, hash };
}

/**
 * Verifies the text of a JSONL audit log and reports the first bad line (event chain, canonical bytes,
 * checkpoint line form). With `start`, the text is a segment that must continue that head (the JSONL
 * sink verifies only what follows its last checkpoint).
 */
export function verifyChainText(text: string, hash: HashFn = sha256Hex, start?: ChainHead): VerifyReport {
  if (text === '') return { ok: true, lines: 0, message: 'empty log', events: 0, checkpoints: [] };
  const terminated = text.endsWith('\n');
  const raw = text.split('\n');
  if (terminated) raw.pop();
  const lines = raw.length;
  const parsed = raw.map((r) => (r === '' ? 'empty line' : parseLine(r)));
  const isEvent = (q: unknown): q is Parsed => typeof q === 'object' && q !== null && 'seq' in q && 'prev' in q;
  let prev: Parsed | undefined;
  let beforePrev: Parsed | undefined;
  let events = 0;
  let first: VerifyReport['first'];
  const checkpoints: CheckpointSighting[] = [];
  const fail = (i: number, problem: TamperKind, message: string, lastGood: Parsed | undefined = prev): VerifyReport => {
    const r: VerifyReport = { ok: false, lines, firstBadLine: i + 1, problem, message: `line ${i + 1}: ${message}`, events, checkpoints };
    if (first) r.first = first;
    if (lastGood) {
      r.lastSeq = lastGood.seq;
      r.lastHash = lastGood.hash;
      if (typeof lastGood.obj.timestamp === 'string') r.lastTimestamp = lastGood.obj.timestamp;
    }
    return r;
  };
  for (let i = 0; i < lines; i++) {
    const torn = i === lines - 1 && !terminated;
    const p = parsed[i]!;
    if (typeof p === 'string') {
      return torn ? fail(i, 'truncated', `torn last line (no newline terminator; ${p})`) : fail(i, 'malformed', p);
    }
    if ('noncanonical' in p) {
      if (torn) return fail(i, 'truncated', `torn last line (no newline terminator; ${p.noncanonical})`);
      return fail(i, 'noncanonical', `${p.seq === undefined ? '' : `seq ${p.seq}: `}${p.noncanonical}`);
    }
    if ('checkpoint' in p) {
      if (torn) return fail(i, 'truncated', 'torn last line (no newline terminator; a checkpoint)');
      const s: CheckpointSighting = { line: i + 1, value: p.checkpoint };
      if (prev) s.after = typeof prev.obj.timestamp === 'string' ? { seq: prev.seq, hash: prev.hash, timestamp: prev.obj.timestamp } : { seq: prev.seq, hash: prev.hash };
      checkpoints.push(s);
      continue;
    }
    if (expectedHash(p.obj, hash) !== p.hash) {
      return torn ? fail(i, 'truncated', 'torn last line (no newline terminator; hash mismatch)') : fail(i, 'edited', `hash mismatch: the line was changed after it was written (seq ${p.seq})`);
    }
    if (!prev && start) {
      if (p.seq !== start.seq) return fail(i, p.seq > start.seq ? 'deleted' : 'reordered', `seq ${p.seq} follows the checkpoint at seq ${start.seq - 1}`);
      if (p.prev !== start.hash) return fail(i, 'edited', `seq ${p.seq} does not continue the head hash of the checkpoint at seq ${start.seq - 1}`);
    } else if (!prev) {
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
        const later = parsed.slice(i + 1).some((q) => isEvent(q) && q.seq >= expected && q.seq < p.seq);
        return later
          ? fail(i, 'reordered', `seq ${p.seq} follows seq ${prev.seq}: the missing lines appear later`)
          : fail(i, 'deleted', `seq ${p.seq} follows seq ${prev.seq}: ${p.seq - expected} line(s) were deleted`);
      }
      if (p.prev !== prev.hash) {
        return fail(i - 1, 'edited', `its hash does not match the prev_hash of line ${i + 1}: the line was edited and re-hashed (seq ${prev.seq})`, beforePrev);
      }
    }
    if (torn) return fail(i, 'truncated', 'torn last line (no newline terminator)');
    if (!first) {
      first = { seq: p.seq, prev_hash: p.prev };
      if (typeof p.obj.rotated_from === 'string') first.rotated_from = p.obj.rotated_from;
      if (typeof p.obj.timestamp === 'string') first.timestamp = p.obj.timestamp;
    }
    events++;
    beforePrev = prev;
    prev = p;
  }
  const endsWithCheckpoint = lines > 0 && typeof parsed[lines - 1] === 'object' && 'checkpoint' in (parsed[lines - 1] as object);
  if (!prev) return { ok: true, lines, message: `${lines} line(s), no events`, events: 0, checkpoints, endsWithCheckpoint };
  const last = prev;
  const r: VerifyReport = { ok: true, lines, message: `${lines} line(s), chain intact (seq ${first!.seq}..${last.seq})`, lastSeq: last.seq, lastHash: last.hash, events, checkpoints, endsWithCheckpoint };
  if (first) r.first = first;
  if (typeof last.obj.timestamp === 'string') r.lastTimestamp = last.obj.timestamp;
  return r;
}
