/**
 * Reads an OPA bundle — from a .tar.gz file, a directory, or bytes — into memory: `policy.wasm`, the
 * `data.json` documents merged by their directory path, `.manifest` and every other file (for signature
 * verification). Reading the raw files ({@link readBundleFiles}, {@link readBundleFilesAsync}) is kept
 * apart from parsing them ({@link assembleBundle}), so that a signature can be checked in between, and
 * every read is held to the budgets of bundle-limits.ts. Every problem is a MeshgateError with its own
 * code; nothing partial is returned.
 */
import { isObject as isPlainObject, setOwn } from '../is-object.js';
import { markShipped, preinflated } from './prebuilt.js';
import { createGunzip, gunzipSync } from 'node:zlib';
import { readFile, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { MeshgateError, describeThrown } from '../errors.js';
import { BundleBudget, checkCompressed, resolveLimits, type BundleLimits, type ResolvedBundleLimits } from './bundle-limits.js';

export type { BundleLimits } from './bundle-limits.js';

// node:fs callbacks rather than node:fs/promises, which costs its own module graph at every CLI start
const readFileAsync = (path: string): Promise<Buffer> => new Promise((res, rej) => readFile(path, (e, bytes) => (e ? rej(e) : res(bytes))));

/** The parsed `.manifest` of a bundle (only the fields meshgate reads; others are kept). */
export interface BundleManifest {
  /** The bundle revision (may be empty). */
  revision: string;
  /** Roots owned by the bundle. */
  roots?: string[];
  /** WASM modules and their entrypoints. */
  wasm?: Array<{ entrypoint: string; module: string }>;
  /** Rego version the bundle was built for. */
  rego_version?: number;
  /** Any other keys. */
  [key: string]: unknown;
}

/** A bundle read into memory. */
export interface Bundle {
  /** Where it came from (a path, a URL or `bytes`). */
  source: string;
  /** Every file by its path inside the bundle, without a leading slash. */
  files: Map<string, Uint8Array>;
  /** The compiled policy. */
  wasm: Uint8Array;
  /** data.json documents merged by directory. */
  data: Record<string, unknown>;
  /** The parsed manifest (an empty revision when the bundle has none). */
  manifest: BundleManifest;
  /** The manifest's revision. */
  revision: string;
  /** The entrypoints declared in the manifest (`meshgate/contract`, …). */
  entrypoints: string[];
}

/** Reads a bundle from a path (a .tar.gz file or a directory) or from the bytes of a .tar.gz. */
export function readBundle(source: string | Uint8Array, limits: BundleLimits = {}): Bundle {
  return assembleBundle(readBundleFiles(source, limits), typeof source === 'string' ? source : 'bytes');
}

/** Reads a bundle from .tar.gz bytes, naming `source` in errors. */
export function readBundleBytes(bytes: Uint8Array, source: string, limits: BundleLimits = {}): Bundle {
  return assembleBundle(untarGzip(bytes, source, limits), source);
}

function statOrThrow(source: string): { dir: boolean; size: number } {
  try {
    const st = statSync(source);
    return { dir: st.isDirectory(), size: st.size };
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_NOT_FOUND', `bundle not found: ${source} (${describeThrown(e)})`, { cause: e, location: { file: source } });
  }
}

function readError(source: string, e: unknown): MeshgateError {
  return new MeshgateError('MG_BUNDLE_READ', `cannot read bundle ${source}: ${describeThrown(e)}`, { cause: e, location: { file: source } });
}

/** Reads the raw files of a bundle (nothing parsed) from a path or .tar.gz bytes, within the budgets. */
export function readBundleFiles(source: string | Uint8Array, limits: BundleLimits = {}): Map<string, Uint8Array> {
  const lim = resolveLimits(limits);
  if (typeof source !== 'string') return untarGzip(source, 'bytes', limits);
  const st = statOrThrow(source);
  if (st.dir) return readDirectoryFiles(source, lim);
  checkCompressed(st.size, lim, source);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source);
  } catch (e) {
    throw readError(source, e);
  }
  return untarGzip(bytes, source, limits);
}

