/**
 * The governance report without a browser: aggregation of check reports and audit logs (real audit trail,
 * real verifier), bounded top-N tables, waiver states, masking, escaping of hostile input, tolerance of
 * unknown audit line types, and input errors.
 */
import { Readable } from 'node:stream';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, MASKED, jsonlSink } from '../src/audit/index.js';
import { GovernanceAggregator, readInput, renderGovernanceHtml, renderGovernanceMarkdown, type GovernanceData } from '../src/report/governance/index.js';
import { isMeshgateError } from '../src/errors.js';
import type { JsonReport } from '../src/report/json.js';
import { deniedContractDecision, makeDecision } from './helpers/audit-decisions.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const opts = { stdin: Readable.from([]) };
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshgate-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function finding(rule: string, layer: string, extra: Partial<JsonReport['results'][number]['findings'][number]> = {}): JsonReport['results'][number]['findings'][number] {
  return { rule, msg: `${rule} failed`, level: 'deny', layer, enforcement: 'hard', waived: false, failing: true, waiver: null, resource: null, location: { file: 'x.yaml', line: 3, column: 1 }, ...extra };
}

function checkReport(): JsonReport {
  return {
    skipped: [],
    results: [
      { file: 'a.yaml', kind: 'contract', domain: 'sales', subject: 'orders', allowed: false, findings: [finding('owner_required', 'global', { location: { file: 'a.yaml', line: 2, column: 1 } }), finding('retention', 'sales', { enforcement: 'soft' })] },
      { file: 'b.yaml', kind: 'contract', domain: 'sales', subject: 'refunds', allowed: true, findings: [finding('owner_required', 'global', { waived: true, failing: false, waiver: { id: 'W-1', expires: '2026-06-10', scope: 'global' } })] },
      { file: 'c.yaml', kind: 'contract', domain: 'finance', subject: 'ledger', allowed: true, findings: [] },
      { file: 'p.json', kind: 'plan', domain: null, subject: 'p.json', allowed: false, findings: [finding('pii_bucket_encryption', 'global', { resource: 'aws_s3_bucket.raw', location: { file: 'p.json', line: 34, column: 5 } })] },
      { file: 'bad.json', kind: 'plan', domain: null, subject: null, allowed: false, findings: [], error: { code: 'MG_PLAN_JSON_SYNTAX', message: 'bad', location: { file: 'bad.json', line: 5, column: 36 } } },
    ],
    summary: { files: 5, passed: 2, failed: 2, errors: 1, findings: 4 },
  };
}

async function writeLog(name: string, record: (t: AuditTrail) => void, maskFields: string[] = []): Promise<string> {
  const path = join(dir, name);
  const trail = new AuditTrail({ sinks: [jsonlSink(path)], version: 't', onSinkFailure: 'fail', maskFields, now: () => new Date('2026-05-30T10:00:00Z') });
  record(trail);
  await trail.close();
  return path;
}

