/**
 * The governance report as ONE self-contained HTML file: inline CSS, inline SVG charts, a small inline
 * script for the filters, no external resource (a Content-Security-Policy forbids any). Without JavaScript
 * every number is in a semantic table (caption, column and row headers); with it, the domain, kind and
 * rule filters hide table rows, recompute the headline figures and switch the charts, and every figure
 * links to the findings it counts. Everything that came from input is HTML-escaped.
 */
import { xmlEscape as esc } from '../junit.js';
import { barChart, columnChart, type Bar, type Column, type Segment } from './svg.js';
import type { ByOutcome, FindingRow, GovernanceData, PostureRow, RuleRow, TimeRow } from './model.js';
import { bucketTimeline, chartDomains } from './shape.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

/** ` name="value"` pairs, escaped; undefined values are left out. */
function attrs(o: Record<string, string | number | undefined>): string {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(String(v))}"`)
    .join('');
}

/** A link to the findings, filtered (`data-go` is read by the script; without it, a plain anchor). */
function go(filter: { domain?: string; kind?: string; rule?: string; status?: string }): string {
  return `href="#findings" data-go="${esc(JSON.stringify(filter))}"`;
}

function num(n: number, filter: Parameters<typeof go>[0], label: string): string {
  return n === 0 ? '0' : `<a ${go(filter)} aria-label="${esc(`${fmt(n)} ${label}: show the findings`)}">${fmt(n)}</a>`;
}

function th(cols: readonly string[]): string {
  return `<thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`;
}

function table(id: string, caption: string, cols: readonly string[], rows: string[], note = ''): string {
  const empty = `<tr class="empty"${rows.length ? ' hidden' : ''}><td colspan="${cols.length}">nothing to show${rows.length ? ' for this filter' : ''}</td></tr>`;
  return `<div class="scroll"><table id="${id}"><caption>${esc(caption)}${note ? ` <span class="note">${esc(note)}</span>` : ''}</caption>${th(cols)}<tbody>${rows.join('')}${empty}</tbody></table></div>`;
}

const failingOf = (p: PostureRow): number => p.failing.hard + p.failing.soft + p.failing.advisory;

function postureSection(d: GovernanceData): string {
  const byDomain = new Map<string, { passed: number; failed: number; errors: number; decisions: ByOutcome }>();
  for (const p of d.posture) {
    const x = byDomain.get(p.domain) ?? { passed: 0, failed: 0, errors: 0, decisions: { allowed: 0, denied: 0, error: 0 } };
    x.passed += p.passed;
    x.failed += p.failed;
    x.errors += p.errors;
    for (const o of ['allowed', 'denied', 'error'] as const) x.decisions[o] += p.decisions[o];
    byDomain.set(p.domain, x);
  }
  const bars: Bar[] = [...byDomain].map(([domain, x]) => ({
    label: domain,
    link: go({ domain }),
    segments: [
      { value: x.passed + x.decisions.allowed, cls: 'ok', name: 'passed or allowed' },
      { value: x.failed + x.decisions.denied, cls: 'deny', name: 'failed or denied' },
      { value: x.errors + x.decisions.error, cls: 'err', name: 'errors' },
    ],
  }));
  const rows = d.posture.map((p) => {
    const f = { domain: p.domain, kind: p.kind };
    const failing = failingOf(p);
    return `<tr${attrs({ 'data-domain': p.domain, 'data-kind': p.kind, 'data-passed': p.passed, 'data-failed': p.failed, 'data-errors': p.errors, 'data-failing': failing, 'data-allowed': p.decisions.allowed, 'data-denied': p.decisions.denied, 'data-error': p.decisions.error })}><th scope="row">${esc(p.domain)}</th><td>${esc(p.kind)}</td><td class="n">${fmt(p.passed)}</td><td class="n">${num(p.failed, { ...f, status: 'failing' }, 'failed subjects')}</td><td class="n">${fmt(p.errors)}</td><td class="n">${num(p.failing.hard, { ...f, status: 'failing' }, 'hard failing findings')}</td><td class="n">${num(p.failing.soft, { ...f, status: 'failing' }, 'soft failing findings')}</td><td class="n">${num(p.failing.advisory, { ...f, status: 'failing' }, 'advisory failing findings')}</td><td class="n">${fmt(p.decisions.allowed)}</td><td class="n">${num(p.decisions.denied, f, 'denied decisions')}</td><td class="n">${fmt(p.decisions.error)}</td></tr>`;
  });
  return `<section id="posture" aria-labelledby="h-posture"><h2 id="h-posture">Posture per domain</h2>
<figure data-chart-domain="*"><figcaption>Subjects passed / failed / errors (check results) plus decisions allowed / denied / error (audit logs), per domain</figcaption>${barChart(bars, 'Posture per domain: passed, failed and errors')}</figure>
${table('t-posture', 'Posture per domain and subject kind', ['Domain', 'Kind', 'Passed', 'Failed', 'Errors', 'Failing hard', 'Failing soft', 'Failing advisory', 'Allowed', 'Denied', 'Decision errors'], rows)}</section>`;
}

