/**
 * Aggregates `meshgate check --format json` reports and audit events into {@link GovernanceData}, one
 * input at a time, in bounded memory: labels (domains, rules, codes) are capped, per-subject rows are kept
 * in bounded tables, and only the first findings are listed. Audit events are used only through fields
 * the audit trail has already masked (never `input`), so the report cannot show a masked value.
 */
import { MeshgateError } from '../../errors.js';
import { expiryInstant } from '../../layering/waivers.js';
import type { JsonFinding, JsonReport, JsonResult } from '../json.js';
import { BoundedTable, LabelSet } from './tally.js';
import {
  ENFORCEMENTS,
  OUTCOMES,
  type ErrorRow,
  type FindingRow,
  type GovernanceData,
  type LogRow,
  type Outcome,
  type PostureRow,
  type RuleRow,
  type SubjectRow,
  type TimeRow,
  type WaiverRow,
} from './model.js';

/** A waiver declared in a config (for unused / expiring states). */
export interface DeclaredWaiver {
  /** Id. */
  id: string;
  /** Scope (layer). */
  scope: string;
  /** Rule. */
  rule: string;
  /** Expiry as written. */
  expires: string;
  /** Instant it stops applying (ms). */
  expiresAt: number;
  /** `file:line`, when known. */
  where?: string;
}

/** Limits of the aggregation. */
export interface AggregateOptions {
  /** Rows listed per table (default 50). */
  top?: number;
  /** Findings listed (default 500). */
  findings?: number;
  /** The report's "now" (default: the clock). */
  now?: Date;
  /** Waivers expiring within this many days are `expiring` (default 14). */
  expiringDays?: number;
}

const NONE = '(none)';
const DAY_MS = 86_400_000;
const zero = (): Record<Outcome, number> => ({ allowed: 0, denied: 0, error: 0 });

/** One name per subject kind: check reports say `plan` where audit events say `terraform`. */
const kindName = (k: string): string => (k === 'plan' ? 'terraform' : k);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

function where(loc: { file?: string | null; line?: number | null; column?: number | null } | undefined, fallback: string): string {
  const file = loc?.file ?? fallback;
  if (loc?.line === null || loc?.line === undefined) return file;
  return `${file}:${loc.line}${loc.column !== null && loc.column !== undefined ? `:${loc.column}` : ''}`;
}

/** Collects inputs; call {@link GovernanceAggregator.finish} once at the end. */
export class GovernanceAggregator {
  private readonly top: number;
  private readonly maxFindings: number;
  private readonly now: Date;
  private readonly expiringDays: number;
  private readonly domains = new LabelSet(200);
  private readonly rulesLabels = new LabelSet(1000);
  private readonly codes = new LabelSet(200);
  private readonly kinds = new LabelSet(20);
  private readonly inputs: GovernanceData['inputs'] = [];
  private readonly posture = new Map<string, PostureRow>();
  private readonly ruleRows: BoundedTable<RuleRow>;
  private readonly subjectRows: BoundedTable<SubjectRow>;
  private readonly errorRows: BoundedTable<ErrorRow>;
  private readonly findingRows: FindingRow[] = [];
  private findingCount = 0;
  private readonly timeline = new BoundedTable<TimeRow>(20_000, (r) => r.decisions.allowed + r.decisions.denied + r.decisions.error);
  private readonly usedWaivers = new Map<string, { id: string; scope: string; rule: string; expires: string; uses: number }>();
  private declared: DeclaredWaiver[] = [];
  private readonly logs: LogRow[] = [];
  private readonly totals: GovernanceData['totals'] = { subjects: 0, passed: 0, failed: 0, errors: 0, failingFindings: 0, events: 0, decisions: zero() };

  constructor(options: AggregateOptions = {}) {
    this.top = options.top ?? 50;
    this.maxFindings = options.findings ?? 500;
    this.now = options.now ?? new Date();
    this.expiringDays = options.expiringDays ?? 14;
    this.ruleRows = new BoundedTable<RuleRow>(Math.max(this.top, 500), (r) => r.failing + r.waived + r.other + r.decisions);
    this.subjectRows = new BoundedTable<SubjectRow>(Math.max(this.top * 4, 200), (r) => r.count);
    this.errorRows = new BoundedTable<ErrorRow>(Math.max(this.top, 200), (r) => r.count);
  }