describe('aggregation of check reports', () => {
  let data: GovernanceData;
  beforeAll(() => {
    const agg = new GovernanceAggregator({ now: NOW, expiringDays: 14 });
    agg.addCheckReport(checkReport(), 'check.json');
    agg.addDeclaredWaivers([
      { id: 'W-1', scope: 'global', rule: 'global/owner_required', expires: '2026-06-10', expiresAt: Date.parse('2026-06-11T00:00:00Z'), where: 'waivers.yaml:2:3' },
      { id: 'W-old', scope: 'global', rule: 'global/x', expires: '2026-01-31', expiresAt: Date.parse('2026-02-01T00:00:00Z') },
      { id: 'W-idle', scope: 'sales', rule: 'sales/retention', expires: '2030-01-01', expiresAt: Date.parse('2030-01-02T00:00:00Z') },
    ]);
    data = agg.finish();
  });

  it('counts posture per domain and kind', () => {
    expect(data.totals).toMatchObject({ subjects: 5, passed: 2, failed: 2, errors: 1, failingFindings: 3 });
    const sales = data.posture.find((p) => p.domain === 'sales' && p.kind === 'contract');
    expect(sales).toMatchObject({ passed: 1, failed: 1, errors: 0, failing: { hard: 1, soft: 1, advisory: 0 } });
    // check reports say `plan`, audit events `terraform`: one name in the report
    expect(data.posture.find((p) => p.domain === '(none)')?.kind).toBe('terraform');
  });

  it('lists rules by layer with failing and waived counts', () => {
    const owner = data.rules.rows.filter((r) => r.rule === 'owner_required');
    expect(owner.reduce((n, r) => n + r.failing, 0)).toBe(1);
    expect(owner.reduce((n, r) => n + r.waived, 0)).toBe(1);
    expect(data.rules.rows.find((r) => r.rule === 'retention')?.layer).toBe('sales');
  });

  it('names top failing subjects and resources with file:line', () => {
    expect(data.subjects.rows.find((s) => s.subject === 'orders')).toMatchObject({ count: 2, where: 'a.yaml:2:1', domain: 'sales' });
    expect(data.subjects.rows.find((s) => s.subject === 'aws_s3_bucket.raw')).toMatchObject({ kind: 'resource', where: 'p.json:34:5' });
  });

  it('gives each waiver its state at report time', () => {
    const state = Object.fromEntries(data.waivers.map((w) => [w.id, [w.status, w.uses]]));
    expect(state).toEqual({ 'W-1': ['expiring', 1], 'W-old': ['expired', 0], 'W-idle': ['unused', 0] });
  });

  it('counts errors by code with their location', () => {
    expect(data.errors.rows).toEqual([expect.objectContaining({ code: 'MG_PLAN_JSON_SYNTAX', count: 1, where: 'bad.json:5:36' })]);
  });

  it('markdown summary carries the totals and escapes markup', () => {
    const md = renderGovernanceMarkdown(data);
    expect(md).toContain('**5** subjects checked: **2** passed, **2** failed, **1** errors; **3** failing findings');
    expect(md).toContain('| W-old | global | global/x | 2026-01-31 | expired |');
  });
});

describe('bounded streaming aggregation', () => {
  it('keeps only the top rows, with exact counts for the heavy hitters', () => {
    const agg = new GovernanceAggregator({ now: NOW, top: 10 });
    const log = agg.startLog('synthetic');
    for (let i = 0; i < 60_000; i++) {
      // 5 heavy subjects (1 000 denials each) among 55 000 distinct one-off subjects
      const heavy = i < 5_000;
      const subject = heavy ? `heavy-${i % 5}` : `rare-${i}`;
      agg.addAuditLine({ decision_id: `d${i}`, kind: 'contract', subject, domain: `d${i % 3}`, timestamp: '2026-05-01T00:00:00Z', outcome: 'denied', result: { details: [], errors: [] }, waivers: [] }, log);
    }
    const data = agg.finish();
    expect(data.subjects.rows.length).toBe(10);
    expect(data.subjects.approximate).toBe(true);
    for (let k = 0; k < 5; k++) expect(data.subjects.rows[k]).toMatchObject({ subject: `heavy-${k}`, count: 1000 });
    expect(data.totals.decisions.denied).toBe(60_000);
    expect(data.timeline.reduce((n, r) => n + r.decisions.denied, 0)).toBe(60_000);
  });

  it('caps the findings list and says how many there were', () => {
    const agg = new GovernanceAggregator({ now: NOW, findings: 3 });
    for (let i = 0; i < 4; i++) agg.addCheckReport(checkReport(), `c${i}.json`);
    const d = agg.finish();
    expect(d.findings.rows).toHaveLength(3);
    expect(d.findings.total).toBe(16);
    expect(renderGovernanceHtml(d)).toContain('the first 3 of 16');
  });
});

