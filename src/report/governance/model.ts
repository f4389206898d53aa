/**
 * The governance report's data: what `meshgate report` aggregated from check results and audit logs,
 * already bounded (top-N rows with exact or lower-bound counts). Pure data, rendered as HTML or markdown.
 */

/** Enforcement levels, strongest first. */
export const ENFORCEMENTS = ['hard', 'soft', 'advisory'] as const;
/** Decision outcomes as recorded by the audit trail. */
export const OUTCOMES = ['allowed', 'denied', 'error'] as const;

/** A decision outcome. */
export type Outcome = (typeof OUTCOMES)[number];

/** Counts of findings that fail, by enforcement. */
export type ByEnforcement = Record<(typeof ENFORCEMENTS)[number], number>;
/** Counts of decisions by outcome. */
export type ByOutcome = Record<Outcome, number>;

/** Posture of one domain and subject kind. */
export interface PostureRow {
  /** The domain (`(none)` when no domain layer applied). */
  domain: string;
  /** Subject kind (`contract`, `plan`, `terraform`, `access`, …). */
  kind: string;
  /** Checked subjects that passed. */
  passed: number;
  /** Checked subjects with failing findings. */
  failed: number;
  /** Checked subjects that could not be judged. */
  errors: number;
  /** Failing findings in check results, by enforcement. */
  failing: ByEnforcement;
  /** Audit decisions by outcome. */
  decisions: ByOutcome;
}

/** Findings of one rule, per domain and kind. */
export interface RuleRow {
  /** The rule id (without its layer). */
  rule: string;
  /** The layer that produced it (`global` or a domain). */
  layer: string;
  /** The subject's domain. */
  domain: string;
  /** Subject kind. */
  kind: string;
  /** Failing findings in check results. */
  failing: number;
  /** Waived findings in check results. */
  waived: number;
  /** Other (non-failing, unwaived) findings in check results. */
  other: number;
  /** Findings of this rule in audit decisions. */
  decisions: number;
}

/** A subject (data product, plan or resource) with failing findings. */
export interface SubjectRow {
  /** Contract id, plan file, Terraform address or access subject. */
  subject: string;
  /** `contract`, `plan`, `resource`, `access`, … */
  kind: string;
  /** Its domain. */
  domain: string;
  /** `file:line` of its first failing finding (or the file), when known. */
  where: string;
  /** Failing findings (check results) or denied decisions (audit logs). */
  count: number;
  /** Rule ids seen on it (at most a few). */
  rules: string[];
  /** Where the row comes from. */
  source: 'check' | 'audit';
}

/** One finding, as listed in the findings table (the target of every figure's link). */
export interface FindingRow {
  /** Domain of the subject. */
  domain: string;
  /** Subject kind. */
  kind: string;
  /** Rule id. */
  rule: string;
  /** Layer. */
  layer: string;
  /** Effective enforcement. */
  enforcement: string;
  /** `failing`, `waived` or `other`. */
  status: 'failing' | 'waived' | 'other';
  /** The subject. */
  subject: string;
  /** `file:line:col` or the file. */
  where: string;
  /** The message (already masked when it came from an audit log). */
  msg: string;
  /** `check` or `audit`. */
  source: 'check' | 'audit';
}

/** Waiver lifecycle state at report time. */
export type WaiverStatus = 'active' | 'expiring' | 'expired' | 'unused';

/** One waiver. */
export interface WaiverRow {
  /** Waiver id. */
  id: string;
  /** Its waivers file's layer. */
  scope: string;
  /** The waived rule, when known. */
  rule: string;
  /** Expiry as written. */
  expires: string;
  /** State now. */
  status: WaiverStatus;
  /** Findings it covered in the inputs. */
  uses: number;
  /** Where it is declared (`file:line`), when known. */
  where: string;
}

/** Errors of one code. */
export interface ErrorRow {
  /** The `MG_` code. */
  code: string;
  /** Domain. */
  domain: string;
  /** Subject kind. */
  kind: string;
  /** Occurrences. */
  count: number;
  /** The first message seen (masked when from an audit log). */
  example: string;
  /** Where the first one was, when known. */
  where: string;
}

/** Decisions of one domain in one time bucket (UTC day). */
export interface TimeRow {
  /** `YYYY-MM-DD`. */
  day: string;
  /** Domain. */
  domain: string;
  /** Subject kind. */
  kind: string;
  /** Counts. */
  decisions: ByOutcome;
}

/** Verification of one audit log, by the audit module's own verifier. */
export interface LogRow {
  /** The log as named. */
  source: string;
  /** Decision events read. */
  events: number;
  /** Lines skipped as another known type (checkpoints) or an unknown type. */
  skipped: number;
  /** Lines that were not JSON objects. */
  unreadable: number;
  /** `ok`, `broken` or `not-verified`. */
  status: 'ok' | 'broken' | 'not-verified';
  /** A sentence: the verifier's message, or why it was not verified. */
  message: string;
  /** First bad line, when broken. */
  firstBadLine?: number;
  /** Earliest and latest event timestamp. */
  from?: string;
  /** Latest event timestamp. */
  to?: string;
}

/** Bounded list with how many rows there were in all. */
export interface Listed<T> {
  /** The rows kept (top N). */
  rows: T[];
  /** How many distinct rows existed before trimming (a lower bound when `approximate`). */
  total: number;
  /** True when counts may be lower bounds because rare keys were pruned while streaming. */
  approximate: boolean;
}

/** Everything the renderers show. */
export interface GovernanceData {
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  /** The `--expiring-days` window. */
  expiringDays: number;
  /** The inputs read, as named. */
  inputs: Array<{ source: string; type: 'check' | 'audit' }>;
  /** Totals. */
  totals: { subjects: number; passed: number; failed: number; errors: number; failingFindings: number; events: number; decisions: ByOutcome };
  /** Posture per domain and kind. */
  posture: PostureRow[];
  /** Findings by rule. */
  rules: Listed<RuleRow>;
  /** Top failing subjects. */
  subjects: Listed<SubjectRow>;
  /** The findings list (first N). */
  findings: Listed<FindingRow>;
  /** Waivers. */
  waivers: WaiverRow[];
  /** Errors by code. */
  errors: Listed<ErrorRow>;
  /** Decisions over time. */
  timeline: TimeRow[];
  /** Audit logs and their verification. */
  logs: LogRow[];
}
