/**
 * meshgate's version: inlined by the build (tsup `define`), or — when running from source — read from the
 * package's own package.json (found by walking up from this module).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version the build inlines; absent when this module runs from source. */
declare const __MESHGATE_VERSION__: string | undefined;

let cached: string | undefined;

/** The version in meshgate's package.json (`0.0.0` if it cannot be found). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  if (typeof __MESHGATE_VERSION__ === 'string') return (cached = __MESHGATE_VERSION__);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'meshgate' && typeof pkg.version === 'string') return (cached = pkg.version);
      } catch {
        // not ours: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return (cached = '0.0.0');
}