/**
 * Reads the raw files of a bundle like {@link readBundleFiles}, but inflates a .tar.gz as a stream: each tar
 * header's declared size is checked against the budgets before its content is inflated, so a bundle that
 * would expand past a limit is refused after a few kilobytes of work instead of after the expansion.
 */
export async function readBundleFilesAsync(source: string | Uint8Array, limits: BundleLimits = {}, name?: string): Promise<Map<string, Uint8Array>> {
  const lim = resolveLimits(limits);
  if (typeof source !== 'string') return untarGzipStreaming(source, name ?? 'bytes', lim);
  let st;
  try {
    st = statSync(source);
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_NOT_FOUND', `bundle not found: ${source} (${describeThrown(e)})`, { cause: e, location: { file: source } });
  }
  if (st.isDirectory()) return readDirectoryFiles(source, lim);
  checkCompressed(st.size, lim, source);
  let bytes: Uint8Array;
  try {
    // a regular file (a bundle is small: within maxCompressedBytes) is read at once, without a thread-pool
    // round trip per step; anything else (a FIFO, a device) is read without blocking the event loop
    bytes = st.isFile() ? readFileSync(source) : await readFileAsync(source);
  } catch (e) {
    throw readError(source, e);
  }
  return untarGzipStreaming(bytes, name ?? source, lim);
}

function readDirectoryFiles(dir: string, limits: ResolvedBundleLimits): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const budget = new BundleBudget(limits, dir);
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const path = relative(dir, p).split(sep).join('/');
        budget.file(path, statSync(p).size, true); // by its size on disk, before reading it
        files.set(path, readFileSync(p));
      }
    }
  };
  try {
    walk(dir);
  } catch (e) {
    if (e instanceof MeshgateError) throw e;
    throw new MeshgateError('MG_BUNDLE_READ', `cannot read bundle directory ${dir}: ${describeThrown(e)}`, { cause: e, location: { file: dir } });
  }
  return files;
}

