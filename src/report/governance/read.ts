/**
 * Reads the inputs of `meshgate report` into a {@link GovernanceAggregator}: each file (or stdin) is
 * read line by line; when its first line is a complete JSON object without `results` it is an audit log
 * and is streamed (one event at a time, nothing kept but the aggregate), otherwise it is a
 * `meshgate check --format json` report, read whole up to a size cap. An audit log is verified in the same
 * pass by the audit module's own chain verifier ({@link ChainVerifier}, as `meshgate audit verify` and the
 * JSONL sink use it), in bounded memory, whatever its size. A log read from stdin is verified on its own:
 * the links to its rotated siblings cannot be checked.
 */
import { ChainLineSplitter, ChainVerifier } from '../../audit/chain.js';
import { sha256Hex } from '../../sha256.js';
import { logStream } from '../../audit/verify-stream.js';
import { judgeLog, logIdOf, type ScannedLogFile } from '../../audit/verify.js';
import { MeshgateError, isMeshgateError } from '../../errors.js';
import { stripBom } from '../../text.js';
import type { GovernanceAggregator } from './aggregate.js';
import type { LogRow } from './model.js';

/** An audit log file read and verified by {@link readInput}, for {@link linkRotatedLogs}. */
export interface VerifiedLog {
  /** Its row in the report. */
  row: LogRow;
  /** What the chain verifier saw (the file's path and chain report). */
  scan: ScannedLogFile;
}

/** Where and how to read. */
export interface ReadOptions {
  /** Standard input (for the operand `-`). */
  stdin: NodeJS.ReadableStream;
  /** The largest check report read (bytes). Default 256 MiB. */
  maxCheckBytes?: number;
  /** Audit log files read are added here (for {@link linkRotatedLogs}). */
  verified?: VerifiedLog[];
}

const MAX_CHECK_BYTES = 256 * 1024 * 1024;

function isAuditFirstLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) && !('results' in v);
  } catch {
    return false;
  }
}

/** Reads one input (a path, or stdin when `path` is undefined) shown as `source`; returns whether it was an audit log. */
export async function readInput(agg: GovernanceAggregator, source: string, path: string | undefined, options: ReadOptions): Promise<'audit' | 'check' | 'empty'> {
  const maxCheck = options.maxCheckBytes ?? MAX_CHECK_BYTES;
  let mode: 'audit' | 'check' | undefined;
  let log: ReturnType<GovernanceAggregator['startLog']> | undefined;
  const chunks: string[] = [];
  let size = 0;
  const verifier = new ChainVerifier({ hash: sha256Hex });
  const onLine = (raw: string): void => {
    if (mode !== 'check') verifier.line(raw); // the raw bytes: a BOM or a blank line breaks a chain
    const line = mode === undefined ? stripBom(raw) : raw;
    if (mode === undefined) {
      if (line.trim() === '') return;
      mode = isAuditFirstLine(line.trim()) ? 'audit' : 'check';
      if (mode === 'audit') log = agg.startLog(source);
    }
    if (mode === 'audit') {
      if (line.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        v = undefined;
      }
      agg.addAuditLine(v, log!);
    } else {
      size += line.length + 1;
      if (size > maxCheck) throw tooLong();
      chunks.push(line);
    }
  };
  const tooLong = (): MeshgateError => new MeshgateError('MG_REPORT_INPUT', `check report is larger than ${maxCheck} bytes`, { location: { file: source } });
  const onLongLine = (bytes: number): void => {
    if (mode === 'check') throw tooLong();
    verifier.longLine(bytes);
    if (mode === undefined) {
      mode = 'check'; // a first line this long is no audit event
      throw tooLong();
    }
    agg.addAuditLine(undefined, log!);
  };
  const split = new ChainLineSplitter(onLine, { maxLineBytes: maxCheck, onLongLine });
  try {
    const stream: AsyncIterable<Uint8Array | string> = path === undefined ? options.stdin : logStream(path);
    for await (const chunk of stream) split.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  } catch (e) {
    if (isMeshgateError(e)) throw e;
    throw new MeshgateError('MG_REPORT_IO', `cannot read ${source}: ${e instanceof Error ? e.message : String(e)}`, { location: { file: source }, cause: e });
  }
  const terminated = split.end();
  if (mode === undefined) return 'empty';
  if (mode === 'check') {
    let value: unknown;
    try {
      value = JSON.parse(chunks.join('\n'));
    } catch (e) {
      throw new MeshgateError('MG_REPORT_INPUT', `neither an audit log (JSONL) nor a check report (JSON): ${e instanceof Error ? e.message : String(e)}`, { location: { file: source, line: 1 } });
    }
    agg.addCheckReport(value, source);
    return 'check';
  }
  const row = log!;
  const report = verifier.end(terminated);
  row.status = report.ok ? 'ok' : 'broken';
  row.message = path === undefined ? `${report.message} (read from stdin: verified on its own, not against its rotated files; run \`meshgate audit verify\` on the files)` : report.message;
  if (report.firstBadLine !== undefined) row.firstBadLine = report.firstBadLine;
  if (path !== undefined) options.verified?.push({ row, scan: verifier.seqHint === undefined ? { file: path, report } : { file: path, report, seqHint: verifier.seqHint } });
  return 'audit';
}

/** Problems between the files of one log (a break inside one file is on its row already). */
const LINK_PROBLEMS = new Set(['missing-file', 'truncated-file', 'overlap', 'link', 'misnamed']);

/**
 * Checks the rotated files of one log given together (`audit.log.1`, `audit.log`) as one chain with the
 * audit verifier's own judge ({@link judgeLog}): seq gaps, truncated files, overlaps, broken `prev_hash`
 * links and swapped names between files. A file whose own chain is intact but whose link is broken gets
 * its row marked broken, at its first line (or at its end when its tail was cut). The files given are a
 * window of the log: a first file continuing one that was not given is not a problem. Checkpoint
 * signatures are `meshgate audit verify --key`'s job.
 */
export function linkRotatedLogs(logs: readonly VerifiedLog[]): void {
  const groups = new Map<string, Map<string, VerifiedLog>>();
  for (const l of logs) {
    const id = logIdOf(l.scan.file);
    const g = groups.get(id) ?? new Map<string, VerifiedLog>();
    g.set(l.scan.file, l); // the same file given twice is one file
    groups.set(id, g);
  }
  for (const g of groups.values()) {
    if (g.size < 2) continue;
    const { report } = judgeLog([...g.values()].map((l) => l.scan), undefined, { window: true });
    for (const p of report.problems) {
      const l = g.get(p.file);
      if (!l || !LINK_PROBLEMS.has(p.kind) || l.row.status === 'broken') continue;
      let message = p.message;
      for (const [file, other] of g) message = message.split(file).join(other.row.source);
      l.row.status = 'broken';
      l.row.message = message;
      l.row.firstBadLine = p.line ?? l.scan.report.lines;
    }
  }
}
