// Interop with the real OPA (v1.22.3 at .cache/bin/opa): a bundle signed by `opa build --signing-key`
// verifies in meshgate (including a data.json whose normalised form differs from its text), and a bundle
// signed by meshgate passes `opa build --verification-key`, which rejects it once tampered.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { readBundle, untarGzip } from '../src/policy/bundle.js';
import { signBundle, signBundleFiles, verifyBundle } from '../src/policy/signing.js';
import { packBundle } from '../src/policy/tar-writer.js';

const root = process.cwd();
const OPA = join(root, '.cache/bin/opa');
const haveOpa = existsSync(OPA);
if (!haveOpa) {
  if (process.env['CI']) throw new Error(`OPA binary missing at ${OPA}: run \`npm run build:opa\` (required in CI)`);
  console.warn(`SKIPPING OPA interop tests: ${OPA} is missing (run \`npm run build:opa\`)`);
}
const keyPath = (name: string): string => join(root, 'fixtures/keys', name);
const tmp = mkdtempSync(join(tmpdir(), 'meshgate-interop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function opa(args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync(OPA, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    return { ok: false, out: `${err.stderr ?? ''}${err.stdout ?? ''}` };
  }
}

describe.skipIf(!haveOpa)('OPA interop', () => {
  it('a bundle signed by `opa build --signing-key` (RS256) verifies in meshgate and loads in the engine', async () => {
    const src = join(tmp, 'opa-src');
    mkdirSync(join(src, 'meshgate'), { recursive: true });
    writeFileSync(join(src, 'policy.rego'), 'package meshgate.terraform\n\ndeny contains {"msg": "no", "rule": "r"} if input.resource.bad\n\nwarn := set()\n');
    // whitespace, key order, number forms and characters that Go escapes differently from JavaScript
    writeFileSync(join(src, 'data.json'), '{ "zeta": 1.50, "alpha": [1e3, "a<>&\\u2028é"], "nested": {"b": 2, "a": 1} }\n');
    const out = join(tmp, 'opa-signed.tar.gz');
    const r = opa(['build', '-b', '-t', 'wasm', '-e', 'meshgate/terraform', '--revision', 'opa-rev', '--signing-key', keyPath('rsa-private.pem'), '--signing-alg', 'RS256', '-o', out, src]);
    expect(r.ok, r.out).toBe(true);
    const bundle = readBundle(out);
    expect(bundle.files.has('.signatures.json')).toBe(true);
    const info = await verifyBundle(bundle, { key: readFileSync(keyPath('rsa-public.pem'), 'utf8'), alg: 'RS256' });
    expect(info.files.map((f) => f.name)).toEqual(expect.arrayContaining(['.manifest', 'data.json', 'policy.wasm']));
    const engine = await createEngine({ global: out, verification: { key: readFileSync(keyPath('rsa-public.pem'), 'utf8') } });
    expect(engine.bundleInfo()['global']?.revision).toBe('opa-rev');
    expect(engine.evaluateCompliance('global', 'meshgate/terraform', { resource: { bad: true } })?.deny).toHaveLength(1);
    await engine.close();
    // and the other key does not verify it
    await expect(verifyBundle(bundle, { key: readFileSync(keyPath('rsa-other-public.pem'), 'utf8') })).rejects.toMatchObject({ code: 'MG_BUNDLE_SIGNATURE_INVALID' });
  });

  it('a bundle signed by meshgate passes `opa build --verification-key`; OPA rejects it tampered or with the other key', async () => {
    const signed = await signBundle(readBundle(join(root, 'policies/dist/global.tar.gz')), { key: readFileSync(keyPath('rsa-private.pem'), 'utf8'), alg: 'RS256' });
    const file = join(tmp, 'meshgate-signed.tar.gz');
    writeFileSync(file, signed);
    const good = opa(['build', '-b', file, '--verification-key', keyPath('rsa-public.pem'), '--signing-alg', 'RS256', '-o', join(tmp, 'out1.tar.gz')]);
    expect(good.ok, good.out).toBe(true);
    const otherKey = opa(['build', '-b', file, '--verification-key', keyPath('rsa-other-public.pem'), '--signing-alg', 'RS256', '-o', join(tmp, 'out2.tar.gz')]);
    expect(otherKey.ok).toBe(false);
    expect(otherKey.out).toMatch(/verif/i);
    const files = untarGzip(signed, 'signed');
    files.set('data.json', new TextEncoder().encode('{"injected":true}'));
    const tamperedFile = join(tmp, 'meshgate-tampered.tar.gz');
    writeFileSync(tamperedFile, packBundle(files));
    const tampered = opa(['build', '-b', tamperedFile, '--verification-key', keyPath('rsa-public.pem'), '--signing-alg', 'RS256', '-o', join(tmp, 'out3.tar.gz')]);
    expect(tampered.ok).toBe(false);
    expect(tampered.out).toMatch(/digest mismatch/);
  });

  it('meshgate signatures over a data.json with awkward JSON (escapes, number forms) also pass OPA', async () => {
    const files = new Map(readBundle(join(root, 'policies/dist/global.tar.gz')).files);
    files.set('extra/data.json', new TextEncoder().encode('{"b":[1.0,2e2,-0.5],"a":"<tag>&\\u2028\\u00e9","\\u00e9":{"y":null,"x":true}}'));
    // a path longer than ustar's 100-byte name field goes through a PAX record
    const longPath = `${'nested_segment/'.repeat(9)}data.json`;
    files.set(longPath, new TextEncoder().encode('{"deep":1}'));
    const signedFiles = await signBundleFiles(files, { key: readFileSync(keyPath('ec-private.pem'), 'utf8'), alg: 'ES256' });
    const file = join(tmp, 'meshgate-awkward.tar.gz');
    writeFileSync(file, packBundle(signedFiles));
    const r = opa(['build', '-b', file, '--verification-key', keyPath('ec-public.pem'), '--signing-alg', 'ES256', '-o', join(tmp, 'out4.tar.gz')]);
    expect(r.ok, r.out).toBe(true);
    expect(longPath.length).toBeGreaterThan(100);
    expect(readBundle(file).files.has(longPath)).toBe(true);
    const listed = opa(['inspect', '--format', 'json', file]);
    expect(listed.ok, listed.out).toBe(true);
    expect(listed.out).toContain('nested_segment'); // OPA read the long path from the PAX record
  });
});
