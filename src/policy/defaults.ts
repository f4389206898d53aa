/**
 * The default policies shipped in the package (`policies/dist`): the seed's global rules and the
 * finance and marketing domain layers. Found by walking up from this module to the package root.
 * Also resolves what a domain-only policy set `extends`: the shipped global bundle or a given one.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeshgateError } from '../errors.js';
import type { BuildManifest } from './build-manifest.js';

/** The value of `extends` that names the global bundle shipped in the package. */
export const SHIPPED_GLOBAL = 'meshgate';

/** The folder holding the shipped bundles and their manifest.json (`policies/dist` of the installed package). */
export function defaultPolicyDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'policies', 'dist');
    if (existsSync(join(candidate, 'manifest.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new MeshgateError('MG_DEFAULT_POLICIES_MISSING', 'the default policy bundles (policies/dist/manifest.json) were not found beside the meshgate package');
}

function readManifest(distDir: string): BuildManifest {
  const file = join(distDir, 'manifest.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BuildManifest;
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_MANIFEST_INVALID', `cannot read ${file}`, { cause: e, location: { file } });
  }
}

/** A built folder given as the policies source folder (`policies`) is read from its `dist/` when it has no manifest of its own. */
function builtDir(dir: string): string {
  return !existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, 'dist', 'manifest.json')) ? join(dir, 'dist') : dir;
}

/**
 * The global bundle a domain-only policy set layers on: `meshgate` (exactly) is the bundle shipped in the
 * package; anything else is a path, relative to `baseDir`, of a global bundle (`.tar.gz` or bundle folder)
 * or of a built policies folder (with manifest.json) that has a global layer. Throws MG_CONFIG_INVALID.
 */
export function resolveExtends(value: string, baseDir: string): string {
  if (value === SHIPPED_GLOBAL) return join(defaultPolicyDir(), 'global.tar.gz');
  const path = resolve(baseDir, value);
  if (!existsSync(path)) {
    throw new MeshgateError('MG_CONFIG_INVALID', `extends ${JSON.stringify(value)}: no such global bundle ${path} (use \`${SHIPPED_GLOBAL}\` for the shipped global rules, or a path to a global bundle)`, {
      location: { file: path },
    });
  }
  if (statSync(path).isDirectory() && existsSync(join(builtDir(path), 'manifest.json'))) {
    const dist = builtDir(path);
    const global = readManifest(dist).layers?.['global'];
    if (!global) throw new MeshgateError('MG_CONFIG_INVALID', `extends ${JSON.stringify(value)}: ${join(dist, 'manifest.json')} has no global layer to extend`, { location: { file: join(dist, 'manifest.json') } });
    return join(dist, global.bundle);
  }
  return path;
}

/**
 * Bundle paths of a built policies folder (default: the shipped one): `global` plus every domain layer.
 * A domain-only folder (built with `meshgate build --extends …`) takes the global bundle its manifest
 * `extends`; one that extends nothing is refused (MG_BUNDLE_MANIFEST_INVALID) rather than run without global rules.
 */
export function bundlePaths(distDir: string = defaultPolicyDir()): { global: string; domains: Record<string, string> } {
  const dir = builtDir(distDir);
  const file = join(dir, 'manifest.json');
  const manifest = readManifest(dir);
  const global = manifest.layers?.['global'];
  const domains: Record<string, string> = {};
  for (const [name, layer] of Object.entries(manifest.layers ?? {})) if (name !== 'global') domains[name] = join(dir, layer.bundle);
  if (global) return { global: join(dir, global.bundle), domains };
  if (typeof manifest.extends === 'string') return { global: resolveExtends(manifest.extends, dir), domains };
  throw new MeshgateError(
    'MG_BUNDLE_MANIFEST_INVALID',
    `${file} has no global layer and extends none: build a domain-only policies folder with \`meshgate build --extends ${SHIPPED_GLOBAL}\` (the shipped global rules) or \`--extends <global bundle>\``,
    { location: { file } },
  );
}
