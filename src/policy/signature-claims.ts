/**
 * Reading the claims of a bundle's signature without verifying it (for ordering bundles that were already
 * verified, or are about to be): the `iat` (issued at, seconds) claim of the JWT in `.signatures.json`.
 * Kept apart from signing.ts so that reading a claim does not load the JWT library.
 */

/** The signature's `iat` claim in seconds, or undefined when the bundle is unsigned or the claim is absent. */
export function signedIssuedAt(files: ReadonlyMap<string, Uint8Array>): number | undefined {
  const sig = files.get('.signatures.json');
  if (!sig) return undefined;
  try {
    const list = (JSON.parse(new TextDecoder().decode(sig)) as { signatures?: unknown }).signatures;
    const token = Array.isArray(list) ? list[0] : undefined;
    if (typeof token !== 'string') return undefined;
    const payload = token.split('.')[1];
    if (payload === undefined) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat?: unknown };
    return typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? claims.iat : undefined;
  } catch {
    return undefined;
  }
}
