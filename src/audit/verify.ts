/** `verifyAuditLog`: reads a JSONL audit log from disk and checks its hash chain (see chain.ts). */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { toMeshgateError } from '../errors.js';
import { verifyChainText, type VerifyReport } from './chain.js';

/**
 * Verifies the hash chain of the JSONL audit log at `path` and reports the first bad line and what is
 * wrong with it (`edited`, `deleted`, `reordered`, `truncated`, `malformed`). Throws `MG_AUDIT_IO` when the
 * file cannot be read.
 */
export async function verifyAuditLog(path: string): Promise<VerifyReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw toMeshgateError(e, 'MG_AUDIT_IO', `cannot read audit log ${path}`, { file: path });
  }
  return verifyChainText(text, (t) => createHash('sha256').update(t, 'utf8').digest('hex'));
}