const ruleId = (r: { layer: string; rule: string }): string => `${r.layer}/${r.rule}`;

function ruleBars(rows: readonly RuleRow[]): Bar[] {
  const by = new Map<string, { failing: number; waived: number; other: number; decisions: number }>();
  for (const r of rows) {
    const x = by.get(ruleId(r)) ?? { failing: 0, waived: 0, other: 0, decisions: 0 };
    x.failing += r.failing;
    x.waived += r.waived;
    x.other += r.other;
    x.decisions += r.decisions;
    by.set(ruleId(r), x);
  }
  return [...by]
    .sort((a, b) => b[1].failing + b[1].decisions - (a[1].failing + a[1].decisions) || a[0].localeCompare(b[0]))
    .slice(0, 15)
    .map(([id, x]) => ({
      label: id,
      link: go({ rule: id }),
      segments: [
        { value: x.failing, cls: 'deny', name: 'failing (checks)' },
        { value: x.waived, cls: 'waived', name: 'waived (checks)' },
        { value: x.other, cls: 'other', name: 'not failing (checks)' },
        { value: x.decisions, cls: 'audit', name: 'in audit decisions' },
      ],
    }));
}

function rulesSection(d: GovernanceData, domains: string[]): string {
  const figures = [`<figure data-chart-domain="*"><figcaption>Top rules, all domains</figcaption>${barChart(ruleBars(d.rules.rows), 'Findings by rule, all domains')}</figure>`];
  for (const dom of domains) {
    const rows = d.rules.rows.filter((r) => r.domain === dom);
    figures.push(`<figure data-chart-domain="${esc(dom)}" hidden><figcaption>Top rules in ${esc(dom)}</figcaption>${barChart(ruleBars(rows), `Findings by rule in ${dom}`)}</figure>`);
  }
  let global = 0;
  let domain = 0;
  for (const r of d.rules.rows) (r.layer === 'global' ? (global += r.failing) : (domain += r.failing));
  const rows = d.rules.rows.map((r) => {
    const f = { domain: r.domain, kind: r.kind, rule: ruleId(r) };
    return `<tr${attrs({ 'data-domain': r.domain, 'data-kind': r.kind, 'data-rule': ruleId(r), 'data-layer': r.layer === 'global' ? 'global' : 'domain', 'data-failing': r.failing })}><th scope="row">${esc(r.rule)}</th><td>${esc(r.layer)}</td><td>${r.layer === 'global' ? 'global' : 'domain'}</td><td>${esc(r.domain)}</td><td>${esc(r.kind)}</td><td class="n">${num(r.failing, { ...f, status: 'failing' }, 'failing findings')}</td><td class="n">${num(r.waived, { ...f, status: 'waived' }, 'waived findings')}</td><td class="n">${num(r.other, { ...f, status: 'other' }, 'other findings')}</td><td class="n">${num(r.decisions, f, 'findings in audit decisions')}</td></tr>`;
  });
  const note = d.rules.approximate ? `counts are lower bounds: ${fmt(d.rules.total)} rows seen, rarest pruned` : d.rules.total > d.rules.rows.length ? `top ${d.rules.rows.length} of ${fmt(d.rules.total)}` : '';
  return `<section id="rules" aria-labelledby="h-rules"><h2 id="h-rules">Findings by rule and layer</h2>
<p class="figs">Failing findings from the <strong>global</strong> layer: <a ${go({ status: 'failing' })} data-sum="t-rules" data-col="failing" data-where="global">${fmt(global)}</a>; from <strong>domain</strong> layers: <a ${go({ status: 'failing' })} data-sum="t-rules" data-col="failing" data-where="domain">${fmt(domain)}</a></p>
${figures.join('\n')}
${table('t-rules', 'Findings by rule, layer, domain and kind', ['Rule', 'Layer', 'Scope', 'Domain', 'Kind', 'Failing', 'Waived', 'Other', 'In decisions'], rows, note)}</section>`;
}

