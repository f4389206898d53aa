/**
 * The default policies shipped in the package (`policies/dist`): the seed's global rules and the
 * finance and marketing domain layers. Found by walking up from this module to the package root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeshgateError } from '../errors.js';
import type { BuildManifest } from './build.js';

/** The folder holding the shipped bundles and their manifest.json. */
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

/** Bundle paths of a built policies folder (default: the shipped one): `global` plus every domain layer. */
export function bundlePaths(distDir: string = defaultPolicyDir()): { global: string; domains: Record<string, string> } {
  let manifest: BuildManifest;
  const file = join(distDir, 'manifest.json');
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as BuildManifest;
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_MANIFEST_INVALID', `cannot read ${file}`, { cause: e, location: { file } });
  }
  const global = manifest.layers?.['global'];
  if (!global) throw new MeshgateError('MG_BUNDLE_MANIFEST_INVALID', `${file} has no global layer`, { location: { file } });
  const domains: Record<string, string> = {};
  for (const [name, layer] of Object.entries(manifest.layers)) if (name !== 'global') domains[name] = join(distDir, layer.bundle);
  return { global: join(distDir, global.bundle), domains };
}
