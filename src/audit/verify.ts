/**
 * Verification of JSONL audit logs on disk. `verifyAuditLog` checks one file's chain (chain.ts).
 * `verifyAuditLogs` checks a rotated set, as CloudTrail's `validate-logs` does: files (or directories) are
 * ordered by their chain, not by name; each file's first line must continue its predecessor (`seq`,
 * `prev_hash`, `rotated_from`); missing files, truncated files, seq gaps and swapped or renamed files are
 * reported. With a public key every checkpoint's signature, its link to the previous checkpoint, the head it
 * signs and its file name are checked; every rotated file must end with its rotation checkpoint and the
 * log with a closing one, so a tail deleted after the last checkpoint is reported with its time window.
 * Without a key, a deletion followed by re-chaining cannot be detected, and the report says so.
 */
import type { KeyObject } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { MeshgateError, toMeshgateError } from '../errors.js';
import { GENESIS_HASH, type CheckpointSighting, type VerifyReport } from './chain.js';
import { logStream, verifyChainStream, type ChainScan } from './verify-stream.js';
import { checkpointLineHash, checkpointPublicKey, verifyCheckpointLine, type CheckpointKey, type VerifiedCheckpoint } from './checkpoint.js';


/** Streams the log at `path` through the chain verifier (bounded memory); `MG_AUDIT_IO` when it cannot be read. */
async function scanLog(path: string, watchHash?: string): Promise<ChainScan> {
  try {
    return await verifyChainStream(logStream(path), watchHash === undefined ? {} : { watchHash });
  } catch (e) {
    throw toMeshgateError(e, 'MG_AUDIT_IO', `cannot read audit log ${path}`, { file: path });
  }
}

/**
 * Verifies the hash chain of the JSONL audit log at `path` and reports the first bad line and what is
 * wrong with it (`edited`, `deleted`, `reordered`, `truncated`, `malformed`, `noncanonical`). The file is
 * streamed line by line, so its size does not matter. Throws `MG_AUDIT_IO` when the file cannot be read.
 */
export async function verifyAuditLog(path: string): Promise<VerifyReport> {
  return (await scanLog(path)).report;
}

/**
 * Verifies the hash chain of one audit log read from a byte stream (stdin, a socket, a decompressor), line
 * by line in bounded memory: the same checks as {@link verifyAuditLog}. Stream errors reject.
 */
export async function verifyAuditStream(source: AsyncIterable<Uint8Array | string>): Promise<VerifyReport> {
  return (await verifyChainStream(source)).report;
}

/** Options of {@link verifyAuditLogs}. */
export interface VerifyLogsOptions {
  /** The checkpoint public key (PEM or KeyObject). Without it, checkpoints are not checked. */
  key?: CheckpointKey;
  /** The key id checkpoints must name, when set. */
  keyid?: string;
  /** A head hash kept elsewhere (a CI artefact, a collector): the chain must contain it. */
  expectHead?: string;
  /** Only events from this time on need to be present (earlier files may be missing). */
  since?: Date;
  /** Only events up to this time need to be sealed by a checkpoint (a live log may go on after it). */
  until?: Date;
}

/** What is wrong, where. */
export type LogProblemKind =
  | VerifyReport['problem']
  | 'missing-file'
  | 'truncated-file'
  | 'overlap'
  | 'link'
  | 'misnamed'
  | 'checkpoint-signature'
  | 'checkpoint-chain'
  | 'checkpoint-mismatch'
  | 'unsealed-tail'
  | 'tail-deleted'
  | 'no-checkpoint'
  | 'head-missing';

/** One problem found by {@link verifyAuditLogs}. */
export interface LogProblem {
  /** The kind. */
  kind: NonNullable<LogProblemKind>;
  /** The file it is in (or after). */
  file: string;
  /** The 1-based line, when one line is at fault. */
  line?: number;
  /** The seq concerned, when known. */
  seq?: number;
  /** A sentence naming the file and seq. */
  message: string;
}

/** One file of a verified set. */
export interface LogFileReport extends VerifyReport {
  /** The path as given (or found in a directory). */
  file: string;
}

