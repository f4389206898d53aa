/**
 * The GitHub Action, run locally the way the runner runs it: scripts/action/run.mjs with fake
 * GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files against fixtures, using the built CLI (dist/cli/main.js).
 * Checks the job summary table, the SARIF file, the step outputs and the exit-code contract, and that
 * action.yml and the example workflows wire these together.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IN_CI, ROOT } from './helpers/paths.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const RUN = join(ROOT, 'scripts', 'action', 'run.mjs');

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  sarif: { runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }> }> }> } | undefined;
}

let work: string;
let n = 0;

if (!existsSync(CLI)) {
  if (IN_CI) throw new Error(`${CLI} is missing: run \`npm run build\` before the tests`);
  console.log(`skipping the action script tests: ${CLI} is missing (run \`npm run build\`)`);
}

function runAction(env: Record<string, string>): RunResult {
  const dir = join(work, String(n++));
  const summaryFile = join(`${dir}-summary.md`);
  const outputFile = join(`${dir}-output.txt`);
  const sarifFile = join(`${dir}.sarif`);
  writeFileSync(summaryFile, '');
  writeFileSync(outputFile, '');
  const r = spawnSync(process.execPath, [RUN], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_OUTPUT: outputFile, MESHGATE_SARIF: sarifFile, MESHGATE_FORMAT: 'github', ...env },
  });
  const outputs = Object.fromEntries(
    readFileSync(outputFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    summary: readFileSync(summaryFile, 'utf8'),
    outputs,
    sarif: existsSync(sarifFile) ? (JSON.parse(readFileSync(sarifFile, 'utf8')) as RunResult['sarif']) : undefined,
  };
}

describe.runIf(existsSync(CLI))('GitHub Action script (scripts/action/run.mjs)', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'meshgate-action-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('failing fixtures: summary table, SARIF with the findings, exit-code output 1, step itself exits 0', () => {
    const r = runAction({ MESHGATE_PATHS: 'fixtures/cli/failing\nfixtures/cli/clean' });
    expect(r.status).toBe(0); // so the SARIF upload step runs; the action's last step fails the job
    expect(r.outputs['exit-code']).toBe('1');
    expect(r.outputs['files']).toBe('4');
    expect(r.outputs['failed']).toBe('2');
    expect(r.outputs['passed']).toBe('2');
    expect(r.outputs['findings']).toBe('2');
    expect(r.outputs['sarif-file']).toMatch(/\.sarif$/);

    // the job summary
    expect(r.summary).toContain('## meshgate check: ❌ policy failure');
    expect(r.summary).toContain('4 files checked: 2 passed, 2 failed, 0 errors; 2 findings (fail-on soft).');
    expect(r.summary).toContain('| Result | File | Kind | Findings |');
    expect(r.summary).toContain('| ❌ fail | `fixtures/cli/failing/bucket-no-sse.plan.json` | plan | 1 |');
    expect(r.summary).toContain('| ❌ fail | `fixtures/cli/failing/no-owner.contract.yaml` | contract | 1 |');
    expect(r.summary).toContain('| ✅ pass | `fixtures/cli/clean/orders.contract.yaml` | contract | 0 |');
    expect(r.summary).toContain('| Level | Enforcement | Rule | Location | Message |');
    expect(r.summary).toMatch(/\| deny \| hard \| global\/pii_bucket_encryption \| `fixtures\/cli\/failing\/bucket-no-sse\.plan\.json:\d+:\d+` \| .*\(aws_s3_bucket\.orders\) \|/);
    expect(r.summary).toMatch(/\| deny \| hard \| global\/contract_owner_required \| `fixtures\/cli\/failing\/no-owner\.contract\.yaml:\d+/);

    // the SARIF for code scanning
    const run = r.sarif?.runs[0];
    expect(run?.tool.driver.name).toBe('meshgate');
    expect(run?.results.map((x) => x.ruleId).sort()).toEqual(['global/contract_owner_required', 'global/pii_bucket_encryption']);
    const uris = run?.results.map((x) => x.locations[0]?.physicalLocation.artifactLocation.uri).sort();
    expect(uris).toEqual(['fixtures/cli/failing/bucket-no-sse.plan.json', 'fixtures/cli/failing/no-owner.contract.yaml']);
    for (const res of run?.results ?? []) expect(res.locations[0]?.physicalLocation.region?.startLine).toBeGreaterThan(0);

    // the log in github format carries workflow-command annotations
    expect(r.stdout).toMatch(/::error file=fixtures\/cli\/failing\/bucket-no-sse\.plan\.json,line=\d+/);
  });

  it('clean fixtures and globs: passes with exit-code 0 and an empty SARIF result list', () => {
    const r = runAction({ MESHGATE_PATHS: 'fixtures/contracts/*.yaml fixtures/contracts/*.json' });
    expect(r.status).toBe(0);
    expect(r.outputs['exit-code']).toBe('0');
    expect(r.summary).toContain('## meshgate check: ✅ passed');
    expect(r.summary).toContain('| ✅ pass | `fixtures/contracts/customer360.yaml` | contract |');
    expect(r.summary).not.toContain('failing/');
    expect(r.sarif?.runs[0]?.results.filter((x) => x.level === 'error')).toEqual([]);
  });

  it('fail-on hard still fails on hard findings; advisory warnings alone never fail', () => {
    const r = runAction({ MESHGATE_PATHS: 'fixtures/cli/failing', MESHGATE_FAIL_ON: 'hard' });
    expect(r.outputs['exit-code']).toBe('1');
    const warnOnly = runAction({ MESHGATE_PATHS: 'fixtures/contracts/sales-processed-orders.json', MESHGATE_FAIL_ON: 'hard' });
    expect(warnOnly.outputs['exit-code']).toBe('0');
    expect(warnOnly.summary).toContain('| warn | advisory |');
  });

  it('broken inputs: exit-code 2 and an Errors table', () => {
    const r = runAction({ MESHGATE_PATHS: 'fixtures/cli/malformed/broken.plan.json' });
    expect(r.outputs['exit-code']).toBe('2');
    expect(r.summary).toContain('⚠️ input or usage error');
    expect(r.summary).toContain('| `fixtures/cli/malformed/broken.plan.json` | MG_PLAN_JSON_SYNTAX |');
  });

  it('usage errors are reported, never a pass', () => {
    expect(runAction({ MESHGATE_PATHS: '' }).outputs['exit-code']).toBe('2');
    const bad = runAction({ MESHGATE_PATHS: 'fixtures/cli/clean', MESHGATE_FAIL_ON: 'never' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown fail-on never');
    const noCli = runAction({ MESHGATE_PATHS: 'fixtures/cli/clean', MESHGATE_CLI: join(work, 'missing.js') });
    expect(noCli.status).toBe(2);
    expect(noCli.stderr).toContain('npm ci');
  });
});

describe('action.yml and the example workflows', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { required?: boolean; default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: Array<{ id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string>; 'working-directory'?: string }> };
  };

  it('is a composite action with the documented inputs, mapped onto run.mjs', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['paths', 'config', 'format', 'fail-on']));
    expect(action.inputs['paths']?.required).toBe(true);
    const check = action.runs.steps.find((s) => s.id === 'check');
    expect(check?.run).toContain('scripts/action/run.mjs');
    expect(check?.env).toMatchObject({ MESHGATE_PATHS: '${{ inputs.paths }}', MESHGATE_CONFIG: '${{ inputs.config }}', MESHGATE_FORMAT: '${{ inputs.format }}', MESHGATE_FAIL_ON: '${{ inputs.fail-on }}' });
    // inputs reach the script through env only, never interpolated into a shell line
    for (const s of action.runs.steps) expect(s.run ?? '').not.toContain('${{ inputs.');
    expect(existsSync(join(ROOT, 'scripts', 'action', 'run.mjs'))).toBe(true);
    expect(action.runs.steps.some((s) => s.run?.includes('npm ci'))).toBe(true);
  });

  it('uploads SARIF with codeql-action and fails the job from the exit-code output', () => {
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(upload?.with?.['sarif_file']).toBe('${{ steps.check.outputs.sarif-file }}');
    const last = action.runs.steps.at(-1);
    expect(last?.run).toContain('exit');
    expect(action.outputs['exit-code']?.value).toBe('${{ steps.check.outputs.exit-code }}');
  });

  it.each(['meshgate-contracts.yml', 'meshgate-terraform.yml'])('%s uses the action with paths that exist', (name) => {
    const wf = parse(readFileSync(join(ROOT, 'examples', 'workflows', name), 'utf8')) as { permissions: Record<string, string>; jobs: Record<string, { steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }> }> };
    expect(wf.permissions['security-events']).toBe('write');
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    const step = steps.find((s) => s.uses === './');
    expect(step?.with?.['paths']).toBeTruthy();
    if (name.includes('terraform')) {
      expect(steps.some((s) => s.run?.includes('terraform show -json'))).toBe(true);
      expect(existsSync(join(ROOT, 'examples', 'terraform', 'main.tf'))).toBe(true);
    }
  });
});
