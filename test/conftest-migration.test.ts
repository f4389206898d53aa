/**
 * docs/migrating-from-conftest.md, made executable: a public conftest policy set (cds-snc/opa_checks,
 * Rego v0, `package main` with `deny_*`/`warn_*` rules) runs unchanged under meshgate through the
 * small adapter in fixtures/conftest/adapter.rego, against the corpus plans it targets (cds-snc's own
 * terraform-plan fixtures) and a few more AWS plans; its findings must equal `opa eval --v0-compatible`
 * of `data.main` over the same files and inputs. The corpus files are copied to a temp dir at test time,
 * never into the project.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPolicies, createEngine, type Engine } from '../src/index.js';
import { CORPUS, FIXTURES, HAVE_OPA, IN_CI, OPA } from './helpers/paths.js';
import { ensureBuilt, runCli } from './helpers/cli.js';

const POLICY_SET = join(CORPUS, 'rego', 'cds-snc__opa_checks', 'aws_terraform');
const PLANS = [
  // the plans the policy set's own action (cds-snc/terraform-plan) is tested with
  'cds-snc__terraform-plan__changes-open-tofu_tfplan.json',
  'cds-snc__terraform-plan__import-open-tofu_import.json',
  'cds-snc__terraform-plan__moved-resources-open-tofu_moved.json',
  'cds-snc__terraform-plan__skip-conftest-open-tofu_tfplan.json',
  // more AWS plans where the set has something to say
  'infracost__infracost__infracost_terraform_v0.14_plan.json',
  'terraform-compliance__cli__test_issue-456_plan.out.json',
  'terraform-compliance__cli__test_issue-294_plan.out.json',
  'fugue__regula__s3_bucketpolicy_allowlist_infra.json',
  'snyk__policy-engine__tfplan_modules_plan.json',
  'StackGuardian__tirith__input_instance_deps_s3.json',
];

const ready = HAVE_OPA && existsSync(POLICY_SET);
if (!ready && IN_CI) throw new Error(`conftest migration test needs ${OPA} and ${POLICY_SET} in CI`);
if (!ready) console.log(`skipping conftest migration test: ${HAVE_OPA ? `corpus not found at ${POLICY_SET}` : `OPA not found at ${OPA}`}`);

type Row = { level: 'deny' | 'warn'; rule: string; msg: string };
const key = (r: Row): string => `${r.level}|${r.rule}|${r.msg}`;

/** What conftest reports for one plan: every deny/violation/warn rule of `package main`, via the real OPA. */
function opaEvalConftest(policyDir: string, planFile: string): Row[] {
  const out = execFileSync(OPA, ['eval', '--v0-compatible', '--format', 'json', '--ignore', '*_test.rego', '-d', policyDir, '-i', planFile, 'data.main'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const doc = (JSON.parse(out) as { result: Array<{ expressions: Array<{ value: Record<string, unknown> }> }> }).result[0]?.expressions[0]?.value ?? {};
  const rows: Row[] = [];
  for (const [name, results] of Object.entries(doc)) {
    const level = /^(deny|violation)(_|$)/.test(name) ? 'deny' : /^warn(_|$)/.test(name) ? 'warn' : undefined;
    if (!level || !Array.isArray(results)) continue;
    for (const r of results) rows.push({ level, rule: `main.${name}`, msg: typeof r === 'string' ? r : String((r as { msg: unknown }).msg) });
  }
  return rows;
}

describe.skipIf(!ready)('a conftest policy set (cds-snc/opa_checks, Rego v0) under meshgate', () => {
  let work: string;
  let engine: Engine;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'meshgate-conftest-'));
    const global = join(work, 'policies', 'global');
    // the policy set, unchanged (its own *_test.rego files stay out of the bundle)
    cpSync(POLICY_SET, global, { recursive: true, filter: (src) => !src.endsWith('_test.rego') && !src.endsWith('_tests.rego') });
    cpSync(join(FIXTURES, 'conftest', 'adapter.rego'), join(global, 'zz_meshgate_adapter.rego'));
    const manifest = buildPolicies({ policiesDir: join(work, 'policies'), outDir: join(work, 'dist'), v0: true, opa: OPA });
    expect(manifest.rego_version).toBe('v0');
    expect(manifest.layers['global']?.entrypoints).toEqual(['meshgate/terraform_plan']);
    engine = await createEngine({ global: join(work, 'dist', 'global.tar.gz'), subjects: { rawPlan: true } });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(PLANS)('%s: same findings as opa eval', async (name) => {
    const file = join(CORPUS, 'tfplan', name);
    const expected = opaEvalConftest(join(work, 'policies', 'global'), file);
    const decision = await engine.checkPlan(readFileSync(file, 'utf8'), { file: name });
    expect(decision.errors).toEqual([]);
    const got = decision.findings.map((f): Row => ({ level: f.level, rule: f.rule, msg: f.msg }));
    expect([...new Set(got.map(key))].sort()).toEqual([...new Set(expected.map(key))].sort());
    // a conftest deny fails the check (hard by default), a warn does not
    expect(decision.allowed).toBe(!expected.some((r) => r.level === 'deny'));
    for (const f of decision.findings) expect(f.layer).toBe('global');
  }, 60_000);

  it('the CLI gives the same findings with --policies <built dir> --raw-plan, and fails closed without it', async () => {
    ensureBuilt();
    const name = PLANS[0]!;
    const file = join(CORPUS, 'tfplan', name);
    const expected = opaEvalConftest(join(work, 'policies', 'global'), file);
    const run = await runCli(['check', file, '--policies', join(work, 'dist'), '--raw-plan', '--format', 'json']);
    const result = (JSON.parse(run.stdout) as { results: Array<{ findings: Array<{ level: 'deny' | 'warn'; rule: string; msg: string }> }> }).results[0]!;
    expect([...new Set(result.findings.map((f) => key({ level: f.level, rule: f.rule, msg: f.msg })))].sort()).toEqual([...new Set(expected.map(key))].sort());
    const without = await runCli(['check', file, '--policies', join(work, 'dist'), '--format', 'json']);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('conftest_adapter_raw_plan_missing');
  }, 120_000);

  it('finds something on the corpus (the comparison is not vacuous)', async () => {
    let denies = 0;
    let warns = 0;
    for (const name of PLANS) {
      const d = await engine.checkPlan(readFileSync(join(CORPUS, 'tfplan', name), 'utf8'), { file: name });
      denies += d.findings.filter((f) => f.level === 'deny').length;
      warns += d.findings.filter((f) => f.level === 'warn').length;
    }
    expect(warns).toBeGreaterThan(0);
    expect(denies + warns).toBeGreaterThan(10);
  });

  it('without the rawPlan opt-in the adapter fails closed (it never passes a plan it cannot see)', async () => {
    const plain = await createEngine({ global: join(work, 'dist', 'global.tar.gz') });
    const file = join(CORPUS, 'tfplan', 'cds-snc__terraform-plan__import-open-tofu_import.json');
    const d = await plain.checkPlan(readFileSync(file, 'utf8'));
    expect(d.allowed).toBe(false);
    expect(d.findings.map((f) => f.rule)).toEqual(['conftest_adapter_raw_plan_missing']);
    const withRaw = await plain.checkPlan(readFileSync(file, 'utf8'), { rawPlan: true });
    expect(withRaw.findings.map((f) => f.rule)).toEqual(['main.warn_tags', 'main.warn_tags']);
    expect(withRaw.allowed).toBe(true);
    await plain.close();
  });

  it('messages that format lists with sprintf %v read exactly as under OPA', async () => {
    const file = join(CORPUS, 'tfplan', 'cds-snc__terraform-plan__import-open-tofu_import.json');
    const d = await engine.checkPlan(readFileSync(file, 'utf8'));
    expect(d.findings.map((f) => f.msg).sort()).toEqual(['Missing Common Tags: ["aws_cloudwatch_log_group.controltower-notificationforwarder"]', 'Missing Common Tags: ["aws_cloudwatch_log_group.topic"]']);
  });

  it('docs/migrating-from-conftest.md shows this adapter verbatim', () => {
    const doc = readFileSync(join(FIXTURES, '..', 'docs', 'migrating-from-conftest.md'), 'utf8');
    const block = /```rego title="fixtures\/conftest\/adapter.rego"\n([\s\S]*?)^```$/m.exec(doc)?.[1];
    expect(block).toBe(readFileSync(join(FIXTURES, 'conftest', 'adapter.rego'), 'utf8'));
  });

  it('the policy set files really are Rego v0 (they fail to build as v1)', () => {
    const policies = readdirSync(POLICY_SET).filter((f) => f.endsWith('.rego') && !f.includes('_test'));
    expect(policies.length).toBeGreaterThan(10);
    expect(() => execFileSync(OPA, ['check', join(POLICY_SET, 'tags.rego')], { stdio: 'pipe' })).toThrow();
  });
});
