/**
 * Signed checkpoints of the JSONL audit log (as CloudTrail's signed digest files and RFC 6962's signed tree
 * heads): a line `{"alg","checkpoint":{file,head,prev,reason,seq,time},"keyid","sig"}` in canonical form,
 * written between events, outside the event chain. `seq`/`head` are the last event covered and its hash,
 * `prev` is the SHA-256 of the previous checkpoint line (64 zeros for the first), `file` the name of the
 * file the checkpoint sits in, `reason` why it was written (`interval`, `rotate`, `close`, `recover`). The
 * signature covers the canonical JSON of `{alg, checkpoint, keyid}`. Keys are node:crypto keys: Ed25519
 * (`EdDSA`, the default), ECDSA (`ES256`/`ES384`/`ES512`) or RSA (`RS256`/`RS384`/`RS512`); symmetric
 * (HMAC) keys are refused, since whoever verifies with them could also forge.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { MeshgateError, describeThrown } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { GENESIS_HASH } from './chain.js';
import { sha256Hex } from '../sha256.js';

/** Why a checkpoint was written. */
export type CheckpointReason = 'interval' | 'rotate' | 'close' | 'recover';

/** The signed content of a checkpoint. */
export interface Checkpoint {
  /** The name (basename) of the file the checkpoint is in. */
  file: string;
  /** `hash` of the event with `seq`. */
  head: string;
  /** SHA-256 of the previous checkpoint line, or {@link GENESIS_HASH}. */
  prev: string;
  /** Why it was written. */
  reason: CheckpointReason;
  /** `seq` of the last event covered. */
  seq: number;
  /** When it was written (ISO 8601, UTC). */
  time: string;
}

/** Signature algorithms of checkpoints. */
export const CHECKPOINT_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512'] as const;

/** A checkpoint signature algorithm. */
export type CheckpointAlgorithm = (typeof CHECKPOINT_ALGORITHMS)[number];

/** A key as given by a user: PEM text or bytes, or a node:crypto KeyObject. */
export type CheckpointKey = string | Uint8Array | KeyObject;

/** How checkpoints are signed (configured like bundle signing keys: key, alg, keyid). */
export interface CheckpointSigning {
  /** The private key (PKCS#8 or traditional PEM, or a KeyObject). */
  key: CheckpointKey;
  /** The algorithm; default `EdDSA` (Ed25519), otherwise it must suit the key. */
  alg?: CheckpointAlgorithm | string;
  /** The key id recorded with each checkpoint. Default `default`. */
  keyid?: string;
}

/** A ready signer. */
export interface CheckpointSigner {
  /** The algorithm. */
  readonly alg: CheckpointAlgorithm;
  /** The key id. */
  readonly keyid: string;
  /** The matching public key (the sink checks its own checkpoints with it on recovery). */
  readonly publicKey: KeyObject;
  /** The canonical line (no newline) of a signed checkpoint. */
  line(cp: Checkpoint): string;
}

/** A verified checkpoint line. */
export interface VerifiedCheckpoint {
  /** The checkpoint. */
  checkpoint: Checkpoint;
  /** The key id it names. */
  keyid: string;
  /** Its algorithm. */
  alg: string;
}

const KEY_TYPE: Record<CheckpointAlgorithm, string> = { EdDSA: 'ed25519', ES256: 'ec', ES384: 'ec', ES512: 'ec', RS256: 'rsa', RS384: 'rsa', RS512: 'rsa' };
const DIGEST: Record<CheckpointAlgorithm, string | null> = { EdDSA: null, ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };

const keyError = (message: string, cause?: unknown): MeshgateError =>
  new MeshgateError('MG_AUDIT_KEY_INVALID', message, cause === undefined ? {} : { cause });

function toKeyObject(key: CheckpointKey, kind: 'private' | 'public'): KeyObject {
  if (typeof key === 'object' && !(key instanceof Uint8Array)) {
    if (key.type === 'secret') throw keyError('audit checkpoints need an asymmetric key (Ed25519, ECDSA or RSA), not a secret');
    if (kind === 'private' && key.type !== 'private') throw keyError('signing audit checkpoints needs a private key');
    return kind === 'public' && key.type === 'private' ? createPublicKey(key) : key;
  }
  const pem = typeof key === 'string' ? key : Buffer.from(key).toString('utf8');
  try {
    if (kind === 'private') return createPrivateKey(pem);
    return createPublicKey(pem);
  } catch (e) {
    throw keyError(`cannot read the ${kind} key for audit checkpoints (PEM expected): ${describeThrown(e)}`, e);
  }
}

