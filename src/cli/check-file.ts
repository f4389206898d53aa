/**
 * Checks one file with an engine: read → sniff (by content) → checkContract / checkPlan → a FileResult, a
 * coded input error with a hint (Terraform source, a binary plan, an empty file), or `skipped` with the
 * reason for an expanded file that is not for `check`. Used alike by the main thread (`--jobs 1`)
 * and by worker threads. Never throws: input and evaluation errors become the result's `error`.
 */
import type { Engine } from '../engine.js';
import { describeThrown, isMeshgateError } from '../errors.js';
import type { Enforcement } from '../types.js';
import type { Decision } from '../types.js';
import type { FileKind, FileResult } from '../report/model.js';
import { readInputFile } from './io.js';
import { sniff } from './sniff.js';

/** One file to check. */
export interface CheckTask {
  /** Position in the input order. */
  index: number;
  /** Absolute path. */
  path: string;
  /** The name shown in reports (relative, forward slashes). */
  display: string;
  /** True when the user named the file itself (not found by expanding a folder or glob). */
  explicit: boolean;
}

/** What checking one file produced. */
export interface CheckOutcome {
  /** The task's index. */
  index: number;
  /** The result, unless skipped. */
  result?: FileResult;
  /** Why the file was skipped (an expanded file that is neither a contract nor a plan). */
  skipped?: string;
}

/** Options shared by every file of a run. */
export interface CheckFileOptions {
  /** `--domain`. */
  domain?: string;
  /** `--fail-on`. */
  failOn: Enforcement;
}

function fromDecision(file: string, kind: FileKind, d: Decision): FileResult {
  const r: FileResult = { file, kind, allowed: false, findings: d.findings, subject: d.subject };
  if (d.domain !== undefined) r.domain = d.domain;
  const first = d.errors[0];
  if (d.outcome === 'error' && first) {
    const msg = d.errors.map((e) => (e.layer ? `[${e.layer}] ${e.message}` : e.message)).join('; ');
    r.error = first.location ? { code: first.code, message: msg, location: first.location } : { code: first.code, message: msg, location: { file } };
    return r;
  }
  r.allowed = d.allowed; // judged once, by the engine at its threshold (--fail-on): never re-judged here
  return r;
}

/** Checks one file; never throws. */
export async function checkFile(engine: Engine, task: CheckTask, options: CheckFileOptions): Promise<CheckOutcome> {
  const file = task.display;
  let bytes: Uint8Array;
  try {
    bytes = readInputFile(task.path, file);
  } catch (e) {
    const err = isMeshgateError(e) ? e : undefined;
    return { index: task.index, result: { file, kind: 'contract', allowed: false, findings: [], error: { code: err?.code ?? 'MG_INPUT_UNREADABLE', message: err?.reason ?? describeThrown(e), location: { file } } } };
  }
  const sniffed = sniff(bytes, task.explicit, task.path);
  if (sniffed.kind === 'skip') return { index: task.index, skipped: sniffed.reason };
  if (sniffed.kind === 'refuse') {
    const kind: FileKind = sniffed.code === 'MG_INPUT_PLAN_BINARY' || sniffed.code === 'MG_INPUT_TERRAFORM_SOURCE' ? 'plan' : 'contract';
    return { index: task.index, result: { file, kind, allowed: false, findings: [], error: { code: sniffed.code, message: sniffed.message, location: { file } } } };
  }
  const kind = sniffed.kind;
  try {
    const d =
      kind === 'plan'
        ? await engine.checkPlan(bytes, { file })
        : await engine.checkContract(bytes, options.domain === undefined ? { file } : { file, domain: options.domain });
    return { index: task.index, result: fromDecision(file, kind, d) };
  } catch (e) {
    if (isMeshgateError(e)) {
      if (!task.explicit && kind === 'contract' && e.code === 'MG_CONTRACT_FORMAT_UNKNOWN') {
        return { index: task.index, skipped: 'not a recognised data contract format' };
      }
      const location = e.location ? { ...e.location, file: e.location.file ?? file } : { file };
      return { index: task.index, result: { file, kind, allowed: false, findings: [], error: { code: e.code, message: e.reason, location } } };
    }
    return { index: task.index, result: { file, kind, allowed: false, findings: [], error: { code: 'MG_INTERNAL', message: describeThrown(e), location: { file } } } };
  }
}