function subjectsSection(d: GovernanceData): string {
  const rows = d.subjects.rows.map(
    (s) =>
      `<tr${attrs({ 'data-domain': s.domain, 'data-kind': s.kind, 'data-rules': JSON.stringify(s.rules) })}><th scope="row">${esc(s.subject)}</th><td>${esc(s.kind)}</td><td>${esc(s.domain)}</td><td><code>${esc(s.where)}</code></td><td class="n">${num(s.count, { domain: s.domain }, s.source === 'check' ? 'failing findings' : 'denied decisions')}</td><td>${s.source === 'check' ? 'failing findings' : 'denied/error decisions'}</td><td>${s.rules.map((r) => `<code>${esc(r)}</code>`).join(' ')}</td></tr>`,
  );
  const note = d.subjects.approximate ? `counts are lower bounds (${fmt(d.subjects.total)}+ subjects seen)` : d.subjects.total > d.subjects.rows.length ? `top ${d.subjects.rows.length} of ${fmt(d.subjects.total)}` : '';
  return `<section id="subjects" aria-labelledby="h-subjects"><h2 id="h-subjects">Top failing data products and resources</h2>
${table('t-subjects', 'Subjects with the most failing findings or denied decisions', ['Subject', 'Kind', 'Domain', 'Where', 'Count', 'Counted', 'Rules'], rows, note)}</section>`;
}

function waiversSection(d: GovernanceData): string {
  const counts = { active: 0, expiring: 0, expired: 0, unused: 0 };
  for (const w of d.waivers) counts[w.status]++;
  const rows = d.waivers.map(
    (w) =>
      `<tr${attrs({ 'data-rule': w.rule || undefined, 'data-status': w.status })}><th scope="row">${esc(w.id)}</th><td>${esc(w.scope)}</td><td><code>${esc(w.rule)}</code></td><td>${esc(w.expires)}</td><td><span class="badge ${w.status}">${w.status}</span></td><td class="n">${w.uses ? num(w.uses, { rule: w.rule, status: 'waived' }, 'waived findings') : '0'}</td><td><code>${esc(w.where)}</code></td></tr>`,
  );
  return `<section id="waivers" aria-labelledby="h-waivers"><h2 id="h-waivers">Waivers</h2>
<p class="figs">Active <strong>${counts.active}</strong> · expiring within ${d.expiringDays} days <strong>${counts.expiring}</strong> · expired <strong>${counts.expired}</strong> · unused <strong>${counts.unused}</strong></p>
${table('t-waivers', 'Waivers seen in the inputs (and declared in the config, when given)', ['Id', 'Scope', 'Rule', 'Expires', 'Status', 'Uses', 'Declared at'], rows)}</section>`;
}

