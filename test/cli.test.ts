/**
 * End-to-end tests of the built CLI (`node dist/cli/main.js`) against the real compiled bundles in
 * policies/dist: exit codes, every output format parsed, input errors with file:line, stable order.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

interface JsonReport {
  results: Array<{
    file: string;
    kind: string;
    allowed: boolean;
    findings: Array<{ rule: string; msg: string; level: string; layer: string; enforcement: string; waived: boolean; resource: string | null; location: { file: string; line: number | null; column: number | null } }>;
    error?: { code: string; message: string; location: { file: string; line: number | null; column: number | null } };
  }>;
  summary: { files: number; passed: number; failed: number; errors: number; findings: number };
}

let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('meshgate check: exit codes', () => {
  it('a failing fixtures folder exits 1 and names file:line, layer and rule', async () => {
    const r = await runCli(['check', 'fixtures/cli/failing']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/fixtures\/cli\/failing\/bucket-no-sse\.plan\.json:\d+:\d+\s+DENY\s+global\/pii_bucket_encryption/);
    expect(r.stdout).toMatch(/fixtures\/cli\/failing\/no-owner\.contract\.yaml:\d+:\d+\s+DENY\s+global\/contract_owner_required/);
    expect(r.stdout).toMatch(/2 files checked: 0 passed, 2 failed, 0 errors/);
  });

  it('a clean folder exits 0 and skips files that are neither contract nor plan', async () => {
    const r = await runCli(['check', 'fixtures/cli/clean']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PASS  fixtures/cli/clean/bucket.plan.json (plan)');
    expect(r.stdout).toContain('PASS  fixtures/cli/clean/orders.contract.yaml (contract)');
    expect(r.stdout).not.toContain('README');
    expect(r.stdout).toMatch(/2 files checked: 2 passed, 0 failed, 0 errors/);
  });

  it('a malformed file exits 2 with file:line:col and the error code', async () => {
    const r = await runCli(['check', 'fixtures/cli/malformed/broken.plan.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/fixtures\/cli\/malformed\/broken\.plan\.json:5:\d+: .*\[MG_PLAN_JSON_SYNTAX\]/);
    const y = await runCli(['check', 'fixtures/cli/malformed/broken.contract.yaml', '--format', 'json']);
    expect(y.code).toBe(2);
    expect(y.stderr).toMatch(/fixtures\/cli\/malformed\/broken\.contract\.yaml:\d+:\d+: .*\[MG_CONTRACT_SYNTAX\]/);
    const report = JSON.parse(y.stdout) as JsonReport;
    expect(report.results[0]?.error?.location.line).toBeGreaterThan(0);
  });

  it('a file named explicitly that is neither contract nor plan is an input error', async () => {
    const r = await runCli(['check', 'fixtures/cli/clean/README.md']);
    expect(r.code).toBe(2);
  });

  it('usage errors exit 2: unknown option, bad --format, missing path, no operands', async () => {
    for (const args of [['check', '--bogus', 'x'], ['check', '--format', 'xml', 'fixtures/cli/clean'], ['check', 'no/such/path.yaml'], ['check'], ['frobnicate']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
  });

  it('--fail-on hard lets advisory findings pass and still fails hard ones', async () => {
    const r = await runCli(['check', 'fixtures/cli/failing', '--fail-on', 'hard', '--format', 'json']);
    expect(r.code).toBe(1);
    const adv = await runCli(['check', 'fixtures/contracts/sales-processed-orders.json', '--format', 'json']);
    const rep = JSON.parse(adv.stdout) as JsonReport;
    expect(rep.results[0]?.findings.some((f) => f.enforcement === 'advisory')).toBe(true);
    expect(adv.code).toBe(0);
    const strict = await runCli(['check', 'fixtures/contracts/sales-processed-orders.json', '--fail-on', 'advisory']);
    expect(strict.code).toBe(1);
  });

  it('--version and --help', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await runCli(['--version'])).stdout.trim()).toBe(pkg.version);
    for (const cmd of ['check', 'authorize', 'diff', 'audit']) {
      const r = await runCli([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/usage: meshgate/);
    }
    expect((await runCli(['--help'])).stdout).toContain('commands:');
  });
});

describe('meshgate check: formats', () => {
  const args = ['check', 'fixtures/cli/clean', 'fixtures/cli/failing', 'fixtures/cli/malformed/broken.plan.json'];

  it('json: the documented shape, in stable input order, identical across --jobs', async () => {
    const r = await runCli([...args, '--format', 'json', '--jobs', '2']);
    expect(r.code).toBe(2);
    const rep = JSON.parse(r.stdout) as JsonReport;
    expect(rep.results.map((x) => x.file)).toEqual([
      'fixtures/cli/clean/bucket.plan.json',
      'fixtures/cli/clean/orders.contract.yaml',
      'fixtures/cli/failing/bucket-no-sse.plan.json',
      'fixtures/cli/failing/no-owner.contract.yaml',
      'fixtures/cli/malformed/broken.plan.json',
    ]);
    expect(rep.summary).toEqual({ files: 5, passed: 2, failed: 2, errors: 1, findings: rep.results.reduce((n, x) => n + x.findings.length, 0) });
    const sse = rep.results[2]!;
    expect(sse.kind).toBe('plan');
    expect(sse.allowed).toBe(false);
    const f = sse.findings.find((x) => x.rule === 'pii_bucket_encryption')!;
    expect(Object.keys(f).sort()).toEqual(['enforcement', 'failing', 'layer', 'level', 'location', 'msg', 'resource', 'rule', 'waived', 'waiver']);
    expect(f).toMatchObject({ level: 'deny', layer: 'global', enforcement: 'hard', waived: false, failing: true, waiver: null, resource: 'aws_s3_bucket.orders' });
    expect(rep.results[3]).toMatchObject({ domain: 'sales', subject: 'refunds_daily' });
    expect(rep.results[4]).toMatchObject({ domain: null, subject: null });
    expect(f.location.file).toBe('fixtures/cli/failing/bucket-no-sse.plan.json');
    expect(f.location.line).toBeGreaterThan(1);
    expect(rep.results[4]!.error).toMatchObject({ code: 'MG_PLAN_JSON_SYNTAX', location: { file: 'fixtures/cli/malformed/broken.plan.json', line: 5 } });
    const inline = await runCli([...args, '--format', 'json', '--jobs', '1']);
    const strip = (s: string): unknown => JSON.parse(s);
    expect(strip(inline.stdout)).toEqual(strip(r.stdout));
  });

  it('sarif: 2.1.0 with rules, levels and physical locations', async () => {
    const r = await runCli([...args, '--format', 'sarif']);
    const log = JSON.parse(r.stdout) as {
      $schema: string;
      version: string;
      runs: Array<{
        tool: { driver: { name: string; version: string; informationUri: string; rules: Array<{ id: string; shortDescription: { text: string }; defaultConfiguration: { level: string }; properties: { layer: string } }> } };
        invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: Array<{ message: { text: string } }> }>;
        results: Array<{ ruleId: string; level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }> }>;
      }>;
    };
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('meshgate');
    expect(run.tool.driver.informationUri).toMatch(/^https:\/\//);
    const ids = run.tool.driver.rules.map((x) => x.id);
    expect(ids).toContain('global/pii_bucket_encryption');
    for (const rule of run.tool.driver.rules) {
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration.level);
      expect(rule.properties.layer).toBe(rule.id.split('/')[0]);
      expect(rule.shortDescription.text.length).toBeGreaterThan(0);
    }
    expect(run.results.length).toBeGreaterThan(0);
    for (const res of run.results) {
      expect(ids).toContain(res.ruleId);
      expect(['error', 'warning', 'note']).toContain(res.level);
      expect(res.message.text.length).toBeGreaterThan(0);
      const pl = res.locations[0]!.physicalLocation;
      expect(pl.artifactLocation.uri).toMatch(/^fixtures\/cli\/[a-z]+\/[\w.-]+$/);
      expect(pl.region.startLine).toBeGreaterThanOrEqual(1);
      expect(pl.region.startColumn).toBeGreaterThanOrEqual(1);
    }
    const sse = run.results.find((x) => x.ruleId === 'global/pii_bucket_encryption')!;
    expect(sse.level).toBe('error');
    expect(sse.locations[0]!.physicalLocation.artifactLocation.uri).toBe('fixtures/cli/failing/bucket-no-sse.plan.json');
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
    expect(run.invocations[0]!.toolExecutionNotifications[0]!.message.text).toContain('MG_PLAN_JSON_SYNTAX');
  });

  it('junit: one testcase per file and rule, failures for failing findings, errors for broken inputs', async () => {
    const r = await runCli([...args, '--format', 'junit']);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(r.stdout) as {
      testsuites: { '@_failures': string; '@_errors': string; testsuite: Array<{ '@_name': string; testcase: Array<{ '@_name': string; failure?: { '@_message': string; '#text': string }; error?: unknown }> }> };
    };
    const suites = xml.testsuites.testsuite;
    expect(suites.map((s) => s['@_name'])).toHaveLength(5);
    const owner = suites.find((s) => s['@_name'] === 'fixtures/cli/failing/no-owner.contract.yaml')!;
    const tc = owner.testcase.find((t) => t['@_name'] === 'global/contract_owner_required')!;
    expect(tc.failure?.['#text']).toMatch(/no-owner\.contract\.yaml:\d+:\d+ DENY/);
    const clean = suites.find((s) => s['@_name'] === 'fixtures/cli/clean/bucket.plan.json')!;
    expect(clean.testcase[0]!['@_name']).toBe('compliance');
    expect(clean.testcase[0]!.failure).toBeUndefined();
    const broken = suites.find((s) => s['@_name'] === 'fixtures/cli/malformed/broken.plan.json')!;
    expect(broken.testcase[0]!.error).toBeDefined();
    expect(Number(xml.testsuites['@_failures'])).toBe(2);
    expect(Number(xml.testsuites['@_errors'])).toBe(1);
  });

  it('github: workflow commands with file, line, col and title', async () => {
    const r = await runCli([...args, '--format', 'github']);
    const cmds = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(cmds.length).toBeGreaterThanOrEqual(3);
    for (const c of cmds) expect(c).toMatch(/^::(error|warning|notice) file=[^,:]+(,line=\d+)?(,col=\d+)?,title=[^:]+::.+$/);
    expect(cmds).toContainEqual(expect.stringMatching(/^::error file=fixtures\/cli\/failing\/bucket-no-sse\.plan\.json,line=\d+,col=\d+,title=meshgate global\/pii_bucket_encryption::/));
    expect(cmds).toContainEqual(expect.stringMatching(/^::error file=fixtures\/cli\/malformed\/broken\.plan\.json,line=5,col=\d+,title=meshgate MG_PLAN_JSON_SYNTAX::/));
  });

  it('--output writes the report to a file and the summary to stderr', async () => {
    const out = join(tmp, 'report.json');
    const r = await runCli(['check', 'fixtures/cli/failing', '--format', 'json', '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect((JSON.parse(readFileSync(out, 'utf8')) as JsonReport).summary.failed).toBe(2);
    expect(r.stderr).toMatch(/2 files checked/);
  });

  it('--audit-log writes one hash-chained event per file that audit verify accepts, in input order', async () => {
    const log = join(tmp, 'audit.jsonl');
    const r = await runCli(['check', 'fixtures/cli/clean', 'fixtures/cli/failing', '--audit-log', log, '--jobs', '2']);
    expect(r.code).toBe(1);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    const files = lines.map((l) => JSON.stringify(JSON.parse(l)));
    expect(files[0]).toContain('bucket.plan.json');
    expect(files[3]).toContain('no-owner.contract.yaml');
    const v = await runCli(['audit', 'verify', log]);
    expect(v.code).toBe(0);
  });
});

describe('meshgate authorize', () => {
  it('decides one request file', async () => {
    const r = await runCli(['authorize', 'fixtures/requests/seed-marketing-public.json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as { allowed: boolean; kind: string };
    expect(d).toMatchObject({ kind: 'access', allowed: true });
  });

  it('streams 10 000 NDJSON requests to NDJSON decisions with bad lines reported and memory bounded', async () => {
    const allow = JSON.stringify({ user: { id: 'alice', department: 'marketing' }, action: 'read', data_product: { id: 'campaign_stats', classification: 'public' } });
    const deny = JSON.stringify({ user: { id: 'bob', department: 'sales' }, action: 'read', data_product: { id: 'payroll', classification: 'restricted' } });
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(i === 4321 ? '{not json' : i % 2 === 0 ? allow : deny);
    const r = await runCli(['authorize', '-'], { input: `${lines.join('\n')}\n`, env: { MESHGATE_REPORT_MAXRSS: '1' } });
    expect(r.code).toBe(2); // one bad line
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; allowed?: boolean; error?: { code: string } });
    expect(out).toHaveLength(10_000);
    expect(out.map((o) => o.line)).toEqual(lines.map((_, i) => i + 1));
    expect(out[4321]!.error?.code).toBe('MG_INPUT_JSON_SYNTAX');
    expect(out[0]!.allowed).toBe(true);
    expect(out[1]!.allowed).toBe(false);
    const rss = Number(/peak rss (\d+) bytes/.exec(r.stderr)?.[1]);
    console.log(`meshgate authorize -: 10 000 requests, peak RSS ${(rss / 1024 / 1024).toFixed(1)} MB`);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(300 * 1024 * 1024);
  });

  it('MESHGATE_REPORT_MAXRSS reports the peak of the CLI process itself, not of the process that spawned it', async () => {
    // on Linux, getrusage's maxrss survives exec: a child of a 256 MB parent reported at least 256 MB
    const ballast = Buffer.alloc(256 * 1024 * 1024, 1);
    const r = await runCli(['--version'], { env: { MESHGATE_REPORT_MAXRSS: '1' } });
    const rss = Number(/peak rss (\d+) bytes/.exec(r.stderr)?.[1]);
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(200 * 1024 * 1024);
  });

  it('--fail-on-deny exits 1 when a request is denied', async () => {
    const deny = JSON.stringify({ user: { id: 'bob' }, action: 'read', data_product: { id: 'payroll', classification: 'restricted' } });
    expect((await runCli(['authorize', '-'], { input: `${deny}\n` })).code).toBe(0);
    expect((await runCli(['authorize', '-', '--fail-on-deny'], { input: `${deny}\n` })).code).toBe(1);
  });
});

describe('meshgate diff', () => {
  it('classifies a removed field as breaking and fails without a major bump', async () => {
    const oldFile = 'fixtures/cli/diff/orders-v1.yaml';
    const r = await runCli(['diff', oldFile, 'fixtures/cli/diff/orders-v1.1-removed-field.yaml', '--format', 'json']);
    const j = JSON.parse(r.stdout) as { changes: Array<{ kind: string; classification: string; field: string }>; version_bump_ok: boolean; result: { allowed: boolean } };
    expect(j.changes).toContainEqual(expect.objectContaining({ kind: 'field_removed', classification: 'breaking', field: 'order_total' }));
    expect(j.version_bump_ok).toBe(false);
    expect(r.code).toBe(j.result.allowed ? 0 : 1);
    const ok = await runCli(['diff', oldFile, 'fixtures/cli/diff/orders-v1.1-added-optional.yaml']);
    expect(ok.stdout).toMatch(/compatible\s+\S+:\d+:\d+\s+field_added_optional/);
    expect(ok.code).toBe(0);
  });
});
