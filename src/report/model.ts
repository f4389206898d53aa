/**
 * The result model every reporter renders: one entry per checked file (its findings, or the input error
 * that stopped it) plus a summary. Pure data, built by the CLI from engine Decisions.
 */
import type { Enforcement, Finding, Location } from '../types.js';
import { isFailing } from '../layering/merge.js';

/** What a checked file was detected as. */
export type FileKind = 'contract' | 'plan';

/** An error that stopped a file from being judged (unreadable, unparseable, or a policy evaluation error). */
export interface ResultError {
  /** Stable code such as `MG_CONTRACT_SYNTAX`. */
  code: string;
  /** Human-readable message. */
  message: string;
  /** Where, when known. */
  location?: Location;
}

/** The outcome of one file. */
export interface FileResult {
  /** The file as shown to the user (relative, forward slashes). */
  file: string;
  /** Detected kind. */
  kind: FileKind;
  /** The domain whose layer was applied, when any. */
  domain?: string;
  /** The subject's id (contract id or plan file), when judged. */
  subject?: string;
  /** True when no finding fails at the threshold and no error occurred. */
  allowed: boolean;
  /** All findings (failing or not), in the engine's order. */
  findings: Finding[];
  /** Set when the file could not be judged. */
  error?: ResultError;
}

/** Totals over all files. */
export interface Summary {
  /** Files checked (including errors). */
  files: number;
  /** Files that passed. */
  passed: number;
  /** Files with failing findings (and no error). */
  failed: number;
  /** Files that could not be judged. */
  errors: number;
  /** Findings over all files (failing or not). */
  findings: number;
}

/** A file found by expanding a folder or glob that `check` did not judge, and why. */
export interface SkippedFile {
  /** The file as shown to the user. */
  file: string;
  /** Why it was skipped (`neither a data contract nor a Terraform plan`, `empty file`…). */
  reason: string;
}

/** Everything a reporter needs. */
export interface Report {
  /** Results in stable input order. */
  results: FileResult[];
  /** Files skipped, in input order (the json reporter lists them). */
  skipped?: SkippedFile[];
  /** The enforcement threshold at which a finding fails (`--fail-on`). */
  failOn: Enforcement;
  /** meshgate's version (for SARIF's tool driver). */
  version: string;
}

/** True when the finding fails its file at the threshold. */
export function fails(f: Finding, failOn: Enforcement): boolean {
  return isFailing(f, failOn);
}

/** Computes the summary of a list of results. */
export function summarise(results: readonly FileResult[]): Summary {
  const s: Summary = { files: results.length, passed: 0, failed: 0, errors: 0, findings: 0 };
  for (const r of results) {
    s.findings += r.findings.length;
    if (r.error) s.errors++;
    else if (r.allowed) s.passed++;
    else s.failed++;
  }
  return s;
}

/** The SARIF-style severity of a finding: `error` (fails), `warning` (a deny or soft finding below the threshold) or `note`. */
export function severityOf(f: Finding, failOn: Enforcement): 'error' | 'warning' | 'note' {
  if (fails(f, failOn)) return 'error';
  if (f.waived || f.enforcement === 'advisory') return 'note';
  return 'warning';
}

/** `1 file`, `2 files`: a count with its noun in the right number (nouns with a plain `s` plural). */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The rule id shown everywhere: `layer/rule`. */
export function ruleId(f: Finding): string {
  return `${f.layer}/${f.rule}`;
}
