/**
 * Start-up shortcuts of the built CLI keep its start-up checks: a module the CLI ships premetered skips
 * validation (its build validated it, and it is recognised by content hash), but any other policy.wasm is
 * still validated when the engine is created, so a broken user bundle fails the run at start-up.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';

let tmp: string;
let plan: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-cli-startup-'));
  plan = join(tmp, 'empty.plan.json');
  writeFileSync(plan, JSON.stringify({ format_version: '1.2', terraform_version: '1.9.0', resource_changes: [] }));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('policy module validation at CLI start-up', () => {
  it('the shipped (premetered) bundles check a plan', async () => {
    const r = await runCli(['check', plan, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.passed).toBe(1);
  });

  it('a policies folder whose global module is not valid WebAssembly is refused at start-up', async () => {
    const policies = join(tmp, 'broken-policies');
    const global = join(policies, 'global');
    mkdirSync(global, { recursive: true });
    writeFileSync(join(policies, 'manifest.json'), JSON.stringify({ manifest_version: 1, layers: { global: { dir: 'global', bundle: 'global' } } }));
    writeFileSync(join(global, '.manifest'), JSON.stringify({ revision: 'broken', wasm: [{ entrypoint: 'meshgate/terraform_plan', module: '/policy.wasm' }] }));
    // the WebAssembly header, then a section id that does not exist
    writeFileSync(join(global, 'policy.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]));
    writeFileSync(join(global, 'data.json'), '{}');
    const r = await runCli(['check', plan, '--policies', policies, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MG_POLICY_WASM_INVALID');
  });
});