function errorsSection(d: GovernanceData): string {
  const by = new Map<string, number>();
  for (const e of d.errors.rows) by.set(e.code, (by.get(e.code) ?? 0) + e.count);
  const bars: Bar[] = [...by].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([code, n]) => ({ label: code, link: 'href="#t-errors"', segments: [{ value: n, cls: 'err', name: 'errors' }] }));
  const rows = d.errors.rows.map(
    (e) => `<tr${attrs({ 'data-domain': e.domain, 'data-kind': e.kind, 'data-count': e.count })}><th scope="row"><code>${esc(e.code)}</code></th><td>${esc(e.domain)}</td><td>${esc(e.kind)}</td><td class="n">${fmt(e.count)}</td><td>${esc(e.example)}</td><td><code>${esc(e.where)}</code></td></tr>`,
  );
  return `<section id="errors" aria-labelledby="h-errors"><h2 id="h-errors">Errors by code</h2>
${bars.length ? `<figure data-chart-domain="*"><figcaption>Errors by code</figcaption>${barChart(bars, 'Errors by code')}</figure>` : ''}
${table('t-errors', 'Errors (inputs that could not be judged, decisions that failed closed)', ['Code', 'Domain', 'Kind', 'Count', 'First message', 'Where'], rows)}</section>`;
}

function seg(o: ByOutcome): Segment[] {
  return [
    { value: o.allowed, cls: 'ok', name: 'allowed' },
    { value: o.denied, cls: 'deny', name: 'denied' },
    { value: o.error, cls: 'err', name: 'error' },
  ];
}

function timelineSection(d: GovernanceData, domains: string[]): string {
  if (d.timeline.length === 0) return `<section id="timeline" aria-labelledby="h-timeline"><h2 id="h-timeline">Decisions over time</h2><p>No audit log was given.</p></section>`;
  const { unit, rows } = bucketTimeline(d.timeline, domains);
  const chart = (filter: (r: TimeRow) => boolean, label: string, link: string): string => {
    const by = new Map<string, ByOutcome>();
    for (const r of rows) {
      if (!filter(r)) continue;
      const x = by.get(r.day) ?? { allowed: 0, denied: 0, error: 0 };
      for (const o of ['allowed', 'denied', 'error'] as const) x[o] += r.decisions[o];
      by.set(r.day, x);
    }
    const cols: Column[] = [...by].sort((a, b) => a[0].localeCompare(b[0])).map(([day, o]) => ({ label: day, segments: seg(o), link }));
    return columnChart(cols, label);
  };
  const figures = [`<figure data-chart-domain="*"><figcaption>Decisions per ${unit}, all domains: allowed, denied, error</figcaption>${chart(() => true, `Decisions per ${unit}, all domains`, 'href="#t-timeline"')}</figure>`];
  for (const dom of domains) figures.push(`<figure data-chart-domain="${esc(dom)}" hidden><figcaption>Decisions per ${unit} in ${esc(dom)}</figcaption>${chart((r) => r.domain === dom, `Decisions per ${unit} in ${dom}`, go({ domain: dom }))}</figure>`);
  const trs = rows.map(
    (r) =>
      `<tr${attrs({ 'data-domain': r.domain })}><th scope="row">${esc(r.day)}</th><td>${esc(r.domain)}</td><td class="n">${fmt(r.decisions.allowed)}</td><td class="n">${num(r.decisions.denied, { domain: r.domain }, 'denied decisions')}</td><td class="n">${fmt(r.decisions.error)}</td></tr>`,
  );
  return `<section id="timeline" aria-labelledby="h-timeline"><h2 id="h-timeline">Decisions over time</h2>
<p class="legend"><span class="key ok"></span> allowed <span class="key deny"></span> denied <span class="key err"></span> error</p>
${figures.join('\n')}
${table('t-timeline', `Decisions per ${unit} (UTC) and domain`, [unit === 'day' ? 'Day' : unit === 'week' ? 'Week of' : 'Month', 'Domain', 'Allowed', 'Denied', 'Error'], trs)}</section>`;
}