  private postureOf(domain: string, kind: string): PostureRow {
    const key = `${domain}\u0000${kind}`;
    let row = this.posture.get(key);
    if (!row) {
      row = { domain, kind, passed: 0, failed: 0, errors: 0, failing: { hard: 0, soft: 0, advisory: 0 }, decisions: zero() };
      this.posture.set(key, row);
    }
    return row;
  }

  private rule(rule: string, layer: string, domain: string, kind: string): RuleRow {
    return this.ruleRows.get(`${rule}\u0000${layer}\u0000${domain}\u0000${kind}`, () => ({ rule, layer, domain, kind, failing: 0, waived: 0, other: 0, decisions: 0 }));
  }

  private subject(subject: string, kind: string, domain: string, source: 'check' | 'audit', at: string): SubjectRow {
    return this.subjectRows.get(`${source}\u0000${kind}\u0000${subject}`, () => ({ subject, kind, domain, where: at, count: 0, rules: [], source }));
  }

  private error(code: string, domain: string, kind: string, message: string, at: string): void {
    const c = this.codes.label(code);
    const row = this.errorRows.get(`${c}\u0000${domain}\u0000${kind}`, () => ({ code: c, domain, kind, count: 0, example: message.slice(0, 500), where: at }));
    row.count++;
  }

  private listFinding(row: FindingRow): void {
    this.findingCount++;
    if (this.findingRows.length < this.maxFindings) this.findingRows.push(row);
  }

  private useWaiver(id: string, scope: string, rule: string, expires: string): void {
    const key = `${scope}\u0000${id}`;
    const w = this.usedWaivers.get(key);
    if (w) w.uses++;
    else if (this.usedWaivers.size < 5000) this.usedWaivers.set(key, { id, scope, rule, expires, uses: 1 });
  }

  /** Adds a `meshgate check --format json` report. Throws MG_REPORT_INPUT when it does not have that shape. */
  addCheckReport(value: unknown, source: string): void {
    const report = obj(value) as Partial<JsonReport> | undefined;
    if (!report || !Array.isArray(report.results)) {
      throw new MeshgateError('MG_REPORT_INPUT', 'not a `meshgate check --format json` report (no "results" array)', { location: { file: source } });
    }
    this.inputs.push({ source, type: 'check' });
    report.results.forEach((r, i) => this.addResult(r, source, i));
  }