describe('audit logs', () => {
  it('reads a real log, verifies its chain with the audit verifier, and counts outcomes over time', async () => {
    const path = await writeLog('ok.jsonl', (t) => {
      t.record(makeDecision('contract', { domain: 'sales' }), {});
      t.record(deniedContractDecision(), {});
      t.record(makeDecision('access', { outcome: 'error', allowed: false, errors: [{ code: 'MG_POLICY_EVAL', message: 'boom' }] }), {});
    });
    const agg = new GovernanceAggregator({ now: NOW });
    expect(await readInput(agg, 'ok.jsonl', path, opts)).toBe('audit');
    const d = agg.finish();
    expect(d.logs[0]).toMatchObject({ events: 3, status: 'ok', from: '2026-05-30T10:00:00.000Z' });
    expect(d.totals.decisions).toEqual({ allowed: 1, denied: 1, error: 1 });
    expect(d.timeline.find((r) => r.domain === 'customer' && r.kind === 'contract')?.decisions).toEqual({ allowed: 0, denied: 1, error: 0 });
    expect(d.errors.rows[0]).toMatchObject({ code: 'MG_POLICY_EVAL', kind: 'access' });
    expect(d.waivers).toEqual([expect.objectContaining({ id: 'W-12', rule: 'customer/retention_7y', uses: 1 })]);
    expect(renderGovernanceHtml(d)).toContain('chain ok');
  });

  it('shows where an edited log breaks', async () => {
    const path = await writeLog('edited.jsonl', (t) => {
      for (let i = 0; i < 4; i++) t.record(makeDecision('contract'), {});
    });
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[2] = lines[2]!.replace('"outcome":"allowed"', '"outcome":"denied"');
    await writeFile(path, lines.join('\n'));
    const agg = new GovernanceAggregator({ now: NOW });
    await readInput(agg, 'edited.jsonl', path, opts);
    const d = agg.finish();
    expect(d.logs[0]).toMatchObject({ status: 'broken', firstBadLine: 3 });
    expect(renderGovernanceHtml(d)).toContain('breaks at line 3');
  });

  it('skips checkpoint and unknown line types instead of counting them as decisions', async () => {
    const path = await writeLog('mixed.jsonl', (t) => t.record(makeDecision('contract'), {}));
    const text = await readFile(path, 'utf8');
    await writeFile(path, `${text}{"type":"checkpoint","seq":1,"head":"abc"}\n{"type":"something-newer"}\nnot json\n`);
    const agg = new GovernanceAggregator({ now: NOW });
    await readInput(agg, 'mixed.jsonl', path, opts);
    expect(agg.finish().logs[0]).toMatchObject({ events: 1, skipped: 2, unreadable: 1 });
  });

  it('verifies a log read from stdin on its own, and says that its rotated files were not checked', async () => {
    const path = await writeLog('stdin.jsonl', (t) => {
      for (let i = 0; i < 3; i++) t.record(makeDecision('contract'), {});
    });
    const text = await readFile(path, 'utf8');
    const agg = new GovernanceAggregator({ now: NOW });
    await readInput(agg, '(stdin)', undefined, { stdin: Readable.from([text.slice(0, 100), text.slice(100)]) });
    const row = agg.finish().logs[0]!;
    expect(row).toMatchObject({ status: 'ok', events: 3 });
    expect(row.message).toMatch(/chain intact.*read from stdin: verified on its own, not against its rotated files/);
    const broken = new GovernanceAggregator({ now: NOW });
    await readInput(broken, '(stdin)', undefined, { stdin: Readable.from([text.replace('"outcome":"allowed"', '"outcome":"denied"')]) });
    expect(broken.finish().logs[0]).toMatchObject({ status: 'broken', firstBadLine: 1 });
  });

  it('counts an over-long line of an audit log as unreadable and shows the chain breaking there', async () => {
    const path = await writeLog('long-line.jsonl', (t) => {
      for (let i = 0; i < 2; i++) t.record(makeDecision('contract'), {});
    });
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, `${lines[0]}\n{"x":"${'y'.repeat(20_000)}"}\n${lines[1]}\n`);
    const agg = new GovernanceAggregator({ now: NOW });
    await readInput(agg, 'long-line.jsonl', path, { ...opts, maxCheckBytes: 10_000 });
    expect(agg.finish().logs[0]).toMatchObject({ status: 'broken', firstBadLine: 2, events: 2, unreadable: 1 });
  });

  it('never shows a value the audit trail masks', async () => {
    const secret = 'jane.doe@example.com';
    const decision = makeDecision('access', {
      subject: 'u-42 -> customer_profile', // structural fields are never rewritten by masking (the audit trail scrubs free text only)
      allowed: false,
      outcome: 'denied',
      findings: [{ rule: 'pii_reader', msg: `user ${secret} may not read PII`, level: 'deny', enforcement: 'hard', layer: 'global', waived: false, resource: 'customer_profile' }],
      errors: [{ code: 'MG_POLICY_EVAL', message: `while checking ${secret}` }],
    });
    const path = await writeLog('masked.jsonl', (t) => t.record(decision, { request: { user: { email: secret } } }), ['email']);
    expect(await readFile(path, 'utf8')).not.toContain(secret);
    const agg = new GovernanceAggregator({ now: NOW });
    await readInput(agg, 'masked.jsonl', path, opts);
    const d = agg.finish();
    const html = renderGovernanceHtml(d);
    const md = renderGovernanceMarkdown(d);
    expect(html).not.toContain(secret);
    expect(md).not.toContain(secret);
    expect(html).toContain(`user ${MASKED} may not read PII`);
    expect(html).toContain('u-42 -&gt; customer_profile');
  });
});

