/**
 * The `--format json` reporter: a documented, stable shape (see docs/cli.md). Optional values are
 * present as `null` rather than missing, so consumers can rely on every key.
 */
import type { FileResult, Report, Summary } from './model.js';
import type { Enforcement } from '../types.js';
import { fails, summarise } from './model.js';

/** One finding in the JSON report. */
export interface JsonFinding {
  rule: string;
  msg: string;
  level: 'deny' | 'warn';
  layer: string;
  enforcement: 'advisory' | 'soft' | 'hard';
  waived: boolean;
  /** True when the finding fails its file at `--fail-on`. */
  failing: boolean;
  /** The waiver that covers it (`id`, `expires`, `scope`), or null. */
  waiver: { id: string; expires: string; scope: string } | null;
  resource: string | null;
  location: { file: string; line: number | null; column: number | null };
}

/** One file in the JSON report. */
export interface JsonResult {
  file: string;
  kind: 'contract' | 'plan';
  /** The domain layer applied, or null. */
  domain: string | null;
  /** The subject's id (contract id, plan file), or null when the file could not be judged. */
  subject: string | null;
  allowed: boolean;
  findings: JsonFinding[];
  error?: { code: string; message: string; location: { file: string; line: number | null; column: number | null } };
}

/** The whole JSON report. */
export interface JsonReport {
  results: JsonResult[];
  /** Files found by expanding a folder or glob that were not checked, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
  summary: Summary;
}

function toJsonResult(r: FileResult, failOn: Enforcement): JsonResult {
  const out: JsonResult = {
    file: r.file,
    kind: r.kind,
    domain: r.domain ?? null,
    subject: r.subject ?? null,
    allowed: r.allowed,
    findings: r.findings.map((f) => ({
      rule: f.rule,
      msg: f.msg,
      level: f.level,
      layer: f.layer,
      enforcement: f.enforcement,
      waived: f.waived,
      failing: fails(f, failOn),
      waiver: f.waiver ? { id: f.waiver.id, expires: f.waiver.expires, scope: f.waiver.scope } : null,
      resource: f.resource ?? null,
      location: { file: f.location?.file ?? r.file, line: f.location?.line ?? null, column: f.location?.column ?? null },
    })),
  };
  if (r.error) {
    const l = r.error.location;
    out.error = { code: r.error.code, message: r.error.message, location: { file: l?.file ?? r.file, line: l?.line ?? null, column: l?.column ?? null } };
  }
  return out;
}

/** Builds the JSON report object. */
export function toJsonReport(report: Report): JsonReport {
  return { results: report.results.map((r) => toJsonResult(r, report.failOn)), skipped: (report.skipped ?? []).map((s) => ({ file: s.file, reason: s.reason })), summary: summarise(report.results) };
}

/** Renders the JSON report (pretty-printed, trailing newline). */
export function renderJson(report: Report): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}
