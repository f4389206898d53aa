/**
 * Bundle signing and verification in OPA's format: a `.signatures.json` file holding
 * `{"signatures": ["<JWT>"]}`, whose JWT payload lists every other file of the bundle with its SHA-256
 * (`{files: [{name, hash, algorithm}], keyid?, scope?}`; structured files are hashed over their normalised
 * JSON, see signature-hash.ts). Bundles signed by `opa build --signing-key` verify here and bundles signed
 * here pass OPA's verification. JWTs use `jose` (RS*, PS*, ES*, HS*).
 *
 * Verification fails closed with one code per failure: MG_BUNDLE_UNSIGNED (no signature),
 * MG_BUNDLE_SIGNATURE_INVALID (a bad JWT, another key, a wrong algorithm, key id or scope),
 * MG_BUNDLE_SIGNATURE_MISMATCH (the signature lists files this bundle lacks: it was made for another
 * bundle), MG_BUNDLE_FILE_UNSIGNED (a file the signature does not cover), MG_BUNDLE_HASH_MISMATCH (a
 * changed file), MG_BUNDLE_KEY_INVALID (the configured key cannot be used).
 */
import { isObject as isRecord } from '../is-object.js';
import { CompactSign, compactVerify, decodeProtectedHeader, importPKCS8, importSPKI, importX509, type CryptoKey as JoseKey } from 'jose';
import { MeshgateError, describeThrown } from '../errors.js';
import { assembleBundle, untarGzip, type Bundle } from './bundle.js';
import { bundleFileDigest, signedContent } from './signature-hash.js';
import { packBundle } from './tar-writer.js';
import { digestHex } from '../sha256.js';

/** JWS algorithms accepted for bundle signatures. */
export const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'] as const;

/** A JWS algorithm accepted for bundle signatures. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** A key: a PEM text (RSA/ECDSA), the secret of an HMAC algorithm (text or bytes), or a WebCrypto key. */
export type BundleKey = string | Uint8Array | CryptoKey;

/** Options of {@link signBundle}. */
export interface SigningOptions {
  /** The private key (PKCS#8 PEM) or the HMAC secret. */
  key: BundleKey;
  /** The algorithm (default RS256). */
  alg?: SigningAlgorithm | string;
  /** The key id written to the JWT header and payload (default `default`, as OPA does). */
  keyid?: string;
  /** An optional scope claim. */
  scope?: string;
  /**
   * When the bundle was issued (seconds since the epoch, or a Date): written as the signed `iat` claim, which
   * bundle pollers use to refuse a rollback to an older bundle. Omitted by default (signing stays reproducible).
   */
  issuedAt?: number | Date;
}

/** Options of {@link verifyBundle} (also the engine's `verification` option). */
export interface VerificationOptions {
  /** The public key (SPKI or PKCS#1 PEM, or an X.509 certificate) or the HMAC secret. */
  key: BundleKey;
  /** The expected algorithm; by default the JWT header's, which must then suit the key type. */
  alg?: SigningAlgorithm | string;
  /** The expected key id: a signature naming another key id is rejected. */
  keyid?: string;
  /** The expected scope (default: none). */
  scope?: string;
}

/** What a bundle's signature covers, as returned by {@link verifyBundle}. */
export interface VerifiedSignature {
  /** The key id named by the signature, if any. */
  keyid: string | undefined;
  /** The algorithm used. */
  alg: string;
  /** The files covered, with their hashes. */
  files: Array<{ name: string; hash: string; algorithm: string }>;
}

/** The signature file's name inside a bundle. */
export const SIGNATURES_FILE = '.signatures.json';

/** Something holding a bundle's files: a bundle read into memory, its file map, or its .tar.gz bytes. */
export type SignableBundle = Bundle | ReadonlyMap<string, Uint8Array> | Uint8Array;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function filesOf(source: SignableBundle): ReadonlyMap<string, Uint8Array> {
  if (source instanceof Uint8Array) return untarGzip(source, 'bytes');
  if (source instanceof Map) return source;
  return (source as Bundle).files;
}

function sourceName(source: SignableBundle): string {
  return source instanceof Uint8Array || source instanceof Map ? 'bundle' : (source as Bundle).source;
}

