/**
 * Metered policy modules produced at build time (scripts/premeter.mjs) for the bundles shipped with
 * meshgate: the bundled CLI reads `metered/<sha256 of policy.wasm>.wasm` beside its own code instead of
 * metering the same module again on every start (tens of milliseconds of cold JavaScript). Outside the
 * CLI bundle, or for any module without such a file (a user's bundle), there is none and the module is
 * metered at load. The name is the content hash of the original bytes, so a file can only stand for the
 * module it was made from; the files are built with the code that reads them and share its trust. The
 * build also validated both the original and the metered module, so a module that has such a file needs no
 * validation at start-up ({@link isPremetered}).
 */
import { existsSync, readFileSync } from 'node:fs';

declare const __MESHGATE_CLI_BUNDLE__: boolean | undefined;

function premeteredUrl(sha256Hex: string): URL | undefined {
  if (typeof __MESHGATE_CLI_BUNDLE__ !== 'boolean' || !/^[0-9a-f]{64}$/.test(sha256Hex)) return undefined;
  return new URL(`./metered/${sha256Hex}.wasm`, import.meta.url);
}

/**
 * True when the CLI ships a build-time metered module for the policy.wasm whose SHA-256 is `sha256Hex`:
 * the build validated that policy.wasm (and its metered form) as WebAssembly (scripts/premeter.mjs).
 */
export function isPremetered(sha256Hex: string): boolean {
  const url = premeteredUrl(sha256Hex);
  return url !== undefined && existsSync(url);
}

/** The build-time metered bytes of the policy.wasm whose SHA-256 is `sha256Hex`, when the CLI ships them. */
export function premetered(sha256Hex: string): Uint8Array | undefined {
  const url = premeteredUrl(sha256Hex);
  if (url === undefined) return undefined;
  try {
    return readFileSync(url);
  } catch {
    return undefined; // not shipped (a user's bundle): metered at load
  }
}
