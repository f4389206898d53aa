/**
 * Reads the inputs of `meshgate report` into a {@link GovernanceAggregator}: each file (or stdin) is
 * read line by line; when its first line is a complete JSON object without `results` it is an audit log
 * and is streamed (one event at a time, nothing kept but the aggregate), otherwise it is a
 * `meshgate check --format json` report, read whole up to a size cap. An audit log file is then verified
 * by the audit module's own verifier ({@link verifyAuditLog}) when it is not larger than `verifyMaxBytes`.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyAuditLog } from '../../audit/verify.js';
import { MeshgateError, isMeshgateError } from '../../errors.js';
import { stripBom } from '../../text.js';
import type { GovernanceAggregator } from './aggregate.js';

/** Where and how to read. */
export interface ReadOptions {
  /** Standard input (for the operand `-`). */
  stdin: NodeJS.ReadableStream;
  /** Audit logs larger than this are not verified in the report (the verifier reads a log whole). */
  verifyMaxBytes: number;
  /** The largest check report read (bytes). Default 256 MiB. */
  maxCheckBytes?: number;
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
  const stream = path === undefined ? options.stdin : createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const maxCheck = options.maxCheckBytes ?? MAX_CHECK_BYTES;
  let mode: 'audit' | 'check' | undefined;
  let log: ReturnType<GovernanceAggregator['startLog']> | undefined;
  const chunks: string[] = [];
  let size = 0;
  try {
    for await (const raw of lines) {
      const line = mode === undefined ? stripBom(raw) : raw;
      if (mode === undefined) {
        if (line.trim() === '') continue;
        mode = isAuditFirstLine(line.trim()) ? 'audit' : 'check';
        if (mode === 'audit') log = agg.startLog(source);
      }
      if (mode === 'audit') {
        if (line.trim() === '') continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          v = undefined;
        }
        agg.addAuditLine(v, log!);
      } else {
        size += line.length + 1;
        if (size > maxCheck) {
          throw new MeshgateError('MG_REPORT_INPUT', `check report is larger than ${maxCheck} bytes`, { location: { file: source } });
        }
        chunks.push(line);
      }
    }
  } catch (e) {
    if (isMeshgateError(e)) throw e;
    throw new MeshgateError('MG_REPORT_IO', `cannot read ${source}: ${e instanceof Error ? e.message : String(e)}`, { location: { file: source }, cause: e });
  } finally {
    lines.close();
  }
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
  if (path === undefined) {
    row.message = 'read from stdin: not verified (run `meshgate audit verify` on the file)';
    return 'audit';
  }
  const bytes = statSync(path).size;
  if (bytes > options.verifyMaxBytes) {
    row.message = `not verified here: the log is ${(bytes / 1048576).toFixed(1)} MiB, over the report's limit of ${(options.verifyMaxBytes / 1048576).toFixed(0)} MiB (run \`meshgate audit verify\`)`;
    return 'audit';
  }
  const report = await verifyAuditLog(path);
  row.status = report.ok ? 'ok' : 'broken';
  row.message = report.message;
  if (report.firstBadLine !== undefined) row.firstBadLine = report.firstBadLine;
  return 'audit';
}
