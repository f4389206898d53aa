/**
 * The policy build: runs the OPA compiler over the layer folder convention (`global/`,
 * `domains/<name>/`, shared `lib/`) and writes one WASM bundle per layer plus `manifest.json`
 * (sha256 of every source file, OPA version, entrypoints, bundle hashes). Deterministic: building twice
 * from the same sources gives byte-identical bundles and manifest.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { MeshgateError, describeThrown } from '../errors.js';
import { BATCHED_ENTRYPOINTS, ENTRYPOINTS, abiViewEntrypoint, batchViewEntrypoint, type Entrypoint } from '../types.js';
import { readBundle } from './bundle.js';
import type { BuiltLayer, BuildManifest } from './build-manifest.js';
import { SHIPPED_GLOBAL, resolveExtends } from './defaults.js';
import { sha256Hex } from '../sha256.js';

/** Options for {@link buildPolicies}. */
export interface BuildOptions {
  /** The policies folder (default `policies`). */
  policiesDir?: string;
  /** Where bundles go (default `<policiesDir>/dist`). */
  outDir?: string;
  /** The OPA binary (default: found by {@link findOpa}). */
  opa?: string;
  /** Accept Rego v0 sources (`--v0-compatible`). */
  v0?: boolean;
  /** Build only these layers. */
  layers?: string[];
  /** Called after each layer is built (a hook for signing). */
  afterLayer?: (layer: BuiltLayer) => void;
  /**
   * For a domain-only policies folder (no `global/`): the global bundle its domains layer on, `meshgate`
   * (the shipped one) or a path; recorded in the manifest so that the built folder loads on its own.
   */
  extends?: string;
}

export type { BuiltLayer, BuildManifest };

/** Where users are told to read about installing OPA (shipped in the package as docs/authoring.md). */
export const OPA_INSTALL_DOCS = '"Installing OPA" in docs/authoring.md (shipped at node_modules/meshgate/docs/authoring.md)';

/**
 * Finds the OPA compiler, in this order: `explicit` (`--opa`), `$MESHGATE_OPA`, `opa` on PATH, then the
 * project's own build (`.cache/bin/opa` under `cwd`, the working directory by default, or a parent, from
 * `npm run build:opa` in a meshgate checkout); a relative given path is read from `cwd`. A given path that
 * does not exist is an error rather than a reason to look further. Throws MG_OPA_NOT_FOUND listing every
 * place tried and pointing at the install docs.
 */
export function findOpa(explicit?: string, cwd: string = process.cwd()): string {
  const exe = process.platform === 'win32' ? 'opa.exe' : 'opa';
  const given: Array<[string, string | undefined]> = [
    ['--opa', explicit],
    ['MESHGATE_OPA', process.env['MESHGATE_OPA']],
  ];
  for (const [what, p] of given) {
    if (p === undefined || p.trim() === '') continue;
    const at = resolve(cwd, p);
    if (existsSync(at) && statSync(at).isFile()) return at;
    throw new MeshgateError('MG_OPA_NOT_FOUND', `OPA compiler not found: ${what} is ${p}, which is not a file; see ${OPA_INSTALL_DOCS}`, { location: { file: p } });
  }
  for (const d of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!d) continue;
    const p = join(d, exe);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  const tried = ['--opa (not given)', 'MESHGATE_OPA (not set)', `${exe} on PATH (none)`];
  let dir = resolve(cwd);
  for (;;) {
    const p = join(dir, '.cache', 'bin', exe);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  tried.push(`.cache/bin/${exe} in ${resolve(cwd)} or a parent (none)`);
  throw new MeshgateError(
    'MG_OPA_NOT_FOUND',
    `OPA compiler not found. Tried: ${tried.join('; ')}. Install OPA (a package manager, a release binary, or \`go install\`) and put it on PATH, or pass --opa / set MESHGATE_OPA to its path; see ${OPA_INSTALL_DOCS}`,
  );
}

/** The compiler's version string (e.g. `1.22.3`). */
export function opaVersion(opa: string): string {
  const out = run(opa, ['version']);
  const m = /Version:\s*(\S+)/.exec(out);
  return m?.[1] ?? out.split('\n')[0]?.trim() ?? 'unknown';
}

function run(cmd: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...(cwd ? { cwd } : {}) });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    const detail = (err.stderr || err.stdout || describeThrown(e)).trim();
    throw new MeshgateError('MG_BUILD_OPA_FAILED', `${cmd} ${args.join(' ')} failed:\n${detail}`, { cause: e });
  }
}


function listFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const isSource = (p: string): boolean => p.endsWith('.rego') || p.endsWith('data.json') || p.endsWith('data.yaml');
const isTest = (p: string): boolean => p.endsWith('_test.rego');

