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
import { canonicalJson, canonicalJsonWithout, canonicalMembers } from './canonical.js';
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

/**
 * Builds the next line (canonical JSON, without its trailing newline) and the new head: the same bytes as
 * `canonicalJson(chainEvent(...).event)`, with the event's members serialised once (the hashed body and
 * the line share them; `hash` is inserted at its sorted place).
 */
export function chainLine(event: AuditEvent, head: ChainHead, hash: HashFn = sha256Hex, rotatedFrom?: string): { line: string; head: ChainHead } {
  const body: Record<string, unknown> = { ...event };
  if (typeof (body as { toJSON?: unknown }).toJSON === 'function') {
    const next = chainEvent(event, head, hash, rotatedFrom);
    return { line: canonicalJson(next.event), head: next.head };
  }
  if ('hash' in body) delete body.hash; // (a delete would slow every other object down)
  if (rotatedFrom !== undefined) body.rotated_from = rotatedFrom;
  body.seq = head.seq;
  body.prev_hash = head.hash;
  const members = canonicalMembers(body);
  const parts = members.map((m) => m[1]);
  const h = hash(`{${parts.join(',')}}`);
  let at = 0;
  while (at < members.length && members[at]![0] < 'hash') at++;
  parts.splice(at, 0, `"hash":${JSON.stringify(h)}`);
  return { line: `{${parts.join(',')}}`, head: { seq: head.seq + 1, hash: h } };
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
  /** The canonical JSON the hash covers (the line without `hash`). */
  body?: string;
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
  const canon = canonicalJsonWithout(rec, 'hash');
  const why = canon.full === raw ? undefined : noncanonicalReason(raw, rec);
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
  return { obj: rec, seq, prev, hash, body: canon.without };
}

/** Options of {@link ChainVerifier}. */
export interface ChainVerifierOptions {
  /** The hash function (default: the pure sha256). */
  hash?: HashFn;
  /** The head a segment must continue (the JSONL sink verifies only what follows its last checkpoint). */
  start?: ChainHead;
  /** A hash to look for in every line (even after a break): its `seq` ends up in {@link ChainVerifier.found}. */
  watchHash?: string;
}

/**
 * The verifier of one log's hash chain, fed one line at a time (without its `\n`), so that a log of any
 * size is verified in bounded memory: it keeps the last two events, the checkpoint lines seen, and, once
 * the chain breaks at a seq gap, only whether the missing seqs turn up later. `end()` gives the report,
 * the same as {@link verifyChainText} on the whole text (canonical bytes, hash chain, seq order, checkpoint
 * line form, torn last line). Line splitting from bytes is {@link ChainLineSplitter}'s job.
 */
export class ChainVerifier {
  private readonly hash: HashFn;
  private readonly start: ChainHead | undefined;
  private readonly watchHash: string | undefined;
  private readonly watch: string | undefined;
  private pending: string | number | undefined;
  private lines = 0;
  private prev: Parsed | undefined;
  private beforePrev: Parsed | undefined;
  private events = 0;
  private first: VerifyReport['first'];
  private readonly checkpoints: CheckpointSighting[] = [];
  private lastIsCheckpoint = false;
  private failure: VerifyReport | undefined;
  /** A seq gap waiting for the rest of the log: are the missing seqs later (reordered) or gone (deleted)? */
  private gap: { i: number; expected: number; seq: number; prevSeq: number; later: boolean; lastGood: Parsed | undefined } | undefined;
  /** The seq of the first line that mentions `"seq":<n>` (to place a file broken at its first event). */
  seqHint: number | undefined;
  /** The seq of the first event line whose `hash` is the watched hash, when any. */
  found: number | undefined;

  constructor(options: ChainVerifierOptions = {}) {
    this.hash = options.hash ?? sha256Hex;
    this.start = options.start;
    this.watchHash = options.watchHash;
    this.watch = options.watchHash === undefined ? undefined : `"hash":"${options.watchHash}"`;
  }

  /** Feeds the next line (without its newline). */
  line(raw: string): void {
    if (this.pending !== undefined) this.take(this.pending, false);
    this.pending = raw;
  }

  /** Feeds, in place of a line, the length of a line too long to keep (see {@link ChainLineSplitter}): it is malformed. */
  longLine(bytes: number): void {
    if (this.pending !== undefined) this.take(this.pending, false);
    this.pending = bytes;
  }