function gzipError(source: string, e: unknown): MeshgateError {
  return new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source} is not a valid gzip file: ${describeThrown(e)}`, { cause: e, location: { file: source } });
}

/** Gunzips and untars (ustar + PAX path records) into a file map, within the budgets. */
export function untarGzip(bytes: Uint8Array, source: string, limits: BundleLimits = {}): Map<string, Uint8Array> {
  const lim = resolveLimits(limits);
  checkCompressed(bytes.length, lim, source);
  const shipped = untarPreinflated(bytes, source, lim);
  if (shipped !== undefined) return shipped;
  let tar: Uint8Array;
  try {
    // inflation stops as soon as the output passes the limit
    tar = gunzipSync(bytes, { maxOutputLength: lim.maxExpandedBytes + 1 });
  } catch (e) {
    if (e instanceof RangeError || /maxOutputLength|buffer/i.test(describeThrown(e))) new BundleBudget(lim, source).bytes(lim.maxExpandedBytes + 1);
    throw gzipError(source, e);
  }
  return untarWithin(tar, source, lim);
}

/** The files of a whole tar, held to the budgets (its total size first, then file by file). */
function untarWithin(tar: Uint8Array, source: string, lim: ResolvedBundleLimits): Map<string, Uint8Array> {
  new BundleBudget(lim, source).bytes(tar.length);
  return untar(tar, source, new BundleBudget(lim, source));
}

/**
 * The files of a bundle the CLI ships, from the tar its build inflated ({@link preinflated}: only for exactly
 * the shipped bytes), within the same budgets; undefined for any other bundle.
 */
function untarPreinflated(bytes: Uint8Array, source: string, lim: ResolvedBundleLimits): Map<string, Uint8Array> | undefined {
  const tar = preinflated(bytes);
  if (tar === undefined) return undefined;
  const files = untarWithin(tar, source, lim);
  markShipped(files.values());
  return files;
}

/** The streaming inflation of {@link readBundleFilesAsync}: headers are checked as soon as they are inflated. */
function untarGzipStreaming(bytes: Uint8Array, source: string, lim: ResolvedBundleLimits): Promise<Map<string, Uint8Array>> {
  checkCompressed(bytes.length, lim, source);
  try {
    const shipped = untarPreinflated(bytes, source, lim);
    if (shipped !== undefined) return Promise.resolve(shipped);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let buf: Buffer = Buffer.alloc(0); // the not yet scanned tail, from `scanAt`
    let scanAt = 0; // absolute offset of the next tar header
    let bufStart = 0; // absolute offset of buf[0]
    let pendingName: string | undefined;
    let done = false;
    const budget = new BundleBudget(lim, source);
    const gunzip = createGunzip({ chunkSize: 256 * 1024 }); // few, large chunks: few event-loop turns
    const stop = (e: unknown): void => {
      if (done) return;
      done = true;
      gunzip.destroy();
      reject(e);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (done) return;
      try {
        total += chunk.length;
        budget.bytes(chunk.length);
        chunks.push(chunk);
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        // scan every complete header now in the buffer
        for (;;) {
          const rel = scanAt - bufStart;
          if (rel < 0 || rel + 512 > buf.length) break;
          const header = buf.subarray(rel, rel + 512);
          if (header.every((b) => b === 0)) break; // end of archive: untar() checks the rest
          const size = parseInt(field(header, 124, 12).trim() || '0', 8);
          if (!Number.isFinite(size) || size < 0) break; // untar() reports it
          const type = String.fromCharCode(header[156] ?? 0);
          if (type === 'x') {
            if (rel + 512 + size > buf.length) break; // wait for the PAX record
            pendingName = parsePaxPath(decoder.decode(buf.subarray(rel + 512, rel + 512 + size)));
          } else if (type === '0' || type === '\0' || type === '') {
            const magic = field(header, 257, 6);
            let name = field(header, 0, 100);
            if (magic.startsWith('ustar')) {
              const prefix = field(header, 345, 155);
              if (prefix) name = `${prefix}/${name}`;
            }
            budget.file((pendingName ?? name).replace(/^\.?\/+/, ''), size);
            pendingName = undefined;
          } else if (type !== 'g') pendingName = undefined;
          scanAt += 512 + Math.ceil(size / 512) * 512;
        }
        // drop what was scanned
        const keep = Math.max(0, scanAt - bufStart);
        if (keep >= buf.length) {
          bufStart += buf.length;
          buf = Buffer.alloc(0);
        } else if (keep > 0) {
          buf = buf.subarray(keep);
          bufStart += keep;
        }
      } catch (e) {
        stop(e);
      }
    });
    gunzip.on('error', (e) => stop(gzipError(source, e)));
    gunzip.on('end', () => {
      if (done) return;
      done = true;
      try {
        resolve(untar(Buffer.concat(chunks, total), source, new BundleBudget(lim, source)));
      } catch (e) {
        reject(e);
      }
    });
    gunzip.end(bytes);
  });
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function field(buf: Uint8Array, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return decoder.decode(nul === -1 ? slice : slice.subarray(0, nul));
}

function untar(tar: Uint8Array, source: string, budget: BundleBudget): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let paxPath: string | undefined;
  let sawEnd = false;
  const corrupt = (why: string): MeshgateError =>
    new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source} is not a valid tar archive: ${why}`, { location: { file: source } });
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) {
      sawEnd = true;
      break;
    }
    // checksum: sum of header bytes with the checksum field taken as spaces
    const stored = parseInt(field(header, 148, 8).trim(), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (!Number.isFinite(stored) || stored !== sum) throw corrupt(`bad header checksum at byte ${offset}`);
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw corrupt(`bad entry size at byte ${offset}`);
    const type = String.fromCharCode(header[156] ?? 0);
    const magic = field(header, 257, 6);
    let name = field(header, 0, 100);
    if (magic.startsWith('ustar')) {
      const prefix = field(header, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const dataStart = offset + 512;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw corrupt(`entry ${name} is truncated`);
    const body = tar.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = parsePaxPath(decoder.decode(body));
      continue;
    }
    if (type === 'g') continue;
    if (type !== '0' && type !== '\0' && type !== '') {
      paxPath = undefined;
      continue; // directories, links: not bundle content
    }
    const path = normaliseBundlePath(paxPath ?? name, source);
    paxPath = undefined;
    if (files.has(path)) throw corrupt(`duplicate entry ${path}`);
    budget.file(path, size);
    files.set(path, body.slice());
  }
  if (!sawEnd && offset < tar.length) throw corrupt('trailing data');
  if (files.size === 0) throw corrupt('no files');
  return files;
}

