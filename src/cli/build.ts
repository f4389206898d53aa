/**
 * `meshgate build [policies-dir] [--out dir] [--v0] [--signing-key file --signing-alg RS256 --keyid id
 * --scope s] [--opa path]`: compiles every layer (global/, domains/<name>/) to a WASM bundle with the OPA
 * compiler, checks the declared entrypoints, writes the bundles and manifest.json, and signs each bundle
 * in OPA's format when a signing key is given (the manifest's bundle_sha256 then names the signed file).
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MeshgateError, describeThrown, isMeshgateError } from '../errors.js';
import { buildPolicies, type BuildManifest, type BuildOptions } from '../policy/build.js';
import { readBundle } from '../policy/bundle.js';
import { signBundle, SIGNING_ALGORITHMS, type SigningOptions } from '../policy/signing.js';

/** Where the command writes its text. */
export interface BuildIo {
  /** Normal output. */
  stdout: (s: string) => void;
  /** Errors. */
  stderr: (s: string) => void;
}

/** The parsed arguments of `meshgate build`. */
export interface BuildArgs {
  /** The policies folder. */
  policiesDir: string;
  /** The output folder (default `<policiesDir>/dist`). */
  outDir: string | undefined;
  /** Rego v0 sources. */
  v0: boolean;
  /** Path of the signing key (PEM) or, for HS*, a file holding the secret or the secret itself. */
  signingKey: string | undefined;
  /** Signing algorithm (default RS256). */
  signingAlg: string;
  /** Key id written into the signature. */
  keyid: string | undefined;
  /** Scope claim. */
  scope: string | undefined;
  /** The OPA binary. */
  opa: string | undefined;
}

const USAGE = 'usage: meshgate build [policies-dir] [--out dir] [--v0] [--signing-key file] [--signing-alg RS256] [--keyid id] [--scope s] [--opa path]';

function usage(message: string): MeshgateError {
  return new MeshgateError('MG_CLI_USAGE', `${message}\n${USAGE}`);
}

/** Parses the arguments of `meshgate build` (after the `build` word). Throws MG_CLI_USAGE. */
export function parseBuildArgs(argv: readonly string[]): BuildArgs {
  const args: BuildArgs = { policiesDir: 'policies', outDir: undefined, v0: false, signingKey: undefined, signingAlg: 'RS256', keyid: undefined, scope: undefined, opa: undefined };
  const positional: string[] = [];
  const valued = new Set(['--out', '-o', '--signing-key', '--signing-alg', '--keyid', '--scope', '--opa']);
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    let value: string | undefined;
    if (valued.has(flag)) {
      value = eq > 0 ? raw.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw usage(`${flag} needs a value`);
    }
    switch (flag) {
      case '--out':
      case '-o':
        args.outDir = value;
        break;
      case '--signing-key':
        args.signingKey = value;
        break;
      case '--signing-alg':
        args.signingAlg = value!;
        break;
      case '--keyid':
        args.keyid = value;
        break;
      case '--scope':
        args.scope = value;
        break;
      case '--opa':
        args.opa = value;
        break;
      case '--v0':
        args.v0 = true;
        break;
      default:
        if (raw.startsWith('-') && raw !== '-') throw usage(`unknown option ${raw}`);
        positional.push(raw);
    }
  }
  if (positional.length > 1) throw usage(`expected one policies folder, got ${positional.join(' ')}`);
  if (positional[0] !== undefined) args.policiesDir = positional[0];
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(args.signingAlg)) throw usage(`unsupported --signing-alg ${args.signingAlg} (use one of ${SIGNING_ALGORITHMS.join(', ')})`);
  if (args.signingKey === undefined && (args.keyid !== undefined || args.scope !== undefined)) throw usage('--keyid and --scope need --signing-key');
  return args;
}

/**
 * Reads the signing key as OPA does: for HMAC algorithms the file's content, or the value itself when no
 * such file exists; for RSA/ECDSA a PEM private key file (PKCS#1 and SEC1 keys are converted to PKCS#8).
 */
export function loadSigningKey(value: string, alg: string): string | Uint8Array {
  if (alg.startsWith('HS')) return existsSync(value) && statSync(value).isFile() ? new Uint8Array(readFileSync(value)) : value;
  let pem: string;
  try {
    pem = readFileSync(value, 'utf8');
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_KEY_INVALID', `cannot read signing key ${value}: ${describeThrown(e)}`, { cause: e, location: { file: value } });
  }
  if (/-----BEGIN PRIVATE KEY-----/.test(pem)) return pem;
  try {
    return createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_KEY_INVALID', `signing key ${value} is not a usable PEM private key: ${describeThrown(e)}`, { cause: e, location: { file: value } });
  }
}

function sha256Hex(bytes: Uint8Array): Promise<string> {
  return globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>).then((d) => Buffer.from(d).toString('hex'));
}

/** Signs every bundle listed in the manifest in place and rewrites manifest.json with the new hashes. */
export async function signBuiltBundles(outDir: string, manifest: BuildManifest, signing: SigningOptions): Promise<void> {
  for (const layer of Object.values(manifest.layers)) {
    const file = join(outDir, layer.bundle);
    const signed = await signBundle(readBundle(file), signing);
    const tmp = join(outDir, `.${layer.bundle}.${process.pid}.signed.tmp`);
    writeFileSync(tmp, signed);
    renameSync(tmp, file);
    layer.bundle_sha256 = await sha256Hex(signed);
  }
  const tmp = join(outDir, `.manifest.json.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(outDir, 'manifest.json'));
}

/** Runs `meshgate build`. Returns the exit code: 0 built, 2 error (message and code on stderr). */
export async function runBuild(argv: string[], io: BuildIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseBuildArgs(argv);
    const signing: SigningOptions | undefined =
      args.signingKey === undefined
        ? undefined
        : {
            key: loadSigningKey(args.signingKey, args.signingAlg),
            alg: args.signingAlg,
            ...(args.keyid !== undefined ? { keyid: args.keyid } : {}),
            ...(args.scope !== undefined ? { scope: args.scope } : {}),
          };
    const policiesDir = resolve(args.policiesDir);
    const outDir = resolve(args.outDir ?? join(policiesDir, 'dist'));
    const options: BuildOptions = { policiesDir, outDir, v0: args.v0 };
    if (args.opa !== undefined) options.opa = args.opa;
    const manifest = buildPolicies(options);
    if (signing) await signBuiltBundles(outDir, manifest, signing);
    for (const [name, l] of Object.entries(manifest.layers)) {
      io.stdout(`built ${name}: ${l.bundle} revision ${l.revision} entrypoints ${l.entrypoints.join(', ')}${signing ? ` signed ${signing.alg}` : ''}\n`);
    }
    io.stdout(`opa ${manifest.opa_version}; wrote ${outDir}\n`);
    return 0;
  } catch (e) {
    const err = isMeshgateError(e) ? e : new MeshgateError('MG_BUILD_FAILED', describeThrown(e), { cause: e });
    io.stderr(`meshgate build: ${err.toString()}\n`);
    return 2;
  }
}