function algorithmFor(key: KeyObject, alg: string | undefined): CheckpointAlgorithm {
  const type = key.asymmetricKeyType ?? '';
  const chosen = alg ?? (type === 'ed25519' ? 'EdDSA' : type === 'ec' ? 'ES256' : type === 'rsa' ? 'RS256' : 'EdDSA');
  if (!(CHECKPOINT_ALGORITHMS as readonly string[]).includes(chosen)) {
    throw keyError(`unsupported checkpoint algorithm ${JSON.stringify(chosen)} (use one of ${CHECKPOINT_ALGORITHMS.join(', ')})`);
  }
  const a = chosen as CheckpointAlgorithm;
  if (KEY_TYPE[a] !== type) throw keyError(`checkpoint algorithm ${a} needs a ${KEY_TYPE[a]} key, got ${type || 'an unknown key type'}`);
  return a;
}

function payload(alg: string, checkpoint: Checkpoint | Record<string, unknown>, keyid: string): Buffer {
  return Buffer.from(canonicalJson({ alg, checkpoint, keyid }), 'utf8');
}

const sigOptions = (alg: CheckpointAlgorithm, key: KeyObject): KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' } =>
  alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key;

/** Builds a signer from a private key. Throws `MG_AUDIT_KEY_INVALID` when the key or algorithm cannot be used. */
export function checkpointSigner(options: CheckpointSigning): CheckpointSigner {
  const key = toKeyObject(options.key, 'private');
  const alg = algorithmFor(key, options.alg);
  const keyid = options.keyid ?? 'default';
  const publicKey = createPublicKey(key);
  return {
    alg,
    keyid,
    publicKey,
    line(cp: Checkpoint): string {
      const sig = sign(DIGEST[alg], payload(alg, cp, keyid), sigOptions(alg, key)).toString('base64url');
      return canonicalJson({ alg, checkpoint: cp, keyid, sig });
    },
  };
}

/** Reads a public key (PEM, or a private key whose public half is used). Throws `MG_AUDIT_KEY_INVALID`. */
export function checkpointPublicKey(key: CheckpointKey): KeyObject {
  return toKeyObject(key, 'public');
}

/** SHA-256 of a checkpoint line's canonical text: what the next checkpoint's `prev` holds. */
export function checkpointLineHash(value: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(value));
}

const HEX64 = /^[0-9a-f]{64}$/;
const REASONS = new Set(['interval', 'rotate', 'close', 'recover']);

/** Checks a parsed checkpoint line's shape and signature against `key`; returns the checkpoint, or why it is bad. */
export function verifyCheckpointLine(value: Record<string, unknown>, key: KeyObject, expectedKeyid?: string): VerifiedCheckpoint | string {
  const { alg, checkpoint, keyid, sig } = value;
  if (typeof alg !== 'string' || typeof keyid !== 'string' || typeof sig !== 'string') return 'the checkpoint line lacks alg, keyid or sig';
  if (Object.keys(value).length !== 4) return 'the checkpoint line has unexpected members';
  const cp = checkpoint as Record<string, unknown>;
  const shapeOk =
    typeof cp.file === 'string' &&
    typeof cp.head === 'string' &&
    HEX64.test(cp.head) &&
    typeof cp.prev === 'string' &&
    HEX64.test(cp.prev) &&
    typeof cp.reason === 'string' &&
    REASONS.has(cp.reason) &&
    typeof cp.seq === 'number' &&
    Number.isSafeInteger(cp.seq) &&
    cp.seq >= 0 &&
    typeof cp.time === 'string' &&
    Object.keys(cp).length === 6;
  if (!shapeOk) return 'the checkpoint has missing, extra or invalid fields';
  if (expectedKeyid !== undefined && keyid !== expectedKeyid) return `the checkpoint names key id ${JSON.stringify(keyid)}, expected ${JSON.stringify(expectedKeyid)}`;
  let a: CheckpointAlgorithm;
  try {
    a = algorithmFor(key, alg);
  } catch (e) {
    return `the checkpoint's algorithm ${JSON.stringify(alg)} does not suit the key (${describeThrown(e)})`;
  }
  let good = false;
  try {
    good = verify(DIGEST[a], payload(a, cp, keyid), sigOptions(a, key), Buffer.from(sig, 'base64url'));
  } catch {
    good = false;
  }
  if (!good) return 'invalid signature: the checkpoint was forged, edited or signed by another key';
  return { checkpoint: cp as unknown as Checkpoint, keyid, alg: a };
}

/** The `prev` of the first checkpoint of a log. */
export const FIRST_CHECKPOINT_PREV = GENESIS_HASH;
