/**
 * `meshgate audit verify <log or dir...> [--key pub.pem] [--keyid ID] [--expect-head HASH] [--since T]
 * [--until T] [--json]`: verifies a set of rotated JSONL audit logs as one chain (see audit/verify.ts) and
 * prints every problem as `file:line: kind: message`, naming the seq. Without `--key` it says plainly that
 * a deletion followed by re-chaining cannot be detected. Exit code 0 when intact, 1 when anything is
 * tampered with, missing or torn, 2 on a usage, key or read error.
 */
import { readFile } from 'node:fs/promises';
import type { LogSetReport, VerifyLogsOptions } from '../audit/verify.js';
import { isMeshgateError, MeshgateError } from '../errors.js';
import { logSafe } from '../report/escape.js';
import { assertNotSpecialFile } from './io.js';

/** Where the command writes. */
export interface AuditVerifyIo {
  /** Normal output. */
  stdout: (s: string) => void;
  /** Diagnostics. */
  stderr: (s: string) => void;
}

const USAGE = 'usage: meshgate audit verify <log.jsonl | dir...> [--key pub.pem] [--keyid ID] [--expect-head HASH] [--since TIME] [--until TIME] [--json]\n';
const VALUE_OPTIONS = new Set(['--key', '--keyid', '--expect-head', '--since', '--until']);

function parseTime(flag: string, v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) throw new MeshgateError('MG_CLI_USAGE', `${flag} needs an ISO 8601 time such as 2026-01-31T00:00:00Z (got ${JSON.stringify(v)})`);
  return d;
}

/** Runs `audit verify` with the arguments after `verify`; resolves to the exit code (0 intact, 1 tampered, 2 usage/input error). */
export async function runAuditVerify(argv: string[], io: AuditVerifyIo): Promise<number> {
  let json = false;
  const files: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      io.stdout(USAGE);
      return 0;
    } else if (VALUE_OPTIONS.has(flag)) {
      const v = eq > 0 && flag !== a ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') {
        io.stderr(`meshgate audit verify: ${flag} needs a value\n${USAGE}`);
        return 2;
      }
      values.set(flag, v);
    } else if (a.startsWith('-') && a !== '-') {
      io.stderr(`meshgate audit verify: unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    io.stderr(`meshgate audit verify: no log file given\n${USAGE}`);
    return 2;
  }
  let report: LogSetReport;
  try {
    for (const f of files) assertNotSpecialFile(f, f); // a FIFO or device would be read forever
    const options: VerifyLogsOptions = {};
    const keyFile = values.get('--key');
    if (keyFile !== undefined) {
      assertNotSpecialFile(keyFile, keyFile);
      try {
        options.key = await readFile(keyFile, 'utf8');
      } catch (e) {
        throw new MeshgateError('MG_AUDIT_KEY_INVALID', `cannot read the key file ${keyFile}: ${e instanceof Error ? e.message : String(e)}`, { location: { file: keyFile } });
      }
    }
    const keyid = values.get('--keyid');
    if (keyid !== undefined) options.keyid = keyid;
    const head = values.get('--expect-head');
    if (head !== undefined) {
      if (!/^[0-9a-fA-F]{64}$/.test(head.trim())) throw new MeshgateError('MG_CLI_USAGE', `--expect-head needs a 64-digit hex hash (got ${JSON.stringify(head)})`);
      options.expectHead = head;
    }
    const since = values.get('--since');
    if (since !== undefined) options.since = parseTime('--since', since);
    const until = values.get('--until');
    if (until !== undefined) options.until = parseTime('--until', until);
    const { verifyAuditLogs } = await import('../audit/verify.js');
    report = await verifyAuditLogs(files, options);
  } catch (e) {
    io.stderr(`meshgate audit verify: ${logSafe(isMeshgateError(e) ? e.toString() : String(e))}\n`);
    return 2;
  }
  if (json) {
    const single = report.files.length === 1 ? { ...report.files[0]! } : {};
    io.stdout(`${JSON.stringify({ ...single, ok: report.ok, problems: report.problems, notes: report.notes, head: report.head, checkpoints: report.checkpoints, files: report.files.map((f) => ({ ...f, checkpoints: f.checkpoints?.length ?? 0 })) }, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  const bad = new Set(report.problems.map((p) => p.file));
  for (const f of report.files) {
    if (!bad.has(f.file) && f.ok) io.stdout(`${logSafe(f.file)}: ok, ${logSafe(f.message)}\n`);
  }
  for (const p of report.problems) {
    const where = p.line === undefined ? `${p.file}` : `${p.file}:${p.line}`;
    const text = p.message.startsWith(`${where}: `) ? p.message.slice(where.length + 2) : p.message.startsWith(`${p.file}: `) ? p.message.slice(p.file.length + 2) : p.message;
    io.stdout(`${logSafe(where)}: ${p.kind}: ${logSafe(text)}\n`);
  }
  for (const n of report.notes) io.stdout(`note: ${logSafe(n)}\n`);
  if (report.ok) {
    io.stdout(`${report.files.length} log file(s) verified as one chain, intact${report.checkpoints > 0 ? `, ${report.checkpoints} signed checkpoint(s)` : ''}${report.head ? `; head seq ${report.head.seq} ${report.head.hash}` : ''}\n`);
  } else io.stdout(`${report.problems.length} problem(s) in ${report.files.length} log file(s)\n`);
  return report.ok ? 0 : 1;
}