/** The result of {@link verifyAuditLogs}. */
export interface LogSetReport {
  /** True when nothing is wrong. */
  ok: boolean;
  /** The files in chain order (unplaceable files last). */
  files: LogFileReport[];
  /** Every problem found. */
  problems: LogProblem[];
  /** Facts an auditor should know (what was not checked, and why). */
  notes: string[];
  /** The last event of the chain. */
  head?: { file: string; seq: number; hash: string };
  /** Checkpoints whose signature was verified. */
  checkpoints: number;
}

/** The files of the operands: a directory gives its non-hidden regular files. */
async function expand(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch (e) {
      throw toMeshgateError(e, 'MG_AUDIT_IO', `cannot read audit log ${p}`, { file: p });
    }
    if (s.isDirectory()) {
      for (const name of (await readdir(p)).sort()) {
        if (name.startsWith('.')) continue; // lock files and other hidden files
        const full = nodePath.join(p, name);
        if ((await stat(full)).isFile()) out.push(full);
      }
    } else out.push(p);
  }
  return [...new Set(out)];
}

const baseOf = (name: string): string => name.replace(/\.\d+$/, '');
/** The log a file belongs to: its directory and name without a rotation suffix `.<n>` (`audit.log.2` → `audit.log`). */
export function logIdOf(path: string): string {
  return nodePath.join(nodePath.dirname(path), baseOf(nodePath.basename(path)));
}
const rotationIndex = (name: string): number => {
  const m = /\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY; // the live file comes last
};

/**
 * Verifies rotated JSONL audit logs (files, or directories of them). Files are grouped by log — same
 * directory and same name once a rotation suffix `.<n>` is removed (`audit.log`, `audit.log.1`, … are one
 * log; `other.log` is another) — and each log is verified as one chain. Throws `MG_AUDIT_IO` for unreadable
 * files and `MG_AUDIT_KEY_INVALID` for an unusable key.
 */
export async function verifyAuditLogs(paths: readonly string[], options: VerifyLogsOptions = {}): Promise<LogSetReport> {
  const files = await expand(paths);
  if (files.length === 0) throw new MeshgateError('MG_AUDIT_IO', `no audit log files in ${paths.join(' ')}`);
  const key: KeyObject | undefined = options.key === undefined ? undefined : checkpointPublicKey(options.key);
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const id = logIdOf(f);
    groups.set(id, [...(groups.get(id) ?? []), f]);
  }
  const out: LogSetReport = { ok: true, files: [], problems: [], notes: [], checkpoints: 0 };
  const want = options.expectHead?.trim().toLowerCase();
  const found = new Map<string, number>(); // file -> seq of the event whose hash is the expected head
  const chains: Array<{ files: LogFileReport[]; head?: LogSetReport['head'] }> = [];
  for (const group of groups.values()) {
    const g = await verifyOneLog(group, key, options, want, found);
    out.files.push(...g.report.files);
    out.problems.push(...g.report.problems);
    out.notes.push(...g.report.notes);
    out.checkpoints += g.report.checkpoints;
    chains.push(g.report.head ? { files: g.chain, head: g.report.head } : { files: g.chain });
  }
  if (!key) out.notes.push('no key given: checkpoints were not checked; a deletion followed by re-chaining, or a deleted tail, cannot be detected. Verify with --key, or pin the head with --expect-head');
  if (want !== undefined) expectHead(want, chains, found, files[0]!, out);
  if (chains.length === 1 && chains[0]!.head) out.head = chains[0]!.head;
  out.ok = out.problems.length === 0;
  return out;
}

/** Checks that some event of the verified chains has the pinned head hash. */
function expectHead(want: string, chains: Array<{ files: LogFileReport[]; head?: LogSetReport['head'] }>, found: Map<string, number>, firstFile: string, out: LogSetReport): void {
  for (const c of chains) {
    for (const r of c.files) {
      const seq = found.get(r.file);
      if (seq !== undefined) {
        out.notes.push(`expected head found at ${r.file} seq ${seq}${c.head ? `; ${c.head.seq - seq} event(s) follow it` : ''}`);
        return;
      }
    }
  }
  const last = chains.length === 1 ? chains[0]!.head : undefined;
  out.problems.push({
    kind: 'head-missing',
    file: last?.file ?? firstFile,
    ...(last ? { seq: last.seq } : {}),
    message: `${last?.file ?? firstFile}: the expected head ${want} is not in the chain${last ? ` (it ends at seq ${last.seq})` : ''}: events up to it were deleted, or the chain was rewritten`,
  });
}