function parsePaxPath(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

function normaliseBundlePath(p: string, source: string): string {
  const clean = p.replace(/^\.?\/+/, '');
  if (clean.split('/').some((seg) => seg === '..')) {
    throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source} has an entry escaping its root: ${p}`, { location: { file: source } });
  }
  return clean;
}

function parseJsonFile(bytes: Uint8Array, path: string, source: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source}: ${path} is not valid JSON: ${describeThrown(e)}`, {
      cause: e,
      location: { file: `${source}#${path}` },
    });
  }
}

/** Builds a Bundle from its file map: finds policy.wasm, parses and merges data.json, reads .manifest. */
export function assembleBundle(files: Map<string, Uint8Array>, source: string): Bundle {
  const manifestBytes = files.get('.manifest');
  const manifestRaw = manifestBytes ? parseJsonFile(manifestBytes, '.manifest', source) : {};
  if (!isPlainObject(manifestRaw)) {
    throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source}: .manifest is not a JSON object`, { location: { file: source } });
  }
  const revision = typeof manifestRaw['revision'] === 'string' ? manifestRaw['revision'] : '';
  const manifest: BundleManifest = { ...manifestRaw, revision };
  const wasmEntries = Array.isArray(manifestRaw['wasm']) ? manifestRaw['wasm'] : [];
  const modulePaths = new Set<string>();
  const entrypoints: string[] = [];
  for (const w of wasmEntries) {
    if (isPlainObject(w) && typeof w['entrypoint'] === 'string' && typeof w['module'] === 'string') {
      entrypoints.push(w['entrypoint']);
      modulePaths.add(w['module'].replace(/^\/+/, ''));
    }
  }
  if (modulePaths.size > 1) {
    throw new MeshgateError('MG_BUNDLE_UNSUPPORTED', `bundle ${source} has ${modulePaths.size} wasm modules; meshgate expects one per layer`, {
      location: { file: source },
    });
  }
  const wasmPath = [...modulePaths][0] ?? 'policy.wasm';
  const wasm = files.get(wasmPath);
  if (!wasm) {
    throw new MeshgateError('MG_BUNDLE_NO_WASM', `bundle ${source} has no ${wasmPath}: build it with \`opa build -t wasm\``, { location: { file: source } });
  }
  const data: Record<string, unknown> = {};
  const dataPaths = [...files.keys()].filter((p) => p === 'data.json' || p.endsWith('/data.json')).sort();
  for (const p of dataPaths) {
    const doc = parseJsonFile(files.get(p)!, p, source);
    const dirs = p.split('/').slice(0, -1);
    mergeAt(data, dirs, doc, source, p);
  }
  return { source, files, wasm, data, manifest, revision, entrypoints };
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function mergeAt(root: Record<string, unknown>, dirs: string[], doc: unknown, source: string, path: string): void {
  let node = root;
  for (const d of dirs) {
    if (FORBIDDEN_KEYS.has(d)) throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source}: forbidden path segment in ${path}`);
    const next = Object.prototype.hasOwnProperty.call(node, d) ? node[d] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      setOwn(node, d, created);
      node = created;
    } else if (isPlainObject(next)) node = next;
    else throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source}: ${path} conflicts with a non-object value`);
  }
  if (dirs.length === 0 && !isPlainObject(doc)) {
    throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source}: root data.json must be an object`);
  }
  if (isPlainObject(doc)) {
    for (const [k, v] of Object.entries(doc)) {
      if (Object.prototype.hasOwnProperty.call(node, k)) {
        throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source}: key ${[...dirs, k].join('.')} is defined twice (in ${path})`);
      }
      setOwn(node, k, v);
    }
  } else {
    throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle ${source}: ${path} must hold a JSON object`);
  }
}
