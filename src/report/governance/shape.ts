/**
 * Shaping aggregated data for display: which domains get their own charts, and the timeline folded into
 * at most ~120 buckets (days, then ISO weeks, then months) and the charted domains plus `(other)`.
 */
import type { ByOutcome, GovernanceData, TimeRow } from './model.js';

/** How many domains get charts of their own. */
export const CHARTED_DOMAINS = 12;
const MAX_BUCKETS = 120;

/** The domains with the most activity (subjects, findings, decisions), at most {@link CHARTED_DOMAINS}. */
export function chartDomains(d: GovernanceData): string[] {
  const weight = new Map<string, number>();
  const add = (k: string, n: number): void => {
    weight.set(k, (weight.get(k) ?? 0) + n);
  };
  for (const p of d.posture) add(p.domain, p.passed + p.failed + p.errors + p.decisions.allowed + p.decisions.denied + p.decisions.error);
  for (const r of d.rules.rows) add(r.domain, r.failing + r.waived + r.other + r.decisions);
  return [...weight]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, CHARTED_DOMAINS)
    .map(([k]) => k);
}

function mondayOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  const dow = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - dow * 86_400_000).toISOString().slice(0, 10);
}

/** The timeline by bucket and domain (kinds folded; domains outside `domains` folded into `(other)`). */
export function bucketTimeline(rows: readonly TimeRow[], domains: readonly string[]): { unit: 'day' | 'week' | 'month'; rows: TimeRow[] } {
  const days = new Set(rows.map((r) => r.day));
  const weeks = new Set([...days].map(mondayOf));
  const unit = days.size <= MAX_BUCKETS ? 'day' : weeks.size <= MAX_BUCKETS ? 'week' : 'month';
  const bucket = unit === 'day' ? (d: string) => d : unit === 'week' ? mondayOf : (d: string) => d.slice(0, 7);
  const keep = new Set(domains);
  const out = new Map<string, TimeRow>();
  for (const r of rows) {
    const day = bucket(r.day);
    const domain = keep.has(r.domain) ? r.domain : '(other)';
    const key = `${day}\u0000${domain}`;
    let row = out.get(key);
    if (!row) {
      row = { day, domain, kind: '*', decisions: { allowed: 0, denied: 0, error: 0 } };
      out.set(key, row);
    }
    for (const o of Object.keys(r.decisions) as Array<keyof ByOutcome>) row.decisions[o] += r.decisions[o];
  }
  return { unit, rows: [...out.values()].sort((a, b) => a.day.localeCompare(b.day) || a.domain.localeCompare(b.domain)) };
}