  private addResult(value: unknown, source: string, index: number): void {
    const r = obj(value) as Partial<JsonResult> | undefined;
    if (!r || typeof r.file !== 'string' || !Array.isArray(r.findings)) {
      throw new MeshgateError('MG_REPORT_INPUT', `results[${index}] is not a check result (needs "file" and "findings")`, { location: { file: source } });
    }
    const file = r.file;
    const kind = this.kinds.label(kindName(str(r.kind) ?? 'unknown'));
    const findings = r.findings.map((f) => obj(f)).filter((f): f is Record<string, unknown> => f !== undefined) as unknown as JsonFinding[];
    const inferred = findings.find((f) => typeof f.layer === 'string' && f.layer !== 'global')?.layer;
    const domain = this.domains.label(str(r.domain) ?? inferred ?? NONE);
    const subjectId = str(r.subject) ?? file;
    const p = this.postureOf(domain, kind);
    this.totals.subjects++;
    const err = obj(r.error);
    if (err) {
      p.errors++;
      this.totals.errors++;
      const loc = obj(err['location']) as Parameters<typeof where>[0];
      this.error(str(err['code']) ?? 'MG_UNKNOWN', domain, kind, str(err['message']) ?? '', where(loc, file));
      return;
    }
    if (r.allowed === true) {
      p.passed++;
      this.totals.passed++;
    } else {
      p.failed++;
      this.totals.failed++;
    }
    for (const f of findings) {
      const rule = this.rulesLabels.label(str(f.rule) ?? '(unknown)');
      const layer = this.domains.label(str(f.layer) ?? NONE);
      const enforcement = (ENFORCEMENTS as readonly string[]).includes(f.enforcement) ? f.enforcement : 'hard';
      const waived = f.waived === true;
      // older reports have no `failing`: an unwaived finding of a file that did not pass is taken as failing
      const failing = typeof f.failing === 'boolean' ? f.failing : !waived && r.allowed !== true;
      const row = this.rule(rule, layer, domain, kind);
      const at = where(obj(f.location) as Parameters<typeof where>[0], file);
      if (failing) {
        row.failing++;
        p.failing[enforcement]++;
        this.totals.failingFindings++;
        const s = this.subject(subjectId, kind, domain, 'check', at);
        s.count++;
        if (s.rules.length < 5 && !s.rules.includes(`${layer}/${rule}`)) s.rules.push(`${layer}/${rule}`);
        const res = str(f.resource);
        if (res !== undefined) {
          const rs = this.subject(res, 'resource', domain, 'check', at);
          rs.count++;
          if (rs.rules.length < 5 && !rs.rules.includes(`${layer}/${rule}`)) rs.rules.push(`${layer}/${rule}`);
        }
      } else if (waived) row.waived++;
      else row.other++;
      const w = obj(f.waiver);
      if (waived && w) this.useWaiver(str(w['id']) ?? '?', str(w['scope']) ?? layer, `${layer}/${rule}`, str(w['expires']) ?? '');
      this.listFinding({ domain, kind, rule, layer, enforcement, status: failing ? 'failing' : waived ? 'waived' : 'other', subject: subjectId, where: at, msg: (str(f.msg) ?? '').slice(0, 1000), source: 'check' });
    }
  }

  /** Records that an audit log is being read (call before its events). */
  startLog(source: string): LogRow {
    this.inputs.push({ source, type: 'audit' });
    const row: LogRow = { source, events: 0, skipped: 0, unreadable: 0, status: 'not-verified', message: 'not verified' };
    this.logs.push(row);
    return row;
  }

  /**
   * Adds one parsed audit-log line. Lines that carry a `type` other than `decision`/`event` (checkpoints
   * and anything newer) or that are not decision events are counted as skipped.
   */
  addAuditLine(value: unknown, log: LogRow): void {
    const e = obj(value);
    if (!e) {
      log.unreadable++;
      return;
    }
    const type = str(e['type']);
    if ((type !== undefined && type !== 'decision' && type !== 'event') || typeof e['decision_id'] !== 'string') {
      log.skipped++;
      return;
    }
    log.events++;
    this.totals.events++;
    const kind = this.kinds.label(kindName(str(e['kind']) ?? 'unknown'));
    const domain = this.domains.label(str(e['domain']) ?? NONE);
    const result = obj(e['result']) ?? {};
    const outcomeRaw = str(e['outcome']) ?? str(result['outcome']);
    const outcome: Outcome = (OUTCOMES as readonly string[]).includes(outcomeRaw ?? '') ? (outcomeRaw as Outcome) : 'error';
    this.postureOf(domain, kind).decisions[outcome]++;
    this.totals.decisions[outcome]++;
    const ts = str(e['timestamp']) ?? '';
    const t = Date.parse(ts);
    if (Number.isFinite(t)) {
      const iso = new Date(t).toISOString();
      if (log.from === undefined || iso < log.from) log.from = iso;
      if (log.to === undefined || iso > log.to) log.to = iso;
      const day = iso.slice(0, 10);
      this.timeline.get(`${day}\u0000${domain}\u0000${kind}`, () => ({ day, domain, kind, decisions: zero() })).decisions[outcome]++;
    }
    const subject = str(e['subject']) ?? '(unknown)';
    const file = str(e['file']) ?? '';
    const details = Array.isArray(result['details']) ? result['details'] : [];
    const ruleIds: string[] = [];
    for (const d of details) {
      const f = obj(d);
      if (!f) continue;
      const id = str(f['rule']) ?? '(unknown)';
      const cut = id.indexOf(':');
      const layer = this.domains.label(cut > 0 ? id.slice(0, cut) : NONE);
      const rule = this.rulesLabels.label(cut > 0 ? id.slice(cut + 1) : id);
      this.rule(rule, layer, domain, kind).decisions++;
      if (ruleIds.length < 5 && !ruleIds.includes(`${layer}/${rule}`)) ruleIds.push(`${layer}/${rule}`);
      const enforcement = str(f['enforcement']) ?? '';
      const waived = f['waived'] === true;
      const denying = !waived && str(f['level']) === 'deny';
      this.listFinding({ domain, kind, rule, layer, enforcement, status: waived ? 'waived' : denying && outcome === 'denied' ? 'failing' : 'other', subject, where: file, msg: (str(f['msg']) ?? '').slice(0, 1000), source: 'audit' });
    }
    if (outcome !== 'allowed') {
      const s = this.subject(subject, kind, domain, 'audit', file);
      s.count++;
      for (const r of ruleIds) if (s.rules.length < 5 && !s.rules.includes(r)) s.rules.push(r);
    }
    for (const err of Array.isArray(result['errors']) ? result['errors'] : []) {
      const x = obj(err);
      if (x) this.error(str(x['code']) ?? 'MG_UNKNOWN', domain, kind, str(x['message']) ?? '', file);
    }
    for (const w of Array.isArray(e['waivers']) ? e['waivers'] : []) {
      const x = obj(w);
      if (x) this.useWaiver(str(x['id']) ?? '?', str(x['scope']) ?? '', (str(x['rule']) ?? '').replace(':', '/'), str(x['expires']) ?? '');
    }
  }