/** Lists the layers under a policies folder: `global` then each `domains/<name>`. */
export function discoverLayers(policiesDir: string): Array<{ name: string; dir: string }> {
  const layers: Array<{ name: string; dir: string }> = [];
  if (existsSync(join(policiesDir, 'global'))) layers.push({ name: 'global', dir: 'global' });
  const domains = join(policiesDir, 'domains');
  if (existsSync(domains)) {
    for (const e of readdirSync(domains, { withFileTypes: true }).filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!/^[a-z][a-z0-9_-]*$/.test(e.name)) {
        throw new MeshgateError('MG_BUILD_LAYER_NAME', `domain folder name ${e.name} must be lower-case letters, digits, - or _`, { location: { file: join(domains, e.name) } });
      }
      layers.push({ name: e.name, dir: `domains/${e.name}` });
    }
  }
  return layers;
}

/** Entrypoints a layer declares: the ABI packages (`package meshgate.<x>`) found in its sources. */
export function declaredEntrypoints(files: string[]): Entrypoint[] {
  const found = new Set<Entrypoint>();
  for (const f of files) {
    if (!f.endsWith('.rego') || isTest(f)) continue;
    const m = /^\s*package\s+meshgate\.([a-z_]+)\s*$/m.exec(readFileSync(f, 'utf8'));
    const ep = m ? (`meshgate/${m[1]}` as Entrypoint) : undefined;
    if (ep && ENTRYPOINTS.includes(ep)) found.add(ep);
  }
  return ENTRYPOINTS.filter((e) => found.has(e));
}

/**
 * Whether a shared lib/ file belongs in a layer's bundle: not when it adds to an ABI package the layer
 * does not declare (lib/access.rego completes `meshgate.access` from each layer's allow_rules, so a
 * domain with contract rules only would not compile with it). Data files and helper packages always fit;
 * when a data file is present the whole lib/ folder is passed (a data file's place in `data` comes from its folder).
 */
function libFileFits(file: string, entrypoints: readonly Entrypoint[]): boolean {
  if (!file.endsWith('.rego')) return true;
  const m = /^\s*package\s+meshgate\.([a-z_]+)\s*$/m.exec(readFileSync(file, 'utf8'));
  const ep = m ? (`meshgate/${m[1]}` as Entrypoint) : undefined;
  return ep === undefined || !ENTRYPOINTS.includes(ep) || entrypoints.includes(ep);
}

/** Bumped whenever the build's output changes for the same sources (it is part of each revision). */
const BUILD_FORMAT = 3;

/** The folder (under the policies folder, removed after each layer's build) holding the generated ABI views. */
const VIEWS_DIR = 'meshgate_abi_views';

/** The keys of each entrypoint's result in the policy ABI. */
const ABI_KEYS: Record<Entrypoint, readonly string[]> = {
  'meshgate/contract': ['deny', 'warn'],
  'meshgate/contract_change': ['deny', 'warn'],
  'meshgate/terraform': ['deny', 'warn'],
  'meshgate/terraform_plan': ['deny', 'warn'],
  'meshgate/access': ['allow', 'allow_rules', 'deny', 'obligations'],
};

/**
 * Writes one generated package per entrypoint that exposes only the ABI keys of `data.meshgate.<x>`.
 * Evaluating the whole package would also evaluate and serialise every helper rule in it on each call;
 * the engine evaluates the view instead (and falls back to the package for bundles built without views).
 */
function writeAbiViews(dir: string, entrypoints: readonly Entrypoint[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const e of entrypoints) {
    const name = e.slice('meshgate/'.length);
    const lines = [
      '# Generated by meshgate build (not a source file): the ABI keys of the entrypoint only.',
      `package meshgate_abi.${name}`,
      '',
      ...ABI_KEYS[e].map((k) => `${k} := data.meshgate.${name}.${k}\n`),
    ];
    writeFileSync(join(dir, `${name}.rego`), lines.join('\n'));
  }
  // a batch view per batched entrypoint: the view's result for many units in one evaluation, each unit's input
  // made exactly as the engine makes it for a single evaluation ({resource, plan, layer, domain})
  for (const e of entrypoints.filter((x) => BATCHED_ENTRYPOINTS.includes(x))) {
    const path = batchViewEntrypoint(e).split('/'); // [meshgate_abi, <x>_batch, <rule>]
    const rule = path.pop()!;
    const lines = [
      '# Generated by meshgate build (not a source file): the ABI view for many units in one evaluation.',
      `package ${path.join('.')}`,
      '',
      `${rule} := {i: r | some i, u in input.units; r := data.${abiViewEntrypoint(e).replaceAll('/', '.')} with input as {"resource": u.resource, "plan": input.plan, "layer": input.layer, "domain": u.domain}}`,
      '',
    ];
    writeFileSync(join(dir, `${path.at(-1)}.rego`), lines.join('\n'));
  }
}

/** Every entrypoint compiled for a layer exposing `entrypoints`: each one, its ABI view, and the batch views. */
function compiledEntrypoints(entrypoints: readonly Entrypoint[]): string[] {
  return entrypoints.flatMap((e) => [e, abiViewEntrypoint(e), ...(BATCHED_ENTRYPOINTS.includes(e) ? [batchViewEntrypoint(e)] : [])]);
}

