/**
 * Loading a bundle the safe way round: read its raw files within the budgets (bundle-limits.ts), verify the
 * signature and every file's hash over those raw bytes when a key is configured, and only then parse the
 * manifest and data (and, later, compile the WASM). A bundle that is too large, unsigned or altered is
 * refused before any of its JSON is parsed.
 */
import { assembleBundle, readBundleFilesAsync, type Bundle } from './bundle.js';
import type { BundleLimits } from './bundle-limits.js';
import type { VerificationOptions } from './signing.js';

/** Options of {@link loadBundle}. */
export interface LoadBundleOptions {
  /** Budgets (default: see DEFAULT_BUNDLE_LIMITS). */
  limits?: BundleLimits;
  /** Verify the signature with this key before parsing anything. */
  verification?: VerificationOptions | undefined;
  /** The name used in errors (default: the path, or `bytes`). */
  name?: string;
}

/** Reads, verifies (when configured) and parses a bundle from a path, .tar.gz bytes, or a bundle already read. */
export async function loadBundle(source: string | Uint8Array | Bundle, options: LoadBundleOptions = {}): Promise<Bundle> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    // signing (and its JWT library) is loaded only when a key is configured
    return options.verification ? (await import('./signing.js')).verifiedBundle(source, options.verification) : source;
  }
  const name = options.name ?? (typeof source === 'string' ? source : 'bytes');
  const files = await readBundleFilesAsync(source, options.limits, name);
  if (options.verification) await (await import('./signing.js')).verifyBundle(files, options.verification, name);
  return assembleBundle(files, name);
}
