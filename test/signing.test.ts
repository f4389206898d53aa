// Bundle signing and verification: OPA's normalised JSON hashing, sign/verify round trips for RS256, ES256
// and HS256, one coded rejection per kind of tampering, and the engine's fail-closed verification option.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { readBundle, readBundleBytes, untarGzip } from '../src/policy/bundle.js';
import { normalisedJson, goJsonString } from '../src/policy/signature-hash.js';
import { signBundle, signBundleFiles, verifyBundle, verifiedBundle } from '../src/policy/signing.js';
import { packBundle } from '../src/policy/tar-writer.js';

const root = process.cwd();
const key = (name: string): string => readFileSync(join(root, 'fixtures/keys', name), 'utf8');
const RSA_PRIV = key('rsa-private.pem');
const RSA_PUB = key('rsa-public.pem');
const OTHER_PUB = key('rsa-other-public.pem');
const EC_PRIV = key('ec-private.pem');
const EC_PUB = key('ec-public.pem');
const dist = (layer: string): string => join(root, 'policies/dist', `${layer}.tar.gz`);
const enc = new TextEncoder();

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? `uncoded: ${String(e)}`;
  }
  return 'resolved';
}

describe('normalised JSON (the form OPA hashes for data.json and .manifest)', () => {
  it('sorts keys, drops whitespace and keeps numbers exactly as written', () => {
    const text = '{ "zeta": 1.50, "alpha": [1e3, -0, 2E-7, true, null], "nested": {"b": 2, "a": {} } }\n';
    expect(normalisedJson('data.json', enc.encode(text))).toBe('{"alpha":[1e3,-0,2E-7,true,null],"nested":{"a":{},"b":2},"zeta":1.50}');
  });

  it('escapes strings as Go does without HTML escaping', () => {
    expect(goJsonString('a<>&é\u2028\u2029"\\\n\t\b\f\u0001/')).toBe('"a<>&é\\u2028\\u2029\\"\\\\\\n\\t\\b\\f\\u0001/"');
    expect(normalisedJson('x/data.json', enc.encode('{"k":"\\u003c\\ud83d\\ude00"}'))).toBe('{"k":"<😀"}');
    // a lone surrogate is refused, not hashed as U+FFFD as Go would (issue 17: "\ufffd" must not cover "\ud800")
    expect(() => normalisedJson('x/data.json', enc.encode('{"k":"\\ud800"}'))).toThrow(expect.objectContaining({ code: 'MG_BUNDLE_UNICODE_INVALID' }));
  });

  it('orders keys by UTF-8 bytes, and a repeated key keeps the last value', () => {
    expect(normalisedJson('.manifest', enc.encode('{"\uff5e":1,"😀":2,"a":0,"a":3}'))).toBe('{"a":3,"\uff5e":1,"😀":2}');
  });

  it('rejects a structured file that does not parse', () => {
    expect(() => normalisedJson('data.json', enc.encode('{"a":'))).toThrow(expect.objectContaining({ code: 'MG_BUNDLE_CORRUPT' }));
  });
});

