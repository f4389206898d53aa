/**
 * Start-up shortcuts of the built CLI keep its start-up checks: a module the CLI ships premetered skips
 * validation (its build validated it), and a shipped bundle is read from the tar its build inflated, but
 * both are recognised by their bytes (src/policy/prebuilt.ts): any other policy.wasm is still validated and
 * any other bundle inflated when the engine is created — even one forged to the length and CRC-32 of a
 * shipped file — so a broken user bundle fails the run at start-up.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { forceCrc32 } from './helpers/forge-crc.js';
import { bundlePath, DIST } from './helpers/paths.js';
import { lengthCrcKey } from '../src/crc32.js';
import { readBundleFiles } from '../src/policy/bundle.js';

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

  /** A policies folder with one global layer: its bundle folder's files, or a .tar.gz's bytes. */
  function policiesWith(name: string, global: { files: Map<string, Uint8Array> } | { gz: Uint8Array }): string {
    const policies = join(tmp, name);
    mkdirSync(policies, { recursive: true });
    const layer = 'files' in global ? { dir: 'global', bundle: 'global' } : { dir: 'global', bundle: 'global.tar.gz' };
    writeFileSync(join(policies, 'manifest.json'), JSON.stringify({ manifest_version: 1, layers: { global: layer } }));
    if ('gz' in global) writeFileSync(join(policies, 'global.tar.gz'), global.gz);
    else for (const [path, bytes] of global.files) {
      mkdirSync(join(policies, 'global', path, '..'), { recursive: true });
      writeFileSync(join(policies, 'global', path), bytes);
    }
    return policies;
  }

  it('a policy.wasm forged to the length and CRC-32 of the shipped one is not taken for it', async () => {
    const files = readBundleFiles(bundlePath('global'));
    const wasm = files.get('policy.wasm')!;
    const broken = Uint8Array.from(wasm);
    broken[8] = 0xff; // the first section id: no such section
    const forged = forceCrc32(broken, wasm.length - 64, lengthCrcKeyCrc(wasm));
    expect(lengthCrcKey(forged)).toBe(lengthCrcKey(wasm));
    files.set('policy.wasm', forged);
    const r = await runCli(['check', plan, '--policies', policiesWith('forged-wasm', { files }), '--format', 'json']);
    expect(r.stderr).toContain('MG_POLICY_WASM_INVALID');
    expect(r.code).toBe(2);
  });

  it('a bundle forged to the length and CRC-32 of a shipped .tar.gz is inflated, not read from the shipped tar', async () => {
    const gz = new Uint8Array(readFileSync(bundlePath('global')));
    const broken = Uint8Array.from(gz);
    for (let i = 40; i < 48; i++) broken[i]! ^= 0xa5; // inside the deflate stream
    const forged = forceCrc32(broken, gz.length - 100, lengthCrcKeyCrc(gz));
    expect(lengthCrcKey(forged)).toBe(lengthCrcKey(gz));
    const r = await runCli(['check', plan, '--policies', policiesWith('forged-gz', { gz: forged }), '--format', 'json']);
    expect(r.stderr).toContain('MG_BUNDLE_CORRUPT');
    expect(r.code).toBe(2);
    // the same folder with the shipped bytes passes: the refusal is the forged bytes', not the folder's
    const ok = policiesWith('shipped-gz', { gz });
    copyFileSync(join(DIST, 'global.tar.gz'), join(ok, 'global.tar.gz'));
    const pass = await runCli(['check', plan, '--policies', ok, '--format', 'json']);
    expect(pass.code).toBe(0);
  });
});

/** The CRC-32 part of {@link lengthCrcKey}. */
function lengthCrcKeyCrc(bytes: Uint8Array): number {
  return Number.parseInt(lengthCrcKey(bytes).split('-')[1]!, 16);
}
