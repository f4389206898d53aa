/**
 * `meshgate check` judges files by content, whatever their name (issue 20): plans behind the
 * setup-terraform wrapper's lines (in a folder and named), Terraform source, binary plan files, state
 * files and empty files get specific hints; a contract named *.plan.json and a plan named .yaml are judged
 * by content; skipped files are reported with the reason. Driven through checkFile with the real global
 * bundle, and once through the built CLI for the text and json reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { checkFile, type CheckTask } from '../src/cli/check-file.js';
import { expandOperands } from '../src/cli/expand.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';
import { ensureBuilt, runCli } from './helpers/cli.js';

let engine: Engine;
let tmp: string;
const PLAN = join(FIXTURES, 'plans', 'data-product-foundation.plan.json');
const CONTRACT = join(FIXTURES, 'contracts', 'customer-profile.yaml');

/** What the setup-terraform wrapper writes around `terraform show -json` when its stdout is redirected. */
function wrapped(json: string): string {
  return `[command]/home/runner/work/_temp/0b1c/terraform-bin show -json plan.out\n${json}\n::debug::Terraform exited with code 0.\n::debug::stderr: \n::debug::exitcode: 0\n`;
}

beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global') });
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-detect-'));
  const plan = readFileSync(PLAN, 'utf8');
  mkdirSync(join(tmp, 'ci'));
  writeFileSync(join(tmp, 'ci', 'plan-output.txt.json'), wrapped(plan));
  writeFileSync(join(tmp, 'ci', 'README.json'), '{"name": "not for check"}\n');
  writeFileSync(join(tmp, 'ci', 'blank.yaml'), '');
  writeFileSync(join(tmp, 'wrapped.json'), wrapped(plan));
  writeFileSync(join(tmp, 'wrapped.txt'), wrapped(plan));
  mkdirSync(join(tmp, 'infra'));
  writeFileSync(join(tmp, 'infra', 'main.tf'), 'terraform {\n}\n');
  writeFileSync(join(tmp, 'main.tf'), 'resource "aws_s3_bucket" "b" {\n  bucket = "orders"\n}\n');
  writeFileSync(join(tmp, 'network.txt'), 'terraform {\n  required_version = ">= 1.5"\n}\n\nmodule "vpc" {\n  source = "./vpc"\n}\n');
  // a zip whose first entry is `tfplan`, as `terraform plan -out plan.out` writes
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(6, 26);
  writeFileSync(join(tmp, 'plan.out'), Buffer.concat([header, Buffer.from('tfplan'), Buffer.alloc(64)]));
  writeFileSync(join(tmp, 'empty.plan.json'), '');
  writeFileSync(join(tmp, 'spaces.plan.json'), '  \n\n');
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ format_version: '1.0', terraform_version: '1.6.0', values: { root_module: {} } }));
  writeFileSync(join(tmp, 'wrapped-state.json'), wrapped(JSON.stringify({ format_version: '1.0', terraform_version: '1.6.0', values: { root_module: {} } })));
  copyFileSync(CONTRACT, join(tmp, 'contract.plan.json'));
  copyFileSync(PLAN, join(tmp, 'plan.yaml'));
});
afterAll(async () => {
  await engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

const task = (name: string, explicit = true): CheckTask => ({ index: 0, path: join(tmp, name), display: name, explicit });

describe('plans are recognised by content', () => {
  it('a wrapper-prefixed plan named explicitly is checked as a plan, whatever its extension', async () => {
    const bare = await checkFile(engine, task('plan.yaml'), { failOn: 'soft' });
    for (const name of ['wrapped.json', 'wrapped.txt']) {
      const r = await checkFile(engine, task(name), { failOn: 'soft' });
      expect(r.result?.error).toBeUndefined();
      expect(r.result?.kind).toBe('plan');
      expect(r.result?.findings.map((f) => [f.rule, f.resource])).toEqual(bare.result?.findings.map((f) => [f.rule, f.resource]));
    }
  });

  it('a wrapper-prefixed plan inside a folder is found and checked, not skipped', async () => {
    const { tasks } = await expandOperands(['ci'], tmp);
    const plan = tasks.find((t) => t.display === 'ci/plan-output.txt.json');
    expect(plan).toBeDefined();
    const r = await checkFile(engine, plan as CheckTask, { failOn: 'soft' });
    expect(r.skipped).toBeUndefined();
    expect(r.result?.kind).toBe('plan');
    expect(r.result?.error).toBeUndefined();
  });

  it('a plan named .yaml is a plan and a contract named *.plan.json is a contract', async () => {
    const plan = await checkFile(engine, task('plan.yaml'), { failOn: 'soft' });
    expect(plan.result?.kind).toBe('plan');
    expect(plan.result?.error).toBeUndefined();
    const contract = await checkFile(engine, task('contract.plan.json'), { failOn: 'soft' });
    expect(contract.result?.kind).toBe('contract');
    expect(contract.result?.error).toBeUndefined();
  });
});

describe('inputs that are not checkable get a specific hint', () => {
  it('Terraform source (main.tf, or HCL under another name) says to run terraform show -json', async () => {
    for (const name of ['main.tf', 'network.txt']) {
      const r = await checkFile(engine, task(name), { failOn: 'soft' });
      expect(r.result?.error?.code).toBe('MG_INPUT_TERRAFORM_SOURCE');
      expect(r.result?.error?.message).toContain('run `terraform plan -out plan.out && terraform show -json plan.out > plan.json`');
      expect(r.result?.allowed).toBe(false);
    }
  });

  it('a folder holding only Terraform source says how to get a plan', async () => {
    const { tasks, warnings } = await expandOperands(['infra'], tmp);
    expect(tasks).toEqual([]);
    expect(warnings).toEqual(['infra: no .json, .yaml or .yml files in this folder (it holds Terraform source: run `terraform plan -out plan.out && terraform show -json plan.out > plan.json` and check plan.json)']);
  });

  it('a binary plan file (zip) is MG_INPUT_PLAN_BINARY with the terraform show hint, not an encoding error', async () => {
    const r = await checkFile(engine, task('plan.out'), { failOn: 'soft' });
    expect(r.result?.error?.code).toBe('MG_INPUT_PLAN_BINARY');
    expect(r.result?.error?.message).toContain('terraform show -json plan.out > plan.json');
  });

  it('an empty or blank file named explicitly is MG_INPUT_EMPTY in one line, not a list of contract formats', async () => {
    for (const name of ['empty.plan.json', 'spaces.plan.json']) {
      const r = await checkFile(engine, task(name), { failOn: 'soft' });
      expect(r.result?.error?.code).toBe('MG_INPUT_EMPTY');
      expect(r.result?.error?.message).not.toContain('\n');
      expect(r.result?.error?.message).toContain('terraform show -json');
    }
  });

  it('an empty file found in a folder is an error when its name says plan or contract (never silently skipped), else skipped', async () => {
    const plan = await checkFile(engine, task('empty.plan.json', false), { failOn: 'soft' });
    expect(plan.result?.error?.code).toBe('MG_INPUT_EMPTY');
    const other = await checkFile(engine, task('ci/blank.yaml', false), { failOn: 'soft' });
    expect(other.skipped).toBe('empty file');
    writeFileSync(join(tmp, 'ci', 'explanation.yaml'), '');
    const lookalike = await checkFile(engine, task('ci/explanation.yaml', false), { failOn: 'soft' });
    expect(lookalike.skipped).toBe('empty file'); // "plan" inside a word is not a plan's name
    rmSync(join(tmp, 'ci', 'explanation.yaml'));
  });

  it('a state file, bare or behind wrapper lines, is MG_PLAN_IS_STATE', async () => {
    for (const name of ['state.json', 'wrapped-state.json']) {
      const r = await checkFile(engine, task(name), { failOn: 'soft' });
      expect(r.result?.error?.code).toBe('MG_PLAN_IS_STATE');
      expect(r.result?.error?.message).toContain('terraform show -json');
    }
  });
});

describe('the CLI reports skipped files and why', () => {
  beforeAll(() => ensureBuilt());

  it('text lists each skipped file with its reason; json has a skipped array', async () => {
    const text = await runCli(['check', join(tmp, 'ci')]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/SKIP {2}\S*ci\/README\.json: neither a data contract nor a Terraform plan/);
    expect(text.stdout).toMatch(/SKIP {2}\S*ci\/blank\.yaml: empty file/);
    expect(text.stdout).toMatch(/1 file checked: .*; 2 skipped/);
    const json = await runCli(['check', join(tmp, 'ci'), '--format', 'json']);
    const report = JSON.parse(json.stdout) as { results: Array<{ file: string; kind: string }>; skipped: Array<{ file: string; reason: string }> };
    expect(report.results.map((r) => r.kind)).toEqual(['plan']);
    expect(report.skipped.map((s) => [s.file.replace(/.*\/ci\//, 'ci/'), s.reason])).toEqual([
      ['ci/README.json', 'neither a data contract nor a Terraform plan'],
      ['ci/blank.yaml', 'empty file'],
    ]);
  });
});