function logsSection(d: GovernanceData): string {
  if (d.logs.length === 0) return '';
  const rows = d.logs.map(
    (l) =>
      `<tr${attrs({ 'data-status': l.status })}><th scope="row"><code>${esc(l.source)}</code></th><td class="n">${fmt(l.events)}</td><td>${esc(l.from ?? '')}</td><td>${esc(l.to ?? '')}</td><td><span class="badge ${l.status === 'ok' ? 'active' : l.status === 'broken' ? 'expired' : 'unused'}">${l.status === 'ok' ? 'chain ok' : l.status === 'broken' ? `breaks at line ${l.firstBadLine ?? '?'}` : 'not verified'}</span></td><td>${esc(l.message)}</td><td class="n">${fmt(l.skipped)}</td><td class="n">${fmt(l.unreadable)}</td></tr>`,
  );
  return `<section id="logs" aria-labelledby="h-logs"><h2 id="h-logs">Audit logs and their verification</h2>
${table('t-logs', 'Audit logs read (hash chain checked by the audit verifier)', ['Log', 'Events', 'From', 'To', 'Chain', 'Verifier says', 'Other lines', 'Unreadable lines'], rows)}</section>`;
}

function findingsSection(d: GovernanceData): string {
  const rows = d.findings.rows.map(
    (f: FindingRow) =>
      `<tr${attrs({ 'data-domain': f.domain, 'data-kind': f.kind, 'data-rule': ruleId(f), 'data-status': f.status })}><th scope="row"><code>${esc(ruleId(f))}</code></th><td>${esc(f.domain)}</td><td>${esc(f.kind)}</td><td>${esc(f.subject)}</td><td><code>${esc(f.where)}</code></td><td>${esc(f.enforcement)}</td><td><span class="badge s-${f.status}">${f.status}</span></td><td>${esc(f.msg)}</td><td>${f.source}</td></tr>`,
  );
  const note = d.findings.total > d.findings.rows.length ? `the first ${fmt(d.findings.rows.length)} of ${fmt(d.findings.total)}` : '';
  return `<section id="findings" aria-labelledby="h-findings" tabindex="-1"><h2 id="h-findings">Findings</h2>
<p id="status-filter" class="figs" hidden>Showing <strong id="status-name"></strong> findings only. <button type="button" id="status-clear">Show all statuses</button></p>
${table('t-findings', 'Findings (every figure above links here)', ['Rule', 'Domain', 'Kind', 'Subject', 'Where', 'Enforcement', 'Status', 'Message', 'From'], rows, note)}</section>`;
}

function options(values: Iterable<string>): string {
  return [...new Set(values)]
    .sort()
    .map((v) => `<option value="${esc(v)}">${esc(v)}</option>`)
    .join('');
}

