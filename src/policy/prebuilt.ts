/**
 * Artefacts derived at build time (scripts/premeter.mjs) from the bundles shipped with meshgate, read by the
 * bundled CLI from `dist/cli/prebuilt/` beside its own code instead of redoing the same work on every start:
 * - {@link premetered}: a shipped policy.wasm with its instruction metering injected (metering it again is
 *   tens of milliseconds of cold JavaScript);
 * - {@link preinflated}: a shipped bundle's .tar.gz inflated to its tar (gunzip is a few milliseconds per
 *   bundle, and the CLI loads every shipped layer at start).
 * Outside the CLI bundle, or for anything without such a file (a user's bundle), there is none and the work
 * is done at load.
 *
 * An artefact is found by {@link lengthCrcKey} of its original and used only when the original stored beside
 * it (`<key>.<kind>.source`) holds exactly the same bytes: the lookup costs a CRC and a comparison, where a
 * SHA-256 cost loading node:crypto (about 7 ms of every start), and a CRC alone could be matched by a chosen
 * input. The files are built with the code that reads them and share its trust. The build validated each
 * shipped policy.wasm and its metered form as WebAssembly, so a module that has a metered file needs no
 * validation at start-up ({@link isPremetered}).
 */
import { readFileSync } from 'node:fs';
import { lengthCrcKey, sameBytes } from '../crc32.js';

declare const __MESHGATE_CLI_BUNDLE__: boolean | undefined;

/** The kinds of artefact: `<key>.<kind>` is the derived file, `<key>.<kind>.source` its original. */
export const PREBUILT_KINDS = { metered: 'metered.wasm', inflated: 'tar' } as const;

/** What was found for an original already looked up, by kind (null: nothing shipped for it). */
const found = { metered: new WeakMap<Uint8Array, Uint8Array | null>(), inflated: new WeakMap<Uint8Array, Uint8Array | null>() };

function read(url: URL): Uint8Array | undefined {
  try {
    return readFileSync(url);
  } catch {
    return undefined; // not shipped (a user's bundle)
  }
}

/** Files of a shipped bundle read from its prebuilt tar: their bytes are the shipped ones by construction. */
const shipped = new WeakSet<Uint8Array>();

/**
 * Records the files of a bundle read from {@link preinflated}'s tar: being exactly the shipped files, their
 * own artefacts are found without comparing them with a stored original (the build refuses two shipped
 * originals with one key).
 */
export function markShipped(files: Iterable<Uint8Array>): void {
  for (const f of files) shipped.add(f);
}

function prebuilt(kind: keyof typeof PREBUILT_KINDS, original: Uint8Array, key?: string): Uint8Array | undefined {
  if (typeof __MESHGATE_CLI_BUNDLE__ !== 'boolean') return undefined;
  const known = found[kind].get(original);
  if (known !== undefined) return known ?? undefined;
  const k = key ?? lengthCrcKey(original);
  let out: Uint8Array | undefined;
  if (/^[0-9]+-[0-9a-f]{8}$/.test(k)) {
    const name = `./prebuilt/${k}.${PREBUILT_KINDS[kind]}`;
    if (shipped.has(original)) out = read(new URL(name, import.meta.url));
    else {
      const source = read(new URL(`${name}.source`, import.meta.url));
      if (source !== undefined && sameBytes(source, original)) out = read(new URL(name, import.meta.url));
    }
  }
  found[kind].set(original, out ?? null);
  return out;
}

/**
 * The build-time metered bytes of `wasm` (a policy.wasm) when the CLI ships them for exactly these bytes.
 * `key` is {@link lengthCrcKey} of `wasm` when the caller computed it already.
 */
export function premetered(wasm: Uint8Array, key?: string): Uint8Array | undefined {
  return prebuilt('metered', wasm, key);
}

/**
 * True when the CLI ships a build-time metered module for `wasm` (see {@link premetered}): the build
 * validated that policy.wasm and its metered form as WebAssembly (scripts/premeter.mjs).
 */
export function isPremetered(wasm: Uint8Array, key?: string): boolean {
  return premetered(wasm, key) !== undefined;
}

/** The tar inside `gz` (a bundle's .tar.gz) when the CLI ships it inflated for exactly these bytes. */
export function preinflated(gz: Uint8Array): Uint8Array | undefined {
  return prebuilt('inflated', gz);
}