describe('hostile input', () => {
  it('escapes everything from input: no markup of the input survives in HTML or markdown', () => {
    const evil = '<script>alert("x")</script>';
    const attr = '"><img src=x onerror=alert(1)>';
    const r = checkReport();
    r.results[0]!.subject = evil;
    r.results[0]!.domain = attr;
    r.results[0]!.findings[0]!.msg = `${evil} | [link](javascript:alert(1))`;
    r.results[0]!.findings[0]!.rule = `rule${attr}`;
    const agg = new GovernanceAggregator({ now: NOW });
    agg.addCheckReport(r, `dir/${evil}.json`);
    const log = agg.startLog(`log${evil}`);
    agg.addAuditLine({ decision_id: 'x', kind: evil, subject: evil, domain: attr, timestamp: '2026-05-01T00:00:00Z', outcome: 'denied', result: { details: [{ rule: `global:${evil}`, msg: evil }], errors: [{ code: evil, message: evil }] }, waivers: [{ id: evil, rule: evil, expires: evil, scope: evil }] }, log);
    const d = agg.finish();
    const html = renderGovernanceHtml(d);
    expect(html.match(/<script/g)).toHaveLength(1); // the report's own script only
    expect(html).not.toContain('<img');
    expect(html).not.toContain('alert("x")');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const md = renderGovernanceMarkdown(d);
    expect(md).not.toContain('<script');
    expect(md).not.toContain('<img');
    expect(md).not.toMatch(/[^\\]\[link\]/);
  });
});

describe('input errors', () => {
  it('refuses a JSON file that is not a check report, naming it', async () => {
    const path = join(dir, 'other.json');
    await writeFile(path, '{\n  "hello": 1\n}\n');
    const agg = new GovernanceAggregator();
    const e = await readInput(agg, 'other.json', path, opts).catch((x: unknown) => x);
    expect(isMeshgateError(e) && e.code === 'MG_REPORT_INPUT' && e.location?.file === 'other.json').toBe(true);
  });

  it('refuses text that is neither JSON nor JSONL', async () => {
    const path = join(dir, 'notes.log');
    await writeFile(path, 'hello\nworld\n');
    const e = await readInput(new GovernanceAggregator(), 'notes.log', path, opts).catch((x: unknown) => x);
    expect(isMeshgateError(e) && e.code === 'MG_REPORT_INPUT').toBe(true);
  });

  it('reads a compact one-line check report as a check report, not as an audit log', async () => {
    const path = join(dir, 'compact.json');
    await writeFile(path, JSON.stringify(checkReport()));
    const agg = new GovernanceAggregator({ now: NOW });
    expect(await readInput(agg, 'compact.json', path, opts)).toBe('check');
    expect(agg.finish().totals.subjects).toBe(5);
  });
});