  /** Ends the log: `terminated` is false when the last line had no newline (a torn line). Returns the report. */
  end(terminated: boolean): VerifyReport {
    if (this.pending !== undefined) this.take(this.pending, !terminated);
    this.pending = undefined;
    if (this.gap) {
      const g = this.gap;
      this.gap = undefined;
      this.fail(g.i, g.later ? 'reordered' : 'deleted', g.later ? `seq ${g.seq} follows seq ${g.prevSeq}: the missing lines appear later` : `seq ${g.seq} follows seq ${g.prevSeq}: ${g.seq - g.expected} line(s) were deleted`, g.lastGood);
    }
    if (this.failure) return { ...this.failure, lines: this.lines };
    if (this.lines === 0) return { ok: true, lines: 0, message: 'empty log', events: 0, checkpoints: [] };
    const { lines, events, checkpoints, first } = this;
    const endsWithCheckpoint = this.lastIsCheckpoint;
    if (!this.prev) return { ok: true, lines, message: `${lines} line(s), no events`, events: 0, checkpoints, endsWithCheckpoint };
    const last = this.prev;
    const r: VerifyReport = { ok: true, lines, message: `${lines} line(s), chain intact (seq ${first!.seq}..${last.seq})`, lastSeq: last.seq, lastHash: last.hash, events, checkpoints, endsWithCheckpoint };
    if (first) r.first = first;
    if (typeof last.obj.timestamp === 'string') r.lastTimestamp = last.obj.timestamp;
    return r;
  }

  private fail(i: number, problem: TamperKind, message: string, lastGood: Parsed | undefined = this.prev): void {
    const r: VerifyReport = { ok: false, lines: 0, firstBadLine: i + 1, problem, message: `line ${i + 1}: ${message}`, events: this.events, checkpoints: this.checkpoints };
    if (this.first) r.first = this.first;
    if (lastGood) {
      r.lastSeq = lastGood.seq;
      r.lastHash = lastGood.hash;
      if (typeof lastGood.obj.timestamp === 'string') r.lastTimestamp = lastGood.obj.timestamp;
    }
    this.failure = r;
  }

  private take(line: string | number, torn: boolean): void {
    const i = this.lines++;
    const raw = typeof line === 'number' ? '' : line;
    if (this.seqHint === undefined) {
      const m = /"seq":(\d+)/.exec(raw);
      if (m) this.seqHint = Number(m[1]);
    }
    if (this.watch !== undefined && this.found === undefined && raw.includes(this.watch)) {
      try {
        const o = JSON.parse(raw) as { hash?: unknown; seq?: unknown };
        if (typeof o.seq === 'number' && o.hash === this.watchHash) this.found = o.seq;
      } catch {
        // reported by the chain check
      }
    }
    if (this.gap) {
      if (!this.gap.later) {
        const q = raw === '' ? undefined : parseLine(raw);
        if (typeof q === 'object' && 'prev' in q && q.seq >= this.gap.expected && q.seq < this.gap.seq) this.gap.later = true;
      }
      return;
    }
    if (this.failure) return;
    const p = typeof line === 'number' ? `a line of ${line} bytes, longer than an audit line may be` : raw === '' ? 'empty line' : parseLine(raw);
    this.lastIsCheckpoint = typeof p === 'object' && 'checkpoint' in p;
    if (typeof p === 'string') {
      return torn ? this.fail(i, 'truncated', `torn last line (no newline terminator; ${p})`) : this.fail(i, 'malformed', p);
    }
    if ('noncanonical' in p) {
      if (torn) return this.fail(i, 'truncated', `torn last line (no newline terminator; ${p.noncanonical})`);
      return this.fail(i, 'noncanonical', `${p.seq === undefined ? '' : `seq ${p.seq}: `}${p.noncanonical}`);
    }
    const prev = this.prev;
    if ('checkpoint' in p) {
      if (torn) return this.fail(i, 'truncated', 'torn last line (no newline terminator; a checkpoint)');
      const s: CheckpointSighting = { line: i + 1, value: p.checkpoint };
      if (prev) s.after = typeof prev.obj.timestamp === 'string' ? { seq: prev.seq, hash: prev.hash, timestamp: prev.obj.timestamp } : { seq: prev.seq, hash: prev.hash };
      this.checkpoints.push(s);
      return;
    }
    if (p.body === undefined ? expectedHash(p.obj, this.hash) !== p.hash : this.hash(p.body) !== p.hash) {
      return torn ? this.fail(i, 'truncated', 'torn last line (no newline terminator; hash mismatch)') : this.fail(i, 'edited', `hash mismatch: the line was changed after it was written (seq ${p.seq})`);
    }
    const start = this.start;
    if (!prev && start) {
      if (p.seq !== start.seq) return this.fail(i, p.seq > start.seq ? 'deleted' : 'reordered', `seq ${p.seq} follows the checkpoint at seq ${start.seq - 1}`);
      if (p.prev !== start.hash) return this.fail(i, 'edited', `seq ${p.seq} does not continue the head hash of the checkpoint at seq ${start.seq - 1}`);
    } else if (!prev) {
      if (p.seq === 0 && p.prev !== GENESIS_HASH) return this.fail(i, 'edited', 'the first line (seq 0) must have the genesis prev_hash');
      if (p.seq > 0 && typeof p.obj.rotated_from !== 'string') {
        return this.fail(i, 'deleted', `the log starts at seq ${p.seq}: lines 0..${p.seq - 1} were deleted`);
      }
      if (p.seq > 0 && p.prev === GENESIS_HASH) return this.fail(i, 'edited', 'a continued log cannot start from the genesis hash');
    } else {
      const expected = prev.seq + 1;
      if (p.seq <= prev.seq) {
        return this.fail(i, 'reordered', `seq ${p.seq} follows seq ${prev.seq}: lines are out of order or duplicated`);
      }
      if (p.seq > expected) {
        this.gap = { i, expected, seq: p.seq, prevSeq: prev.seq, later: false, lastGood: prev };
        return;
      }
      if (p.prev !== prev.hash) {
        return this.fail(i - 1, 'edited', `its hash does not match the prev_hash of line ${i + 1}: the line was edited and re-hashed (seq ${prev.seq})`, this.beforePrev);
      }
    }
    if (torn) return this.fail(i, 'truncated', 'torn last line (no newline terminator)');
    if (!this.first) {
      const first: NonNullable<VerifyReport['first']> = { seq: p.seq, prev_hash: p.prev };
      if (typeof p.obj.rotated_from === 'string') first.rotated_from = p.obj.rotated_from;
      if (typeof p.obj.timestamp === 'string') first.timestamp = p.obj.timestamp;
      this.first = first;
    }
    this.events++;
    this.beforePrev = prev;
    this.prev = p;
  }
}