const CSS = `
:root{--ok:#1e7b34;--deny:#b3261e;--err:#8a5300;--waived:#5b4bb7;--other:#5f6368;--audit:#0b5cad;--fg:#1b1b1f;--muted:#4a4a52;--line:#c9c9d1;--bg:#fff;--soft:#f3f4f7}
[hidden]{display:none!important}*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,nav{max-width:1180px;margin:0 auto;padding:0 20px}header{padding-top:18px}h1{font-size:1.6rem;margin:.2em 0}h2{font-size:1.25rem;margin:1.6em 0 .5em;border-bottom:2px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin:0}nav ul{list-style:none;padding:0;margin:10px 0;display:flex;flex-wrap:wrap;gap:4px 14px}
a{color:var(--audit)}a:focus-visible,button:focus-visible,select:focus-visible,[tabindex]:focus-visible{outline:3px solid #ffb000;outline-offset:2px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin:12px 0;padding:0}
.cards div{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 12px}.cards dt{font-size:.85rem;color:var(--muted)}.cards dd{margin:0;font-size:1.5rem;font-weight:600}
#filters{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);padding:8px 20px;display:flex;flex-wrap:wrap;gap:10px;align-items:end;max-width:1180px;margin:0 auto}
#filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}select,button{font:inherit;padding:3px 6px;border:1px solid #767680;border-radius:4px;background:#fff;color:var(--fg)}
.scroll{overflow-x:auto;max-height:560px;overflow-y:auto;border:1px solid var(--line);border-radius:4px;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}caption{text-align:left;font-weight:600;padding:6px 8px;background:var(--soft)}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}thead th{position:sticky;top:0;background:#e8e9ee}td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{font-weight:400;color:var(--muted)}code{font-size:.85em;overflow-wrap:anywhere}
figure{margin:8px 0}figcaption{color:var(--muted);font-size:.85rem}.chart{max-width:900px;display:block}
.chart .lbl,.chart .val{font-size:11px;fill:var(--fg)}.chart .axis{stroke:var(--muted)}.chart a:focus rect{stroke:#ffb000;stroke-width:3}
.ok{fill:var(--ok);background:var(--ok)}.deny{fill:var(--deny);background:var(--deny)}.err{fill:var(--err);background:var(--err)}.waived{fill:var(--waived)}.other{fill:var(--other)}.audit{fill:var(--audit)}
.legend .key{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:-1px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:.8rem;color:#fff;background:var(--other)}.badge.active,.badge.s-other{background:var(--ok)}.badge.expiring{background:var(--err)}.badge.expired,.badge.s-failing{background:var(--deny)}.badge.unused{background:var(--other)}.badge.s-waived{background:var(--waived)}
.figs{margin:6px 0}
@media print{#filters{display:none}.scroll{max-height:none}}
`;

const SCRIPT = `
(function(){
  var form=document.getElementById('filters');form.hidden=false;
  var sel={domain:document.getElementById('f-domain'),kind:document.getElementById('f-kind'),rule:document.getElementById('f-rule')};
  var status='';
  function match(el){
    var d=el.dataset;
    if(sel.domain.value&&d.domain!==undefined&&d.domain!==sel.domain.value)return false;
    if(sel.kind.value&&d.kind!==undefined&&d.kind!==sel.kind.value)return false;
    var r=sel.rule.value;
    if(r){if(d.rule!==undefined&&d.rule!==r)return false;if(d.rules!==undefined&&JSON.parse(d.rules).indexOf(r)<0)return false;}
    if(status&&el.closest('#t-findings')&&d.status!==status)return false;
    return true;
  }
  function apply(){
    document.querySelectorAll('table').forEach(function(t){
      var shown=0,rows=t.querySelectorAll('tbody tr:not(.empty)');
      rows.forEach(function(tr){var m=match(tr);tr.hidden=!m;if(m)shown++;});
      var e=t.querySelector('tr.empty');if(e)e.hidden=shown>0;
    });
    document.querySelectorAll('[data-sum]').forEach(function(el){
      var n=0;document.querySelectorAll('#'+el.dataset.sum+' tbody tr:not(.empty)').forEach(function(tr){
        if(tr.hidden)return;if(el.dataset.where&&tr.dataset.layer!==el.dataset.where)return;
        el.dataset.col.split(' ').forEach(function(c){n+=Number(tr.dataset[c]||0);});
      });el.textContent=n.toLocaleString('en-US');
    });
    var dom=sel.domain.value;
    document.querySelectorAll('section').forEach(function(s){
      var figs=s.querySelectorAll('figure[data-chart-domain]');if(!figs.length)return;
      var has=false;figs.forEach(function(f){if(f.dataset.chartDomain===dom)has=true;});
      figs.forEach(function(f){f.hidden=has?f.dataset.chartDomain!==dom:f.dataset.chartDomain!=='*';});
    });
    var sf=document.getElementById('status-filter');sf.hidden=!status;document.getElementById('status-name').textContent=status;
    document.getElementById('f-count').textContent=(sel.domain.value||sel.kind.value||sel.rule.value)?'filtered':'';
  }
  Object.keys(sel).forEach(function(k){sel[k].addEventListener('change',apply);});
  document.getElementById('f-reset').addEventListener('click',function(){sel.domain.value='';sel.kind.value='';sel.rule.value='';status='';apply();});
  document.getElementById('status-clear').addEventListener('click',function(){status='';apply();});
  document.addEventListener('click',function(ev){
    var a=ev.target.closest&&ev.target.closest('a[data-go]');if(!a)return;
    var f=JSON.parse(a.getAttribute('data-go'));
    ['domain','kind','rule'].forEach(function(k){if(f[k]!==undefined){var s=sel[k];var ok=false;for(var i=0;i<s.options.length;i++)if(s.options[i].value===f[k])ok=true;s.value=ok?f[k]:'';}});
    status=f.status||'';apply();
  });
  apply();
})();
`;

