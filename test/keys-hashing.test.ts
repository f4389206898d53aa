/**
 * Keys and hashing (issue 17): the algorithm follows the configured key, not the token (a PEM public key
 * handed over as a Buffer never becomes an HMAC secret); signed JSON is hashed over what it means, so a
 * lone surrogate or invalid UTF-8 is a coded refusal instead of being hashed as U+FFFD; a WebAssembly
 * module with no exports gets a coded ABI error, and nothing is printed to stderr.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactSign } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../src/engine.js';
import { readBundle } from '../src/policy/bundle.js';
import { bundleFileDigest } from '../src/policy/signature-hash.js';
import { signBundle } from '../src/policy/signing.js';
import { packBundle } from '../src/policy/tar-writer.js';
import { PolicyRuntime } from '../src/policy/wasm.js';
import { bundlePath, ROOT } from './helpers/paths.js';

const RSA_PRIV = readFileSync(join(ROOT, 'fixtures/keys/rsa-private.pem'), 'utf8');
const RSA_PUB_BYTES = readFileSync(join(ROOT, 'fixtures/keys/rsa-public.pem'));
const enc = new TextEncoder();
const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

const baseFiles = (): Map<string, Uint8Array> => new Map([...readBundle(bundlePath('global')).files].filter(([p]) => p !== '.signatures.json'));

describe('the algorithm comes from the configured key', () => {
  it('an HS256 token whose secret is the public key PEM does not verify against that key given as a Buffer', async () => {
    const files = baseFiles();
    const entries = [];
    for (const name of [...files.keys()].sort()) entries.push({ name, hash: await bundleFileDigest(name, files.get(name)!), algorithm: 'SHA-256' });
    const jwt = await new CompactSign(enc.encode(JSON.stringify({ files: entries, keyid: 'default' }))).setProtectedHeader({ alg: 'HS256', kid: 'default' }).sign(new Uint8Array(RSA_PUB_BYTES));
    files.set('.signatures.json', enc.encode(JSON.stringify({ signatures: [jwt] })));
    const forged = packBundle(files);
    expect(await codeOf(createEngine({ global: forged, verification: { key: RSA_PUB_BYTES } }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
    expect(await codeOf(createEngine({ global: forged, verification: { key: RSA_PUB_BYTES.toString('utf8') } }))).toBe('MG_BUNDLE_SIGNATURE_INVALID');
  });

  it('the same public key as a Buffer verifies a genuine RS256 signature', async () => {
    const signed = await signBundle(baseFiles(), { key: RSA_PRIV, alg: 'RS256' });
    const engine = await createEngine({ global: signed, verification: { key: RSA_PUB_BYTES } });
    expect(engine.layers).toEqual(['global']);
    await engine.close();
  });
});

describe('signed JSON means one thing', () => {
  /** The global bundle plus extra/data.json, signed, then that file swapped for `swapped` bytes. */
  async function signedThenSwapped(original: string, swapped: Uint8Array): Promise<Uint8Array> {
    const files = baseFiles();
    files.set('extra/data.json', enc.encode(original));
    const signed = new Map(readBundle(await signBundle(files, { key: RSA_PRIV, alg: 'RS256' })).files);
    signed.set('extra/data.json', swapped);
    return packBundle(signed);
  }
  const verification = { key: RSA_PUB_BYTES, alg: 'RS256' } as const;

  it('a lone surrogate escape in place of a signed "\\ufffd" is MG_BUNDLE_UNICODE_INVALID', async () => {
    const bundle = await signedThenSwapped('{"v": "\ufffd"}', enc.encode('{"v": "\\ud800"}'));
    expect(await codeOf(createEngine({ global: bundle, verification }))).toBe('MG_BUNDLE_UNICODE_INVALID');
  });

  it('invalid UTF-8 in place of a signed "\\ufffd" is MG_BUNDLE_UNICODE_INVALID', async () => {
    const bytes = Uint8Array.from([...enc.encode('{"v": "'), 0xff, ...enc.encode('"}')]);
    const bundle = await signedThenSwapped('{"v": "\ufffd"}', bytes);
    expect(await codeOf(createEngine({ global: bundle, verification }))).toBe('MG_BUNDLE_UNICODE_INVALID');
  });

  it('a genuine "\\ufffd" and a genuine surrogate pair still verify and load as signed', async () => {
    const text = '{"v": "\ufffd", "w": "\\ud83d\\ude00"}';
    const bundle = await signedThenSwapped(text, enc.encode(text));
    const engine = await createEngine({ global: bundle, verification });
    expect(engine.layers).toEqual(['global']);
    await engine.close();
  });

  it('signing refuses a lone surrogate', async () => {
    const files = baseFiles();
    files.set('extra/data.json', enc.encode('{"v": "\\udc00"}'));
    expect(await codeOf(signBundle(files, { key: RSA_PRIV, alg: 'RS256' }))).toBe('MG_BUNDLE_UNICODE_INVALID');
  });
});

describe('a WebAssembly module that is not an OPA policy', () => {
  afterEach(() => vi.restoreAllMocks());

  it('with no exports is MG_POLICY_ABI through the engine, and nothing reaches stderr', async () => {
    const errSpy = vi.spyOn(process.stderr, 'write');
    const consoleSpy = vi.spyOn(console, 'error');
    const files = baseFiles();
    // the smallest valid module: no functions, no memory, no exports
    files.set('policy.wasm', Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
    expect(await codeOf(createEngine({ global: packBundle(files) }))).toBe('MG_POLICY_ABI');
    const b = readBundle(bundlePath('global'));
    expect(await codeOf(PolicyRuntime.load(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00), b.data, { deadlines: false }))).toBe('MG_POLICY_ABI');
    expect(errSpy).not.toHaveBeenCalled();
    expect(consoleSpy).not.toHaveBeenCalled();
  });
});