describe('meshgate report in process (runReport)', () => {
  const io = (): { io: import('../src/cli/io.js').CliIo; out: string[]; err: string[] } => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), stdoutStream: process.stdout, stdin: Readable.from([]), stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: dir },
    };
  };

  it('refuses bad option values with a usage error', async () => {
    const { runReport } = await import('../src/cli/report.js');
    for (const args of [['x', '--now', 'yesterday'], ['x', '--expiring-days', '-1'], ['x', '--top', '1.5'], ['x', '--format', 'pdf']]) {
      const e = await runReport(args, io().io).catch((x: unknown) => x);
      expect(isMeshgateError(e) && e.code === 'MG_CLI_USAGE').toBe(true);
    }
  });

  it('warns on stderr, with file and line, when a log chain is broken, and still writes the report', async () => {
    const path = await writeLog('broken-cli.jsonl', (t) => {
      for (let i = 0; i < 3; i++) t.record(makeDecision('contract'), {});
    });
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines.splice(1, 1); // delete the second line
    await writeFile(path, lines.join('\n'));
    const { runReport } = await import('../src/cli/report.js');
    const r = io();
    expect(await runReport(['broken-cli.jsonl', '--format', 'markdown'], r.io)).toBe(0);
    expect(r.err.join('')).toMatch(/broken-cli\.jsonl:2: audit log chain is broken/);
    expect(r.out.join('')).toContain('| broken-cli.jsonl | 2 | breaks at line 2 |');
  });

  it('shows "breaks at line N" in the HTML for a tampered log of several read chunks given on the command line', async () => {
    const n = 3000; // about 2.5 MB: the verifier reads it in 1 MiB chunks, lines split across them
    const path = await writeLog('long-broken.jsonl', (t) => {
      for (let i = 0; i < n; i++) t.record(makeDecision('contract'), {});
    });
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.join('\n').length).toBeGreaterThan(2 * 1024 * 1024);
    lines[n - 3] = lines[n - 3]!.replace('"outcome":"allowed"', '"outcome":"denied"'); // near the end
    await writeFile(path, lines.join('\n'));
    const { runReport } = await import('../src/cli/report.js');
    const r = io();
    expect(await runReport(['long-broken.jsonl', '--output', 'long-broken.html'], r.io)).toBe(0);
    const html = await readFile(join(dir, 'long-broken.html'), 'utf8');
    expect(html).toContain(`breaks at line ${n - 2}`);
    expect(html).toContain(`line ${n - 2}: hash mismatch`);
    expect(html).not.toContain('not verified');
    expect(r.err.join('')).toMatch(new RegExp(`long-broken\\.jsonl:${n - 2}: audit log chain is broken`));
  });

  it('has no --verify-max-mb option any more', async () => {
    const { runReport } = await import('../src/cli/report.js');
    const e = await runReport(['x', '--verify-max-mb', '1'], io().io).catch((x: unknown) => x);
    expect(isMeshgateError(e) && e.code === 'MG_CLI_USAGE').toBe(true);
  });

  it('checks the links between rotated files given together: a tail cut from audit.log.1 breaks its row', async () => {
    const sub = join(dir, 'rotated');
    const path = join(sub, 'audit.log');
    const trail = new AuditTrail({ sinks: [jsonlSink(path, { maxBytes: 4000 })], version: 't', onSinkFailure: 'fail', now: () => new Date('2026-05-30T10:00:00Z') });
    for (let i = 0; i < 12; i++) trail.record(makeDecision('contract'), {});
    await trail.close();
    const files = ['audit.log.1', 'audit.log.2', 'audit.log'].map((f) => join('rotated', f));
    const { runReport } = await import('../src/cli/report.js');
    const intact = io();
    expect(await runReport([...files, '--format', 'markdown'], intact.io)).toBe(0);
    expect(intact.out.join('')).not.toContain('breaks at');
    const folder = io();
    expect(await runReport(['rotated', '--format', 'markdown'], folder.io)).toBe(0); // a folder finds the rotated files too
    for (const f of files) expect(folder.out.join('')).toContain(`| ${f} |`);
    expect(await runReport([files[2]!, '--format', 'markdown'], intact.io)).toBe(0); // the live file alone is a window: fine
    const first = join(sub, 'audit.log.1');
    const lines = (await readFile(first, 'utf8')).split('\n');
    expect(lines.length).toBeGreaterThan(3);
    await writeFile(first, `${lines.slice(0, -3).join('\n')}\n`); // the file's own chain stays intact
    const cut = io();
    expect(await runReport([...files, '--format', 'markdown'], cut.io)).toBe(0);
    const out = cut.out.join('');
    expect(out).toContain(`| rotated/audit.log.1 | ${lines.length - 3} | breaks at line ${lines.length - 3} |`);
    expect(cut.err.join('')).toMatch(/rotated\/audit\.log\.1:\d+: audit log chain is broken: rotated\/audit\.log\.1: truncated: seq \d+\.\.\d+ are missing at its end/);
  });
});