/** Builds every layer's bundle and the manifest. Returns the manifest written. */
export function buildPolicies(options: BuildOptions = {}): BuildManifest {
  const policiesDir = resolve(options.policiesDir ?? 'policies');
  if (!existsSync(policiesDir) || !statSync(policiesDir).isDirectory()) {
    throw new MeshgateError('MG_BUILD_NO_POLICIES', `policies folder not found: ${policiesDir}`, { location: { file: policiesDir } });
  }
  const outDir = resolve(options.outDir ?? join(policiesDir, 'dist'));
  const opa = findOpa(options.opa);
  const version = opaVersion(opa);
  mkdirSync(outDir, { recursive: true });
  const libDir = join(policiesDir, 'lib');
  const libFiles = listFiles(libDir).filter(isSource);
  const layers = discoverLayers(policiesDir).filter((l) => !options.layers || options.layers.includes(l.name));
  if (layers.length === 0) throw new MeshgateError('MG_BUILD_NO_POLICIES', `no layers (global/ or domains/<name>/) under ${policiesDir}`);
  const manifest: BuildManifest = { manifest_version: 1, opa_version: version, rego_version: options.v0 ? 'v0' : 'v1', layers: {} };
  if (options.extends !== undefined) {
    if (layers.some((l) => l.name === 'global')) {
      throw new MeshgateError('MG_BUILD_EXTENDS_GLOBAL', `${policiesDir} has its own global layer; --extends is for domain-only policies folders`, { location: { file: join(policiesDir, 'global') } });
    }
    const target = resolveExtends(options.extends, process.cwd()); // fails early when it does not exist
    manifest.extends = options.extends === SHIPPED_GLOBAL ? SHIPPED_GLOBAL : relative(outDir, target).split(sep).join('/');
  }
  for (const layer of layers) {
    const layerDir = join(policiesDir, layer.dir);
    const files = listFiles(layerDir).filter(isSource);
    if (files.length === 0) continue; // an empty layer folder is not a layer
    const entrypoints = declaredEntrypoints(files);
    const fitting = libFiles.filter((f) => libFileFits(f, entrypoints));
    const layerLib = fitting.some((f) => !f.endsWith('.rego')) ? libFiles : fitting;
    if (entrypoints.length === 0) {
      throw new MeshgateError('MG_BUILD_NO_ENTRYPOINT', `layer ${layer.name} (${layerDir}) declares none of the ABI packages (${ENTRYPOINTS.map((e) => e.replace('/', '.')).join(', ')})`, {
        location: { file: layerDir },
      });
    }
    const sources: Record<string, string> = {};
    for (const f of [...layerLib, ...files].sort()) sources[relative(policiesDir, f).split(sep).join('/')] = sha256Hex(readFileSync(f));
    const revision = `${layer.name}-${sha256Hex(JSON.stringify([BUILD_FORMAT, version, options.v0 === true, sources])).slice(0, 16)}`;
    const bundleName = `${layer.name}.tar.gz`;
    const tmp = join(outDir, `.${bundleName}.${process.pid}.tmp`);
    const args = ['build', '-t', 'wasm', '--revision', revision, '--ignore', '*_test.rego', '-o', tmp];
    if (options.v0) args.push('--v0-compatible');
    for (const e of compiledEntrypoints(entrypoints)) args.push('-e', e);
    // Paths relative to the policies folder: the bundle (and the source locations compiled into the WASM)
    // must not depend on where the checkout lives, or a build elsewhere would never match the committed one.
    args.push(layer.dir);
    if (layerLib.length === libFiles.length) {
      if (libFiles.length > 0) args.push('lib');
    } else {
      args.push(...layerLib.map((f) => relative(policiesDir, f).split(sep).join('/')));
    }
    args.push(VIEWS_DIR);
    writeAbiViews(join(policiesDir, VIEWS_DIR), entrypoints);
    try {
      run(opa, args, policiesDir);
    } finally {
      rmSync(join(policiesDir, VIEWS_DIR), { recursive: true, force: true });
    }
    const built = readBundle(tmp);
    const missing = compiledEntrypoints(entrypoints).filter((e) => !built.entrypoints.includes(e));
    if (missing.length > 0) {
      throw new MeshgateError('MG_BUILD_NO_ENTRYPOINT', `layer ${layer.name}: entrypoints missing from the built bundle: ${missing.join(', ')}`);
    }
    renameSync(tmp, join(outDir, bundleName));
    const entry: BuiltLayer = {
      name: layer.name,
      dir: layer.dir,
      bundle: bundleName,
      revision,
      entrypoints,
      sources,
      bundle_sha256: sha256Hex(readFileSync(join(outDir, bundleName))),
    };
    options.afterLayer?.(entry);
    const { name: _name, ...rest } = entry;
    manifest.layers[layer.name] = rest;
  }
  const manifestTmp = join(outDir, `.manifest.json.${process.pid}.tmp`);
  writeFileSync(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(manifestTmp, join(outDir, 'manifest.json'));
  return manifest;
}