/** Verifies the files of one log as one chain. */
async function verifyOneLog(
  files: string[],
  key: KeyObject | undefined,
  options: VerifyLogsOptions,
  want: string | undefined,
  found: Map<string, number>,
): Promise<{ report: LogSetReport; chain: LogFileReport[] }> {
  const scans: ScannedLogFile[] = [];
  for (const file of files) {
    const scan = await scanLog(file, want);
    if (scan.found !== undefined) found.set(file, scan.found);
    scans.push(scan.seqHint === undefined ? { file, report: scan.report } : { file, report: scan.report, seqHint: scan.seqHint });
  }
  return judgeLog(scans, key, options);
}

/** One file of a log as the streaming chain verifier saw it. */
export interface ScannedLogFile {
  /** The path. */
  file: string;
  /** Its chain report. */
  report: VerifyReport;
  /** The seq of its first line mentioning `"seq":<n>`, when any. */
  seqHint?: number;
}

/** How {@link judgeLog} treats the start of the chain. */
export interface JudgeOptions extends VerifyLogsOptions {
  /** The files are a window of the log (the report's inputs): a first file that continues a rotated file not given is not a missing file. */
  window?: boolean;
}

/**
 * Judges the already verified files of one log (each file's chain report from one streaming pass) as one
 * chain: orders them by seq and checks the links between files, checkpoints (with `key`) and the tail.
 * {@link verifyAuditLogs} runs it on every log; the governance report on the log files it read.
 */