/** Renders the whole report. */
export function renderGovernanceHtml(d: GovernanceData): string {
  const domains = chartDomains(d);
  const kinds = [...d.posture.map((p) => p.kind), ...d.rules.rows.map((r) => r.kind)];
  const allDomains = [...d.posture.map((p) => p.domain), ...d.rules.rows.map((r) => r.domain), ...d.timeline.map((t) => t.domain)];
  const rules = [...d.rules.rows.map(ruleId), ...d.findings.rows.map(ruleId)];
  const t = d.totals;
  const checks = d.inputs.filter((i) => i.type === 'check').length;
  const logs = d.inputs.filter((i) => i.type === 'audit').length;
  const card = (label: string, value: number, sum: string, col: string, filter: Parameters<typeof go>[0]): string =>
    `<div><dt>${esc(label)}</dt><dd><a ${go(filter)} data-sum="${sum}" data-col="${col}" id="fig-${col.replace(/ /g, '-')}">${fmt(value)}</a></dd></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>meshgate governance report</title><style>${CSS}</style></head>
<body>
<header><h1>Governance report</h1>
<p class="meta">Generated ${esc(d.generatedAt)} from ${checks} check report${checks === 1 ? '' : 's'} and ${logs} audit log${logs === 1 ? '' : 's'} (${fmt(t.events)} decision events).</p>
<nav aria-label="Sections"><ul><li><a href="#posture">Posture</a></li><li><a href="#rules">Rules</a></li><li><a href="#subjects">Top failing</a></li><li><a href="#waivers">Waivers</a></li><li><a href="#errors">Errors</a></li><li><a href="#timeline">Over time</a></li><li><a href="#logs">Audit logs</a></li><li><a href="#findings">Findings</a></li></ul></nav>
</header>
<form id="filters" aria-label="Filters" hidden onsubmit="return false">
<label for="f-domain">Domain<select id="f-domain"><option value="">all domains</option>${options(allDomains)}</select></label>
<label for="f-kind">Subject kind<select id="f-kind"><option value="">all kinds</option>${options(kinds)}</select></label>
<label for="f-rule">Rule<select id="f-rule"><option value="">all rules</option>${options(rules)}</select></label>
<button type="button" id="f-reset">Reset filters</button><span id="f-count" class="note" aria-live="polite"></span>
</form>
<main>
<section id="summary" aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2>
<dl class="cards">
${card('Subjects checked', t.passed + t.failed + t.errors, 't-posture', 'passed failed errors', {})}
${card('Passed', t.passed, 't-posture', 'passed', {})}
${card('Failed', t.failed, 't-posture', 'failed', { status: 'failing' })}
${card('Input errors', t.errors, 't-posture', 'errors', {})}
${card('Failing findings', t.failingFindings, 't-posture', 'failing', { status: 'failing' })}
${card('Decisions allowed', t.decisions.allowed, 't-posture', 'allowed', {})}
${card('Decisions denied', t.decisions.denied, 't-posture', 'denied', {})}
${card('Decision errors', t.decisions.error, 't-posture', 'error', {})}
</dl></section>
${postureSection(d)}
${rulesSection(d, domains)}
${subjectsSection(d)}
${waiversSection(d)}
${errorsSection(d)}
${timelineSection(d, domains)}
${logsSection(d)}
${findingsSection(d)}
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