/** The longest line {@link ChainLineSplitter} keeps by default (an audit event line is a few KiB). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Options of {@link ChainLineSplitter}. */
export interface LineSplitterOptions {
  /** Lines longer than this many bytes are not kept. Default {@link MAX_LINE_BYTES}. */
  maxLineBytes?: number;
  /** Called, in place of the line, with its length, for a line over the limit (default: ignored). */
  onLongLine?: (bytes: number) => void;
}

/**
 * Splits bytes into lines for a {@link ChainVerifier} (or any line consumer): chunks in, complete lines
 * out, decoded as UTF-8 one line at a time; only the unfinished line is kept between chunks, and only up
 * to `maxLineBytes` (a longer line is skipped to its newline and reported by its length).
 */
export class ChainLineSplitter {
  private carry: Buffer[] = [];
  private carried = 0;
  private long = false;
  private readonly max: number;
  private readonly onLongLine: (bytes: number) => void;
  /** True when the bytes so far end with a newline (or there were none). */
  terminated = true;
  /** Bytes seen so far. */
  bytes = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    options: LineSplitterOptions = {},
  ) {
    this.max = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.onLongLine = options.onLongLine ?? (() => undefined);
  }

  /** Feeds the next chunk. */
  write(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return;
    this.bytes += buf.length;
    let from = 0;
    let nl = buf.indexOf(0x0a, from);
    while (nl >= 0) {
      if (this.carried + nl - from > this.max) {
        this.onLongLine(this.carried + nl - from);
        this.carry = [];
        this.carried = 0;
        this.long = false;
      } else if (this.carry.length > 0) {
        this.carry.push(buf.subarray(from, nl));
        this.onLine(Buffer.concat(this.carry).toString('utf8'));
        this.carry = [];
        this.carried = 0;
      } else this.onLine(buf.toString('utf8', from, nl));
      from = nl + 1;
      nl = buf.indexOf(0x0a, from);
    }
    if (from < buf.length) {
      this.carried += buf.length - from;
      if (this.carried > this.max) {
        this.long = true; // keep counting, stop keeping
        this.carry = [];
      } else this.carry.push(Buffer.from(buf.subarray(from)));
    }
    this.terminated = from === buf.length;
  }

  /** Ends the input: emits the unfinished last line, if any. Returns whether the input ended with a newline. */
  end(): boolean {
    if (this.long) this.onLongLine(this.carried);
    else if (this.carry.length > 0) this.onLine(Buffer.concat(this.carry).toString('utf8'));
    this.carry = [];
    this.carried = 0;
    this.long = false;
    return this.terminated;
  }
}

/**
 * Verifies the text of a JSONL audit log and reports the first bad line (event chain, canonical bytes,
 * checkpoint line form). With `start`, the text is a segment that must continue that head (the JSONL
 * sink verifies only what follows its last checkpoint). The same checks as {@link ChainVerifier}, which
 * it runs over the lines of `text`.
 */
export function verifyChainText(text: string, hash: HashFn = sha256Hex, start?: ChainHead): VerifyReport {
  const v = new ChainVerifier(start ? { hash, start } : { hash });
  if (text === '') return v.end(true);
  const terminated = text.endsWith('\n');
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    v.line(text.slice(from, nl));
    from = nl + 1;
  }
  if (!terminated) v.line(text.slice(from));
  return v.end(terminated);
}