export function judgeLog(scans: readonly ScannedLogFile[], key: KeyObject | undefined, options: JudgeOptions = {}): { report: LogSetReport; chain: LogFileReport[] } {
  const problems: LogProblem[] = [];
  const notes: string[] = [];
  const reports: LogFileReport[] = [];
  const seqHints = new Map<string, number>();
  const files = scans.map((x) => x.file);
  for (const { file, report: r, seqHint } of scans) {
    if (seqHint !== undefined) seqHints.set(file, seqHint);
    reports.push({ file, ...r });
    if (!r.ok) {
      const p: LogProblem = { kind: r.problem ?? 'malformed', file, message: r.firstBadLine === undefined ? `${file}: ${r.message}` : `${file}:${r.firstBadLine}: ${r.message.replace(/^line \d+: /, '')}` };
      if (r.firstBadLine !== undefined) p.line = r.firstBadLine;
      const seq = /seq (\d+)/.exec(r.message);
      if (seq) p.seq = Number(seq[1]);
      else if (r.lastSeq !== undefined) p.seq = r.lastSeq + 1;
      problems.push(p);
    }
  }
  const name = (f: string): string => nodePath.basename(f);
  // a file broken at its first event is still placed in the chain by that line's seq (its links are not checked)
  const lenient = new Set<LogFileReport>();
  for (const r of reports) {
    if (r.ok || r.first !== undefined) continue;
    const seq = seqHints.get(r.file);
    if (seq !== undefined) {
      r.first = { seq, prev_hash: '' };
      lenient.add(r);
    }
  }
  const withEvents = reports.filter((r) => r.first !== undefined);
  const since = options.since?.toISOString();
  const until = options.until?.toISOString();
  let chain = withEvents.sort((a, b) => a.first!.seq - b.first!.seq);
  // a time window drops the files wholly outside it (keeping at least one)
  if (since !== undefined) chain = chain.filter((r, i, all) => i === all.length - 1 || (r.lastTimestamp ?? '') >= since);
  if (until !== undefined) chain = chain.filter((r, i) => i === 0 || (r.first!.timestamp ?? '') <= until);
  const others = reports.filter((r) => !chain.includes(r));
  const outside = new Set(others.filter((r) => r.first !== undefined).map((r) => r.file));
  for (let i = problems.length - 1; i >= 0; i--) if (outside.has(problems[i]!.file)) problems.splice(i, 1);
  for (const f of outside) notes.push(`${f}: outside the --since/--until window, not checked`);

  // links between files
  const first = chain[0];
  if (first && first.first!.seq !== 0 && !lenient.has(first)) {
    const excused = (since !== undefined && (first.first!.timestamp ?? '') <= since) || (options.window === true && first.first!.rotated_from !== undefined);
    if (!excused) {
      const from = first.first!.rotated_from;
      problems.push({
        kind: 'missing-file',
        file: first.file,
        line: 1,
        seq: first.first!.seq,
        message: `${first.file}:1: the chain starts at seq ${first.first!.seq}: ${from === undefined ? 'the files before it are' : `${from}, which it continues, is`} missing (seq 0..${first.first!.seq - 1})`,
      });
    }
  }
  for (let i = 1; i < chain.length; i++) {
    const a = chain[i - 1]!;
    const b = chain[i]!;
    const bf = b.first!;
    if (!a.ok || a.lastSeq === undefined || lenient.has(b)) continue;
    const expected = a.lastSeq + 1;
    if (bf.seq > expected) {
      if (bf.rotated_from === name(a.file)) {
        problems.push({ kind: 'truncated-file', file: a.file, seq: expected, message: `${a.file}: truncated: seq ${expected}..${bf.seq - 1} are missing at its end (${b.file} continues it at seq ${bf.seq})` });
      } else {
        problems.push({
          kind: 'missing-file',
          file: b.file,
          line: 1,
          seq: expected,
          message: `${b.file}:1: seq ${expected}..${bf.seq - 1} are missing between ${a.file} and ${b.file}${bf.rotated_from === undefined ? '' : `: the missing file is ${bf.rotated_from}`}`,
        });
      }
      continue;
    }
    if (bf.seq < expected) {
      problems.push({ kind: 'overlap', file: b.file, line: 1, seq: bf.seq, message: `${b.file}:1: starts at seq ${bf.seq}, but ${a.file} already holds up to seq ${a.lastSeq}: overlapping or replayed files` });
      continue;
    }
    if (bf.prev_hash !== a.lastHash) {
      problems.push({ kind: 'link', file: b.file, line: 1, seq: bf.seq, message: `${b.file}:1: seq ${bf.seq} does not continue the last event of ${a.file} (seq ${a.lastSeq}): its prev_hash differs, so the files were edited, re-chained or replaced` });
    }
    if (bf.rotated_from !== name(a.file)) {
      problems.push({
        kind: 'misnamed',
        file: b.file,
        line: 1,
        seq: bf.seq,
        message: `${b.file}:1: seq ${bf.seq} follows ${a.file} in the chain but records that it continues ${bf.rotated_from ?? 'no file'}: files were renamed or swapped`,
      });
    } else if (baseOf(name(a.file)) === baseOf(name(b.file)) && rotationIndex(name(a.file)) >= rotationIndex(name(b.file))) {
      problems.push({ kind: 'misnamed', file: b.file, line: 1, seq: bf.seq, message: `${b.file}:1: seq ${bf.seq} comes after ${a.file} in the chain, but its name sorts before it: files were renamed or swapped` });
    }
  }
  const last = chain[chain.length - 1];
  const head = last && last.lastSeq !== undefined && last.lastHash !== undefined ? { file: last.file, seq: last.lastSeq, hash: last.lastHash } : undefined;

  // checkpoints
  let verified = 0;
  if (key) {
    type Seen = { file: string; sighting: CheckpointSighting; v: VerifiedCheckpoint };
    let prev: Seen | undefined;
    let unknownPrev = false; // the previous checkpoint is in a broken file or was forged: the next link cannot be judged
    const chainIntact = chain.every((r) => r.ok);
    for (const r of chain) {
      if (!r.ok) {
        prev = undefined;
        unknownPrev = true;
        continue;
      }
      const sightings = r.checkpoints ?? [];
      for (const s of sightings) {
        const v = verifyCheckpointLine(s.value, key, options.keyid);
        const cpSeq = typeof (s.value.checkpoint as { seq?: unknown }).seq === 'number' ? ((s.value.checkpoint as { seq: number }).seq) : undefined;
        const where = `${r.file}:${s.line}: checkpoint${cpSeq === undefined ? '' : ` at seq ${cpSeq}`}`;
        if (typeof v === 'string') {
          problems.push({ kind: 'checkpoint-signature', file: r.file, line: s.line, ...(cpSeq === undefined ? {} : { seq: cpSeq }), message: `${where}: ${v}` });
          prev = undefined;
          unknownPrev = true;
          continue;
        }
        verified++;
        const cp = v.checkpoint;
        const expectedPrev = prev ? checkpointLineHash(prev.sighting.value) : GENESIS_HASH;
        const linkKnown = !unknownPrev && (prev !== undefined || chain[0]!.first!.seq === 0);
        if (linkKnown && cp.prev !== expectedPrev) {
          problems.push({
            kind: 'checkpoint-chain',
            file: r.file,
            line: s.line,
            seq: cp.seq,
            message: `${where}: does not follow the previous checkpoint${prev ? ` (${prev.file}:${prev.sighting.line}, seq ${prev.v.checkpoint.seq})` : ' (it should be the first)'}: a checkpoint was removed, replaced or moved`,
          });
        }
        if (!s.after || s.after.seq !== cp.seq || s.after.hash !== cp.head) {
          problems.push({
            kind: 'checkpoint-mismatch',
            file: r.file,
            line: s.line,
            seq: cp.seq,
            message: `${where}: signs seq ${cp.seq} with head ${cp.head.slice(0, 12)}…, but the chain there is ${s.after ? `seq ${s.after.seq} with hash ${s.after.hash.slice(0, 12)}…` : 'empty'}: events after ${prev ? `the checkpoint at seq ${prev.v.checkpoint.seq}` : 'the start'} were deleted, inserted or re-chained`,
          });
        }
        const inRotated = rotationIndex(name(r.file)) !== Number.POSITIVE_INFINITY;
        const nameOk = cp.file === name(r.file) || (cp.reason !== 'rotate' && inRotated && cp.file === baseOf(name(r.file)));
        if (!nameOk) {
          problems.push({ kind: 'misnamed', file: r.file, line: s.line, seq: cp.seq, message: `${where}: was written in ${cp.file}, but it is in ${name(r.file)}: files were renamed or swapped` });
        }
        if (cp.reason === 'recover') notes.push(`${where}: the writer stopped without closing the log; events up to seq ${cp.seq} were sealed only when it was re-opened at ${cp.time}`);
        prev = { file: r.file, sighting: s, v };
        unknownPrev = false;
      }
      // a rotated file ends with its rotation checkpoint
      if (r !== last) {
        const end = sightings[sightings.length - 1];
        const reason = (end?.value.checkpoint as { reason?: unknown } | undefined)?.reason;
        if (!r.endsWithCheckpoint || reason !== 'rotate') {
          problems.push({
            kind: 'truncated-file',
            file: r.file,
            seq: (r.lastSeq ?? 0) + 1,
            message: `${r.file}: does not end with its rotation checkpoint: its tail after seq ${r.lastSeq} was cut${end ? ` (last checkpoint at line ${end.line})` : ''}`,
          });
        }
      }
    }
    if (verified === 0 && problems.every((p) => p.kind !== 'checkpoint-signature')) {
      problems.push({ kind: 'no-checkpoint', file: chain[0]?.file ?? files[0]!, message: `${chain[0]?.file ?? files[0]}: no signed checkpoint: the log was written without a signing key, or its checkpoints were removed` });
    }
    // the tail: the log ends with a closing checkpoint that covers its last event
    if (last && chainIntact && prev && head) {
      const cp = prev.v.checkpoint;
      const sealedUntil = until !== undefined && cp.time >= until;
      if (!sealedUntil) {
        if (head.seq > cp.seq) {
          problems.push({
            kind: 'unsealed-tail',
            file: last.file,
            seq: cp.seq + 1,
            message: `${last.file}: seq ${cp.seq + 1}..${head.seq} come after the last checkpoint (${prev.file}:${prev.sighting.line}, seq ${cp.seq}, ${cp.time}) and are not sealed: the log is still open or its writer crashed; pass --until to check an earlier window`,
          });
        } else if (cp.reason !== 'close' && prev.file === last.file) {
          problems.push({
            kind: 'tail-deleted',
            file: last.file,
            line: prev.sighting.line,
            seq: cp.seq,
            message: `${last.file}:${prev.sighting.line}: the log ends at a${cp.reason === 'interval' ? 'n' : ''} ${cp.reason} checkpoint (seq ${cp.seq}, ${cp.time}), not a closing one: events written after ${cp.time} were deleted (window ${cp.time} .. end of the log), or the writer was killed`,
          });
        }
      }
    }
  }

  for (const r of others) if (r.first === undefined && r.ok && (r.checkpoints?.length ?? 0) === 0) notes.push(`${r.file}: no events`);
  const ordered = [...chain, ...others];
  const out: LogSetReport = { ok: problems.length === 0, files: ordered, problems, notes, checkpoints: verified };
  if (head) out.head = head;
  return { report: out, chain };
}
