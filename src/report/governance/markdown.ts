/**
 * The governance report as a short markdown summary (for a CI job summary such as `$GITHUB_STEP_SUMMARY`):
 * totals, posture per domain, the top failing rules, waivers needing attention, errors by code and the
 * audit logs' verification. Input text is escaped for both HTML and markdown (job summaries render HTML).
 */
import { xmlEscape } from '../junit.js';
import type { GovernanceData } from './model.js';

/** Escapes text for a markdown table cell (HTML specials, pipes, emphasis, links, code, line breaks). */
export function mdEscape(s: string): string {
  return xmlEscape(s)
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Renders the markdown summary (`top` rows per table, default 10). */
export function renderGovernanceMarkdown(d: GovernanceData, top = 10): string {
  const t = d.totals;
  const out: string[] = ['## meshgate governance report', ''];
  out.push(
    `**${fmt(t.subjects)}** subjects checked: **${fmt(t.passed)}** passed, **${fmt(t.failed)}** failed, **${fmt(t.errors)}** errors; **${fmt(t.failingFindings)}** failing findings. ` +
      `**${fmt(t.events)}** audit decisions: ${fmt(t.decisions.allowed)} allowed, ${fmt(t.decisions.denied)} denied, ${fmt(t.decisions.error)} error.`,
    '',
  );
  if (d.posture.length) {
    out.push('### Posture per domain', '');
    out.push(table(['Domain', 'Kind', 'Passed', 'Failed', 'Errors', 'Failing hard/soft/advisory', 'Allowed/denied/error'], d.posture.map((p) => [mdEscape(p.domain), mdEscape(p.kind), fmt(p.passed), fmt(p.failed), fmt(p.errors), `${p.failing.hard}/${p.failing.soft}/${p.failing.advisory}`, `${p.decisions.allowed}/${p.decisions.denied}/${p.decisions.error}`])), '');
  }
  const byRule = new Map<string, { failing: number; decisions: number }>();
  for (const r of d.rules.rows) {
    const id = `${r.layer}/${r.rule}`;
    const x = byRule.get(id) ?? { failing: 0, decisions: 0 };
    x.failing += r.failing;
    x.decisions += r.decisions;
    byRule.set(id, x);
  }
  const rules = [...byRule].filter(([, x]) => x.failing + x.decisions > 0).sort((a, b) => b[1].failing + b[1].decisions - (a[1].failing + a[1].decisions)).slice(0, top);
  if (rules.length) out.push('### Top rules', '', table(['Rule', 'Failing (checks)', 'In decisions'], rules.map(([id, x]) => [mdEscape(id), fmt(x.failing), fmt(x.decisions)])), '');
  const attention = d.waivers.filter((w) => w.status !== 'active').slice(0, top);
  if (attention.length) out.push('### Waivers needing attention', '', table(['Waiver', 'Scope', 'Rule', 'Expires', 'Status'], attention.map((w) => [mdEscape(w.id), mdEscape(w.scope), mdEscape(w.rule), mdEscape(w.expires), w.status])), '');
  if (d.errors.rows.length) out.push('### Errors by code', '', table(['Code', 'Domain', 'Count'], d.errors.rows.slice(0, top).map((e) => [mdEscape(e.code), mdEscape(e.domain), fmt(e.count)])), '');
  if (d.logs.length) {
    out.push('### Audit logs', '', table(['Log', 'Events', 'Chain'], d.logs.map((l) => [mdEscape(l.source), fmt(l.events), l.status === 'ok' ? 'ok' : l.status === 'broken' ? `breaks at line ${l.firstBadLine ?? '?'}` : 'not verified'])), '');
  }
  return `${out.join('\n')}\n`;
}