function checkAlg(alg: string): SigningAlgorithm {
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new MeshgateError('MG_BUNDLE_KEY_INVALID', `unsupported signing algorithm ${alg} (use one of ${SIGNING_ALGORITHMS.join(', ')})`);
  }
  return alg as SigningAlgorithm;
}

const isHmac = (alg: string): boolean => alg.startsWith('HS');
const isPem = (key: BundleKey): key is string => typeof key === 'string' && key.includes('-----BEGIN ');

/**
 * A PEM key handed over as bytes (a Buffer read from a file) is still a PEM key, never an HMAC secret:
 * otherwise an HS256 token made with the public key's bytes as its secret would verify.
 */
function normaliseKey(key: BundleKey): BundleKey {
  if (key instanceof Uint8Array) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(key);
    if (text.includes('-----BEGIN ')) return text;
  }
  return key;
}

function pemBlock(pem: string): { type: string; der: Uint8Array } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) throw new MeshgateError('MG_BUNDLE_KEY_INVALID', 'the key is not a PEM block');
  const b64 = m[2]!.replace(/\s+/g, '');
  const bin = atob(b64);
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return { type: m[1]!, der };
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let x = n; x > 0; x >>= 8) bytes.unshift(x & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo (rsaEncryption), as PEM. */
function pkcs1ToSpki(pkcs1: Uint8Array): string {
  const algId = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  const bitString = [0x03, ...derLength(pkcs1.length + 1), 0x00];
  const body = [...algId, ...bitString, ...pkcs1];
  const der = new Uint8Array([0x30, ...derLength(body.length), ...body]);
  let bin = '';
  for (const b of der) bin += String.fromCharCode(b);
  const b64 = btoa(bin).replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

function keyError(what: string, e: unknown): MeshgateError {
  return new MeshgateError('MG_BUNDLE_KEY_INVALID', `${what}: ${describeThrown(e)}`, { cause: e });
}

async function signingKey(given: BundleKey, alg: SigningAlgorithm): Promise<JoseKey | Uint8Array> {
  const key = normaliseKey(given);
  if (isHmac(alg)) {
    if (isPem(key)) throw new MeshgateError('MG_BUNDLE_KEY_INVALID', `${alg} needs a shared secret, not a PEM key`);
    return typeof key === 'string' ? encoder.encode(key) : key;
  }
  if (!isPem(key)) {
    if (typeof key === 'object' && !(key instanceof Uint8Array)) return key;
    throw new MeshgateError('MG_BUNDLE_KEY_INVALID', `${alg} needs a PEM private key`);
  }
  const { type } = pemBlock(key);
  if (type !== 'PRIVATE KEY') {
    throw new MeshgateError('MG_BUNDLE_KEY_INVALID', `signing key is a ${type} PEM; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt) or use the CLI, which converts it`);
  }
  try {
    return await importPKCS8(key, alg);
  } catch (e) {
    throw keyError(`cannot use the signing key for ${alg}`, e);
  }
}

async function verificationKey(given: BundleKey, alg: SigningAlgorithm): Promise<JoseKey | Uint8Array> {
  const key = normaliseKey(given);
  if (isHmac(alg)) {
    if (isPem(key)) throw new MeshgateError('MG_BUNDLE_SIGNATURE_INVALID', `bundle signed with ${alg} but the configured verification key is a public key`);
    return typeof key === 'string' ? encoder.encode(key) : key;
  }
  if (!isPem(key)) {
    if (typeof key === 'object' && !(key instanceof Uint8Array)) return key;
    throw new MeshgateError('MG_BUNDLE_SIGNATURE_INVALID', `bundle signed with ${alg} but the configured verification key is a shared secret`);
  }
  const { type, der } = pemBlock(key);
  try {
    if (type === 'PUBLIC KEY') return await importSPKI(key, alg);
    if (type === 'RSA PUBLIC KEY') return await importSPKI(pkcs1ToSpki(der), alg);
    if (type === 'CERTIFICATE') return await importX509(key, alg);
  } catch (e) {
    throw keyError(`cannot use the verification key for ${alg}`, e);
  }
  throw new MeshgateError('MG_BUNDLE_KEY_INVALID', `verification key is a ${type} PEM; give the public key (PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)`);
}

/**
 * Signs the files of a bundle: returns a new file map with `.signatures.json` (any previous one replaced).
 * RSA and ECDSA keys must be PKCS#8 PEM; HMAC algorithms take the secret.
 */
export async function signBundleFiles(source: SignableBundle, options: SigningOptions): Promise<Map<string, Uint8Array>> {
  const alg = checkAlg(options.alg ?? 'RS256');
  const key = await signingKey(options.key, alg);
  const files = new Map([...filesOf(source)].filter(([p]) => p !== SIGNATURES_FILE));
  const entries: Array<{ name: string; hash: string; algorithm: string }> = [];
  for (const name of [...files.keys()].sort()) {
    entries.push({ name, hash: await bundleFileDigest(name, files.get(name)!), algorithm: 'SHA-256' });
  }
  const keyid = options.keyid ?? 'default';
  const payload: Record<string, unknown> = { files: entries, keyid };
  if (options.scope !== undefined && options.scope !== '') payload['scope'] = options.scope;
  if (options.issuedAt !== undefined) payload['iat'] = options.issuedAt instanceof Date ? Math.floor(options.issuedAt.getTime() / 1000) : Math.floor(options.issuedAt);
  let jwt: string;
  try {
    jwt = await new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader({ alg, kid: keyid, typ: 'JWT' }).sign(key);
  } catch (e) {
    throw keyError(`cannot sign with ${alg}`, e);
  }
  files.set(SIGNATURES_FILE, encoder.encode(JSON.stringify({ signatures: [jwt] })));
  return files;
}

/** Signs a bundle and returns the signed bundle as deterministic `.tar.gz` bytes. */
export async function signBundle(source: SignableBundle, options: SigningOptions): Promise<Uint8Array> {
  return packBundle(await signBundleFiles(source, options));
}

function invalid(source: string, why: string, cause?: unknown): MeshgateError {
  return new MeshgateError('MG_BUNDLE_SIGNATURE_INVALID', `bundle ${source}: signature rejected: ${why}`, cause === undefined ? { location: { file: source } } : { cause, location: { file: source } });
}

const DIGESTS: Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'> = { 'SHA-256': 'SHA-256', 'SHA-384': 'SHA-384', 'SHA-512': 'SHA-512' };

/**
 * Verifies a bundle's signature against the configured key and checks that the signature covers exactly
 * the bundle's files with matching hashes. Throws a coded MeshgateError (see the module doc) on any failure.
 * `sourceLabel` names the bundle in errors (default: its source, or `bundle`).
 */
export async function verifyBundle(source: SignableBundle, options: VerificationOptions, sourceLabel?: string): Promise<VerifiedSignature> {
  const name = sourceLabel ?? sourceName(source);
  const files = filesOf(source);
  const sigFile = files.get(SIGNATURES_FILE);
  if (!sigFile) {
    throw new MeshgateError('MG_BUNDLE_UNSIGNED', `bundle ${name} is not signed (no ${SIGNATURES_FILE}) but a verification key is configured`, { location: { file: name } });
  }
  let sigs: unknown;
  try {
    sigs = JSON.parse(decoder.decode(sigFile));
  } catch (e) {
    throw invalid(name, `${SIGNATURES_FILE} is not JSON`, e);
  }
  const list = isRecord(sigs) ? sigs['signatures'] : undefined;
  if (!Array.isArray(list)) throw invalid(name, `${SIGNATURES_FILE} has no "signatures" list`);
  if (list.length === 0) {
    throw new MeshgateError('MG_BUNDLE_UNSIGNED', `bundle ${name} has an empty ${SIGNATURES_FILE} but a verification key is configured`, { location: { file: name } });
  }
  if (list.length > 1) throw invalid(name, `${SIGNATURES_FILE} holds ${list.length} JWTs (expected exactly one)`);
  const token = list[0];
  if (typeof token !== 'string') throw invalid(name, 'the signature is not a JWT string');

  let header: { alg?: string; kid?: string };
  try {
    header = decodeProtectedHeader(token);
  } catch (e) {
    throw invalid(name, 'the signature is not a well-formed JWT', e);
  }
  const alg = options.alg ?? header.alg ?? 'RS256';
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) throw invalid(name, `unsupported algorithm ${alg}`);
  if (options.alg !== undefined && header.alg !== undefined && header.alg !== options.alg) {
    throw invalid(name, `signed with ${header.alg}, expected ${options.alg}`);
  }
  const key = await verificationKey(options.key, alg as SigningAlgorithm);
  let payloadBytes: Uint8Array;
  try {
    payloadBytes = (await compactVerify(token, key, { algorithms: [alg] })).payload;
  } catch (e) {
    throw invalid(name, `the JWT does not verify with the configured key (${describeThrown(e)})`, e);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(decoder.decode(payloadBytes));
  } catch (e) {
    throw invalid(name, 'the JWT payload is not JSON', e);
  }
  if (!isRecord(payload) || !Array.isArray(payload['files'])) throw invalid(name, 'the JWT payload has no "files" list');
  const keyid = typeof header.kid === 'string' ? header.kid : typeof payload['keyid'] === 'string' ? payload['keyid'] : undefined;
  if (options.keyid !== undefined && keyid !== undefined && keyid !== options.keyid) {
    throw invalid(name, `signed with key id ${keyid}, expected ${options.keyid}`);
  }
  const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
  if (scope !== (options.scope ?? '')) throw invalid(name, `scope mismatch (signature ${JSON.stringify(scope)}, expected ${JSON.stringify(options.scope ?? '')})`);

  const signed = new Map<string, { name: string; hash: string; algorithm: string }>();
  for (const f of payload['files']) {
    if (!isRecord(f) || typeof f['name'] !== 'string' || typeof f['hash'] !== 'string') throw invalid(name, 'a file entry of the JWT payload is malformed');
    const fname = f['name'].replace(/^\/+/, '');
    const algorithm = typeof f['algorithm'] === 'string' ? f['algorithm'] : '';
    if (signed.has(fname)) throw invalid(name, `the JWT payload lists ${fname} twice`);
    signed.set(fname, { name: fname, hash: f['hash'].toLowerCase(), algorithm });
  }
  const present = [...files.keys()].filter((p) => p !== SIGNATURES_FILE);
  const missing = [...signed.keys()].filter((p) => !files.has(p)).sort();
  if (missing.length > 0) {
    throw new MeshgateError(
      'MG_BUNDLE_SIGNATURE_MISMATCH',
      `bundle ${name}: the signature was made for another bundle: it covers ${missing.join(', ')}, which this bundle does not contain`,
      { location: { file: name }, details: { missing } },
    );
  }
  const uncovered = present.filter((p) => !signed.has(p)).sort();
  if (uncovered.length > 0) {
    throw new MeshgateError('MG_BUNDLE_FILE_UNSIGNED', `bundle ${name}: file(s) not covered by the signature: ${uncovered.join(', ')}`, {
      location: { file: name },
      details: { files: uncovered },
    });
  }
  const changed: string[] = [];
  for (const p of present.sort()) {
    const entry = signed.get(p)!;
    const digestAlg = DIGESTS[entry.algorithm];
    if (!digestAlg) throw invalid(name, `unsupported hashing algorithm ${JSON.stringify(entry.algorithm)} for ${p}`);
    let content: Uint8Array;
    try {
      content = signedContent(p, files.get(p)!);
    } catch (e) {
      if (e instanceof MeshgateError && e.code === 'MG_BUNDLE_UNICODE_INVALID') {
        throw new MeshgateError(e.code, `bundle ${name}: ${p}: ${e.message}`, { cause: e, location: { file: `${name}#${p}` } });
      }
      changed.push(p); // a structured file that no longer parses was changed
      continue;
    }
    if ((await digestHex(digestAlg, content)) !== entry.hash) changed.push(p);
  }
  if (changed.length > 0) {
    throw new MeshgateError('MG_BUNDLE_HASH_MISMATCH', `bundle ${name}: file(s) changed after signing: ${changed.join(', ')}`, {
      location: { file: name },
      details: { files: changed },
    });
  }
  return { keyid, alg, files: [...signed.values()] };
}

/**
 * Verifies a bundle and returns it rebuilt from its verified files, so that the policy and data used are
 * exactly what the signature covers (a Bundle object whose `wasm` or `data` was replaced is not trusted).
 */
export async function verifiedBundle(bundle: Bundle, options: VerificationOptions): Promise<Bundle> {
  const files = new Map(bundle.files);
  await verifyBundle({ ...bundle, files }, options);
  return assembleBundle(files, bundle.source);
}