describe('sign and verify', () => {
  it('signs the real global bundle with RS256 and verifies it, covering every file', async () => {
    const original = readBundle(dist('global'));
    const signed = await signBundle(original, { key: RSA_PRIV, alg: 'RS256', keyid: 'board' });
    const info = await verifyBundle(signed, { key: RSA_PUB, alg: 'RS256', keyid: 'board' });
    expect(info.alg).toBe('RS256');
    expect(info.keyid).toBe('board');
    expect(info.files.map((f) => f.name).sort()).toEqual([...original.files.keys()].filter((p) => p !== '.signatures.json').sort());
    // the signed bundle is still the same policy
    const back = readBundleBytes(signed, 'signed');
    expect(back.revision).toBe(original.revision);
    expect(Buffer.from(back.wasm).equals(Buffer.from(original.wasm))).toBe(true);
  });

  it('is deterministic for RS256 (same files, same bytes)', async () => {
    const b = readBundle(dist('global'));
    const a1 = await signBundle(b, { key: RSA_PRIV });
    const a2 = await signBundle(b, { key: RSA_PRIV });
    expect(Buffer.from(a1).equals(Buffer.from(a2))).toBe(true);
  });

  it('round-trips ES256 and HS256', async () => {
    const b = readBundle(dist('global'));
    await expect(verifyBundle(await signBundle(b, { key: EC_PRIV, alg: 'ES256' }), { key: EC_PUB })).resolves.toMatchObject({ alg: 'ES256' });
    const hs = await signBundle(b, { key: 'a shared secret of the board', alg: 'HS256' });
    await expect(verifyBundle(hs, { key: 'a shared secret of the board', alg: 'HS256' })).resolves.toMatchObject({ alg: 'HS256' });
    expect(await codeOf(verifyBundle(hs, { key: 'another secret', alg: 'HS256' }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
  });

  it('refuses algorithm confusion: an HS256 signature against a public key, and an alg other than expected', async () => {
    const b = readBundle(dist('global'));
    // an attacker signs with HS256 using the public key text as the secret (meshgate's signer refuses to;
    // test/keys-hashing.test.ts forges the token with jose and checks that verification refuses it)
    expect(await codeOf(signBundle(b, { key: enc.encode(RSA_PUB), alg: 'HS256' }))).toBe('MG_BUNDLE_KEY_INVALID');
    const forged = await signBundle(b, { key: enc.encode(`not a key: ${RSA_PUB.replace(/-----[A-Z ]+-----/g, '')}`), alg: 'HS256' });
    expect(await codeOf(verifyBundle(forged, { key: RSA_PUB }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
    const es = await signBundle(b, { key: EC_PRIV, alg: 'ES256' });
    expect(await codeOf(verifyBundle(es, { key: EC_PUB, alg: 'RS256' }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
  });

  it('rejects a signature with another key id or scope than configured', async () => {
    const b = readBundle(dist('global'));
    const signed = await signBundle(b, { key: RSA_PRIV, keyid: 'k1', scope: 'write' });
    expect(await codeOf(verifyBundle(signed, { key: RSA_PUB, keyid: 'k2', scope: 'write' }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
    expect(await codeOf(verifyBundle(signed, { key: RSA_PUB, keyid: 'k1' }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
    await expect(verifyBundle(signed, { key: RSA_PUB, keyid: 'k1', scope: 'write' })).resolves.toBeDefined();
  });

  it('accepts a PKCS#1 RSA public key', async () => {
    const { createPublicKey } = await import('node:crypto');
    const pkcs1 = createPublicKey(RSA_PUB).export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
    const signed = await signBundle(readBundle(dist('global')), { key: RSA_PRIV });
    await expect(verifyBundle(signed, { key: pkcs1 })).resolves.toBeDefined();
  });
});

describe('tampering: each kind rejected with its own code', () => {
  async function signedFiles(layer = 'global'): Promise<Map<string, Uint8Array>> {
    return signBundleFiles(readBundle(dist(layer)), { key: RSA_PRIV, alg: 'RS256' });
  }
  const opts = { key: RSA_PUB, alg: 'RS256' } as const;

  it('a changed policy.wasm → MG_BUNDLE_HASH_MISMATCH', async () => {
    const files = await signedFiles();
    const wasm = files.get('policy.wasm')!.slice();
    wasm[wasm.length - 1] = wasm[wasm.length - 1]! ^ 0xff;
    files.set('policy.wasm', wasm);
    const err = await verifyBundle(packBundle(files), opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MG_BUNDLE_HASH_MISMATCH', details: { files: ['policy.wasm'] } });
  });

  it('a changed data.json → MG_BUNDLE_HASH_MISMATCH, but reformatting it is not a change (as in OPA)', async () => {
    const files = await signedFiles();
    const dataPath = [...files.keys()].find((p) => p.endsWith('data.json'))!;
    const doc = JSON.parse(new TextDecoder().decode(files.get(dataPath)!)) as Record<string, unknown>;
    files.set(dataPath, enc.encode(JSON.stringify(doc, null, 4)));
    await expect(verifyBundle(packBundle(files), opts)).resolves.toBeDefined();
    files.set(dataPath, enc.encode(JSON.stringify({ ...doc, injected: { allow: true } })));
    const err = await verifyBundle(packBundle(files), opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MG_BUNDLE_HASH_MISMATCH', details: { files: [dataPath] } });
  });

  it('a changed .manifest → MG_BUNDLE_HASH_MISMATCH', async () => {
    const files = await signedFiles();
    const manifest = JSON.parse(new TextDecoder().decode(files.get('.manifest')!)) as Record<string, unknown>;
    files.set('.manifest', enc.encode(JSON.stringify({ ...manifest, revision: 'forged' })));
    const err = await verifyBundle(packBundle(files), opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MG_BUNDLE_HASH_MISMATCH', details: { files: ['.manifest'] } });
  });

  it('a dropped signature → MG_BUNDLE_UNSIGNED (also an empty signature list)', async () => {
    const files = await signedFiles();
    files.delete('.signatures.json');
    expect(await codeOf(verifyBundle(packBundle(files), opts))).toBe('MG_BUNDLE_UNSIGNED');
    files.set('.signatures.json', enc.encode('{"signatures":[]}'));
    expect(await codeOf(verifyBundle(packBundle(files), opts))).toBe('MG_BUNDLE_UNSIGNED');
  });

  it('an added file the signature does not cover → MG_BUNDLE_FILE_UNSIGNED', async () => {
    const files = await signedFiles();
    files.set('extra/data.json', enc.encode('{"allow_all":true}'));
    const err = await verifyBundle(packBundle(files), opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MG_BUNDLE_FILE_UNSIGNED', details: { files: ['extra/data.json'] } });
  });

  it('a signature copied from another bundle → MG_BUNDLE_SIGNATURE_MISMATCH', async () => {
    const finance = await signedFiles('finance');
    const marketing = await signedFiles('marketing');
    marketing.set('.signatures.json', finance.get('.signatures.json')!);
    expect(await codeOf(verifyBundle(packBundle(marketing), opts))).toBe('MG_BUNDLE_SIGNATURE_MISMATCH');
  });

  it('a signature by another key → MG_BUNDLE_SIGNATURE_INVALID; a garbled JWT too', async () => {
    const files = await signedFiles();
    expect(await codeOf(verifyBundle(packBundle(files), { key: OTHER_PUB, alg: 'RS256' }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
    const jwt = (JSON.parse(new TextDecoder().decode(files.get('.signatures.json')!)) as { signatures: string[] }).signatures[0]!;
    const [h, , s] = jwt.split('.');
    const payload = Buffer.from(JSON.stringify({ files: [] })).toString('base64url');
    files.set('.signatures.json', enc.encode(JSON.stringify({ signatures: [`${h}.${payload}.${s}`] })));
    expect(await codeOf(verifyBundle(packBundle(files), opts))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
  });
});

describe('engine verification option (fail closed)', () => {
  const verification = { key: RSA_PUB, alg: 'RS256' } as const;

  it('refuses to start on an unsigned bundle, starts on a signed one', async () => {
    expect(await codeOf(createEngine({ global: dist('global'), verification }))).toBe('MG_BUNDLE_UNSIGNED');
    const signed = await signBundle(readBundle(dist('global')), { key: RSA_PRIV });
    const engine = await createEngine({ global: signed, verification });
    const result = engine.evaluateCompliance('global', 'meshgate/terraform', {
      resource: { address: 'aws_s3_bucket.x', type: 'aws_s3_bucket', mode: 'managed', tags: { DataClassification: 'PII' } },
    });
    expect(result?.deny.length).toBeGreaterThan(0);
    await engine.close();
  });

  it('rejects a tampered swap and keeps the old bundle', async () => {
    const signedBytes = await signBundle(readBundle(dist('global')), { key: RSA_PRIV });
    const engine = await createEngine({ global: signedBytes, verification });
    const before = engine.bundleInfo()['global']!.revision;
    const files = untarGzip(signedBytes, 't');
    files.set('.manifest', enc.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(files.get('.manifest')!)), revision: 'evil' })));
    expect(await codeOf(engine.swapBundle('global', packBundle(files)))).toBe('MG_BUNDLE_HASH_MISMATCH');
    expect(engine.bundleInfo()['global']!.revision).toBe(before);
    await engine.close();
  });

  it('does not trust a Bundle object whose wasm was replaced after reading', async () => {
    const good = readBundleBytes(await signBundle(readBundle(dist('global')), { key: RSA_PRIV }), 'good');
    const other = readBundle(dist('finance'));
    const rebuilt = await verifiedBundle({ ...good, wasm: other.wasm, data: other.data }, verification);
    expect(Buffer.from(rebuilt.wasm).equals(Buffer.from(good.files.get('policy.wasm')!))).toBe(true);
  });
});
