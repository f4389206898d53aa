/**
 * `meshgate build [policies-dir] [--out dir] [--extends meshgate|path] [--config file] [--check] [--v0] [--signing-key file
 * --signing-alg RS256 --keyid id --scope s] [--opa path]`: compiles every layer (global/, domains/<name>/) to
 * a WASM bundle with the OPA compiler, checks the declared entrypoints, writes the bundles and manifest.json,
 * and signs each bundle in OPA's format when a signing key is given (the manifest's bundle_sha256 then names
 * the signed file). `--check` builds into a temporary folder instead and fails when the output folder differs.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MeshgateError, describeThrown, isMeshgateError } from '../errors.js';
import { buildPolicies, type BuildManifest, type BuildOptions } from '../policy/build.js';
import { readBundle } from '../policy/bundle.js';
import { signBundle, SIGNING_ALGORITHMS, type SigningOptions } from '../policy/signing.js';
import { sha256Hex } from '../sha256.js';
import { extendsFor } from './project-config.js';

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
  /** For a domain-only folder: the global bundle its domains extend (`meshgate` or a path). */
  extends: string | undefined;
  /** `--config`: the meshgate.yaml to read `extends` from when `--extends` is not given (default: meshgate.yaml next to the policies folder). */
  config: string | undefined;
  /** Build into a temporary folder and compare with the output folder instead of writing it. */
  check: boolean;
}

const USAGE = 'usage: meshgate build [policies-dir] [--out dir] [--extends meshgate|path] [--check] [--v0] [--signing-key file] [--signing-alg RS256] [--keyid id] [--scope s] [--opa path]';

/** `meshgate build --help`: every option. */
export const BUILD_HELP = `${USAGE}

Compiles each layer of a policies folder — global/ and domains/<name>/, with the shared lib/ compiled into
each — to a WebAssembly bundle <layer>.tar.gz with the OPA compiler, and writes manifest.json (sha256 of
every source, OPA version, entrypoints). Tests (*_test.rego) are left out; run them with \`meshgate test\`.

options:
  [policies-dir]             the policies folder (default: policies)
  -o, --out <dir>            where bundles and manifest.json go (default: <policies-dir>/dist)
      --extends <global>     for a folder with only domains/: the global bundle they layer on, recorded in
                             the manifest — meshgate (the global rules shipped in the package) or a path to
                             a global bundle (.tar.gz) or a built policies folder. Without it: \`extends\`
                             of the config (below), if any
  -c, --config <file>        the meshgate.yaml to read \`extends\` from (default: meshgate.yaml next to the
                             policies folder, when there is one)
      --check                build into a temporary folder and compare with --out instead of writing it:
                             exit 1 when the committed bundles are stale (for CI)
      --v0                   the sources are Rego v0 (OPA's --v0-compatible)
      --signing-key <file>   sign every bundle (OPA's .signatures.json): a PEM private key, or for HS*
                             a file holding the secret (or the secret itself)
      --signing-alg <alg>    RS256 (default), RS384, RS512, PS256…PS512, ES256…ES512, HS256…HS512
      --keyid <id>           key id written into the signature (needs --signing-key)
      --scope <s>            scope claim written into the signature (needs --signing-key)
      --opa <path>           the OPA binary; without it: $MESHGATE_OPA, then opa on PATH, then
                             .cache/bin/opa of this project or a parent (see docs/authoring.md, "Installing OPA")
  -h, --help                 this help

exit codes: 0 built (or, with --check, up to date), 1 --check found stale bundles, 2 usage or build error
`;

function usage(message: string): MeshgateError {
  return new MeshgateError('MG_CLI_USAGE', `${message}\n${USAGE}`);
}

/** Parses the arguments of `meshgate build` (after the `build` word). Throws MG_CLI_USAGE. */
export function parseBuildArgs(argv: readonly string[]): BuildArgs {
  const args: BuildArgs = { policiesDir: 'policies', outDir: undefined, v0: false, signingKey: undefined, signingAlg: 'RS256', keyid: undefined, scope: undefined, opa: undefined, extends: undefined, config: undefined, check: false };
  const positional: string[] = [];
  const valued = new Set(['--out', '-o', '--signing-key', '--signing-alg', '--keyid', '--scope', '--opa', '--extends', '--config', '-c']);
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
      case '--extends':
        args.extends = value;
        break;
      case '--config':
      case '-c':
        args.config = value;
        break;
      case '--check':
        args.check = true;
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
  if (args.check && args.signingKey !== undefined) throw usage('--check compares unsigned builds: signatures differ on every signing; leave out --signing-key');
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


/** Signs every bundle listed in the manifest in place and rewrites manifest.json with the new hashes. */
export async function signBuiltBundles(outDir: string, manifest: BuildManifest, signing: SigningOptions): Promise<void> {
  for (const layer of Object.values(manifest.layers)) {
    const file = join(outDir, layer.bundle);
    const signed = await signBundle(readBundle(file), signing);
    const tmp = join(outDir, `.${layer.bundle}.${process.pid}.signed.tmp`);
    writeFileSync(tmp, signed);
    renameSync(tmp, file);
    layer.bundle_sha256 = sha256Hex(signed);
  }
  const tmp = join(outDir, `.manifest.json.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(outDir, 'manifest.json'));
}

/** A manifest's text with `extends` as an absolute path, so that builds into different folders compare equal. */
function comparableManifest(dir: string): string | undefined {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  const m = JSON.parse(readFileSync(file, 'utf8')) as BuildManifest;
  if (m.extends !== undefined && m.extends !== 'meshgate') m.extends = resolve(dir, m.extends);
  return JSON.stringify(m);
}

/** The files (bundles, manifest.json) in which a fresh build differs from the committed output folder. */
export function staleFiles(fresh: string, committed: string): string[] {
  const names = (d: string): string[] => (existsSync(d) ? readdirSync(d).filter((f) => !f.startsWith('.')) : []);
  const stale: string[] = [];
  for (const f of [...new Set([...names(fresh), ...names(committed)])].sort()) {
    if (f === 'manifest.json') {
      const a = comparableManifest(fresh);
      if (a === undefined || a !== comparableManifest(committed)) stale.push(f);
      continue;
    }
    const a = existsSync(join(fresh, f)) ? readFileSync(join(fresh, f)) : undefined;
    const b = existsSync(join(committed, f)) && statSync(join(committed, f)).isFile() ? readFileSync(join(committed, f)) : undefined;
    if (!a || !b || !a.equals(b)) stale.push(f);
  }
  return stale;
}

/** Runs `meshgate build`. Returns the exit code: 0 built (or up to date), 1 stale with --check, 2 error (message and code on stderr). */
export async function runBuild(argv: string[], io: BuildIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(BUILD_HELP);
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
    const committed = resolve(args.outDir ?? join(policiesDir, 'dist'));
    const outDir = args.check ? mkdtempSync(join(tmpdir(), 'meshgate-build-check-')) : committed;
    const options: BuildOptions = { policiesDir, outDir, v0: args.v0 };
    if (args.opa !== undefined) options.opa = args.opa;
    const ext = await extendsFor(policiesDir, args.extends, args.config, process.cwd());
    if (ext !== undefined) options.extends = ext;
    if (args.check) {
      try {
        buildPolicies(options);
        const stale = staleFiles(outDir, committed);
        if (stale.length > 0) {
          io.stderr(`meshgate build --check: ${committed} differs from a fresh build of ${policiesDir} in: ${stale.join(', ')}; run \`meshgate build\` and commit the result\n`);
          return 1;
        }
        io.stdout(`meshgate build --check: ${committed} is up to date\n`);
        return 0;
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    }
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