  /** Adds the waivers declared in a config, so unused and soon-expiring ones show. */
  addDeclaredWaivers(waivers: readonly DeclaredWaiver[]): void {
    this.declared = [...this.declared, ...waivers];
  }

  private waiverStatus(expiresAt: number, uses: number, declared: boolean): WaiverRow['status'] {
    const now = this.now.getTime();
    if (Number.isFinite(expiresAt) && now >= expiresAt) return 'expired';
    if (declared && uses === 0) return 'unused';
    if (Number.isFinite(expiresAt) && expiresAt - now <= this.expiringDays * DAY_MS) return 'expiring';
    return 'active';
  }

  private waiverRows(): WaiverRow[] {
    const out: WaiverRow[] = [];
    const seen = new Set<string>();
    for (const d of this.declared) {
      const key = `${d.scope}\u0000${d.id}`;
      seen.add(key);
      const uses = this.usedWaivers.get(key)?.uses ?? 0;
      out.push({ id: d.id, scope: d.scope, rule: d.rule, expires: d.expires, status: this.waiverStatus(d.expiresAt, uses, true), uses, where: d.where ?? '' });
    }
    for (const [key, w] of this.usedWaivers) {
      if (seen.has(key)) continue;
      out.push({ id: w.id, scope: w.scope, rule: w.rule, expires: w.expires, status: this.waiverStatus(expiryInstant(w.expires), w.uses, false), uses: w.uses, where: '' });
    }
    const rank = { expired: 0, expiring: 1, unused: 2, active: 3 } as const;
    return out.sort((a, b) => rank[a.status] - rank[b.status] || a.expires.localeCompare(b.expires) || a.id.localeCompare(b.id));
  }

  /** The aggregated data. */
  finish(): GovernanceData {
    const findings = { rows: this.findingRows, total: this.findingCount, approximate: false };
    return {
      generatedAt: this.now.toISOString(),
      expiringDays: this.expiringDays,
      inputs: this.inputs,
      totals: this.totals,
      posture: [...this.posture.values()].sort((a, b) => a.domain.localeCompare(b.domain) || a.kind.localeCompare(b.kind)),
      rules: this.ruleRows.top(this.top * 4),
      subjects: this.subjectRows.top(this.top),
      findings,
      waivers: this.waiverRows(),
      errors: this.errorRows.top(this.top),
      timeline: this.timeline.values().sort((a, b) => a.day.localeCompare(b.day) || a.domain.localeCompare(b.domain) || a.kind.localeCompare(b.kind)),
      logs: this.logs,
    };
  }
}
