/** Paths shared by tests: repo root, compiled bundles, fixtures, the corpus and the OPA binary. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** policies/dist. */
export const DIST = join(ROOT, 'policies', 'dist');
/** A compiled layer bundle in policies/dist. */
export const bundlePath = (layer: string): string => join(DIST, `${layer}.tar.gz`);
/** fixtures/. */
export const FIXTURES = join(ROOT, 'fixtures');
/** ../shared/corpus (present in CI). */
export const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');
/** The OPA binary, when built. */
export const OPA = process.env['MESHGATE_OPA'] ?? join(ROOT, '.cache', 'bin', 'opa');
/** True when the OPA binary is available. */
export const HAVE_OPA = existsSync(OPA);
/** True when running in CI (where nothing may be skipped). */
export const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';
/** True when ../shared/corpus is beside the checkout (always in CI). */
export const HAVE_CORPUS = existsSync(CORPUS);
/**
 * Whether a corpus suite should be skipped: only outside CI when the corpus is absent (a printed reason
 * says so). In CI a missing corpus is a failure, never a skip.
 */
export function skipCorpus(suite: string): boolean {
  if (HAVE_CORPUS) return false;
  if (IN_CI) throw new Error(`${suite}: the corpus must be present in CI at ${CORPUS}`);
  console.log(`${suite}: skipped because ${CORPUS} is absent (CI always has it)`);
  return true;
}
