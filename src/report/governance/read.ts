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
import { nodeSha256 } from '../../audit/node-sha256.js';
import { logStream } from '../../audit/verify-stream.js';
import { MeshgateError, isMeshgateError } from '../../errors.js';
import { stripBom } from '../../text.js';
import type { GovernanceAggregator } from './aggregate.js';

/** Where and how to read. */
export interface ReadOptions {
  /** Standard input (for the operand `-`). */
  stdin: NodeJS.ReadableStream;
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
  const maxCheck = options.maxCheckBytes ?? MAX_CHECK_BYTES;
  let mode: 'audit' | 'check' | undefined;
  let log: ReturnType<GovernanceAggregator['startLog']> | undefined;
  const chunks: string[] = [];
  let size = 0;
  const verifier = new ChainVerifier({ hash: nodeSha256 });
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
      if (size > maxCheck) {
        throw new MeshgateError('MG_REPORT_INPUT', `check report is larger than ${maxCheck} bytes`, { location: { file: source } });
      }
      chunks.push(line);
    }
  };
  const split = new ChainLineSplitter(onLine);
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
  return 'audit';
}
