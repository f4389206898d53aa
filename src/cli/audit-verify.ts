/**
 * `meshgate audit verify <log...> [--json]`: checks the hash chain of JSONL audit logs and prints, for a
 * broken one, the first bad line and what is wrong (edited, deleted, reordered, truncated, malformed).
 * Exit code 0 when every log is intact, 1 when any is tampered with or torn, 2 on a usage or read error.
 */
import { verifyAuditLog } from '../audit/verify.js';
import type { VerifyReport } from '../audit/chain.js';
import { isMeshgateError } from '../errors.js';
import { logSafe, logSafeLines } from '../report/escape.js';
import { assertNotSpecialFile } from './io.js';

/** Where the command writes. */
export interface AuditVerifyIo {
  /** Normal output. */
  stdout: (s: string) => void;
  /** Diagnostics. */
  stderr: (s: string) => void;
}

const USAGE = 'usage: meshgate audit verify <log.jsonl...> [--json]\n';

/** Runs `audit verify` with the arguments after `verify`; resolves to the exit code (0 intact, 1 tampered, 2 usage/input error). */
export async function runAuditVerify(argv: string[], io: AuditVerifyIo): Promise<number> {
  let json = false;
  const files: string[] = [];
  for (const a of argv) {
    if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      io.stdout(USAGE);
      return 0;
    } else if (a.startsWith('-') && a !== '-') {
      io.stderr(`meshgate audit verify: unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    io.stderr(`meshgate audit verify: no log file given\n${USAGE}`);
    return 2;
  }
  const results: Array<{ file: string; report: VerifyReport }> = [];
  for (const file of files) {
    try {
      assertNotSpecialFile(file, file); // a FIFO or device would be read forever
      results.push({ file, report: await verifyAuditLog(file) });
    } catch (e) {
      io.stderr(`meshgate audit verify: ${logSafeLines(isMeshgateError(e) ? e.toString() : String(e), '  ')}\n`);
      return 2;
    }
  }
  if (json) {
    io.stdout(`${JSON.stringify(files.length === 1 ? { file: results[0]!.file, ...results[0]!.report } : results.map((r) => ({ file: r.file, ...r.report })), null, 2)}\n`);
  } else {
    for (const { file, report } of results) {
      if (report.ok) {
        io.stdout(`${logSafe(file)}: ok, ${logSafe(report.message)}${report.lastHash ? `; head ${report.lastHash}` : ''}\n`);
      } else {
        io.stdout(`${logSafe(file)}:${report.firstBadLine ?? 0}: ${report.problem ?? 'bad'}: ${logSafe(report.message)}\n`);
      }
    }
    const bad = results.filter((r) => !r.report.ok).length;
    io.stdout(bad === 0 ? `${results.length} log(s) verified, all intact\n` : `${bad} of ${results.length} log(s) failed verification\n`);
  }
  return results.every((r) => r.report.ok) ? 0 : 1;
}
