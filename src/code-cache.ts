/**
 * Loads the CLI's command runner (`run.cjs`, one CommonJS file) through V8's code cache, and likewise the
 * CommonJS files it loads on demand (`yaml.cjs`, the standard validators in `dist/standard/`). Node 20 has
 * no compile cache for modules, and parsing and compiling the runner was the largest fixed cost of every
 * command; the build runs representative commands once and stores V8's cached data beside each file
 * (`<file>.cache`, scripts/gen-code-cache.mjs), so later starts deserialise compiled code instead.
 *
 * The cache is used only for the exact runner it was made from: its header holds the length and CRC-32 of
 * the runner's source and of V8's data (V8 itself checks its version and flags, but only the source's
 * length, and no checksum in release builds). A checksum, not a cryptographic hash: it guards against a
 * stale or damaged file (whoever can rewrite the cache can rewrite the runner beside it), and hashing the
 * runner and its cache with SHA-256 cost about 3 ms of every start. A missing, truncated, corrupt or stale
 * cache, or one V8 rejects (a different Node), means the runner is compiled from its source, exactly as
 * without a cache. The CRC-32 is src/crc32.ts's (zlib's where Node has it).
 */
import { createRequire } from 'node:module';
import { crc32 } from './crc32.js';

/** The Node built-ins used here. */
interface Builtins {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  vm: typeof import('node:vm');
}
let builtins: Builtins | undefined;

/**
 * Node's built-ins, required on first use rather than imported: the CLI entry bundles this module, and
 * `meshgate --version` must not load them.
 */
function node(): Builtins {
  if (builtins === undefined) {
    const require = createRequire(import.meta.url);
    builtins = {
      fs: require('node:fs') as Builtins['fs'],
      path: require('node:path') as Builtins['path'],
      vm: require('node:vm') as Builtins['vm'],
    };
  }
  return builtins;
}

/** The first bytes of a cache file (format version 2). */
const MAGIC = Buffer.from('MGCODE02', 'latin1');
/** Bytes of the header: magic, then length and CRC-32 of the source, then of V8's data (u32, little-endian). */
const HEADER = MAGIC.length + 16;

/**
 * The CommonJS wrapper, on a line of its own so that line numbers in stack traces are the file's
 * (compiled with `lineOffset: -1`).
 */
const PREFIX = '(function (exports, require, module, __filename, __dirname) {\n';
const SUFFIX = '\n})';

/** What became of the code cache when a script was loaded. */
export type CodeCacheStatus = 'accepted' | 'rejected' | 'missing' | 'invalid';

/** A CommonJS file compiled and run by {@link loadCachedCommonJs}. */
export interface CachedCommonJs {
  /** The module's `module.exports`. */
  exports: unknown;
  /** accepted: V8 used the cache; rejected: V8 refused it (other V8 version or flags); missing / invalid: not offered. */
  status: CodeCacheStatus;
  /**
   * A new cache file's bytes for this source, from everything compiled so far (call after a representative
   * run: functions compiled lazily during the run are included).
   */
  createCache(): Buffer;
}

/** A cache file's bytes: the header (magic, length and CRC-32 of `source` and of `data`) followed by V8's `data`. */
export function encodeCodeCache(source: Uint8Array, data: Uint8Array): Buffer {
  const sourceCrc = crc32(source);
  const dataCrc = crc32(data);
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(source.byteLength, 8);
  header.writeUInt32LE(sourceCrc, 12);
  header.writeUInt32LE(data.byteLength, 16);
  header.writeUInt32LE(dataCrc, 20);
  return Buffer.concat([header, data]);
}

/**
 * V8's data from a cache file's bytes, when they are a well-formed cache made for exactly `source` and
 * their data is intact; otherwise undefined.
 */
export function decodeCodeCache(file: Uint8Array, source: Uint8Array): Buffer | undefined {
  if (file.length <= HEADER) return undefined;
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const data = bytes.subarray(HEADER);
  if (bytes.readUInt32LE(8) !== source.byteLength || bytes.readUInt32LE(16) !== data.byteLength) return undefined;
  if (bytes.readUInt32LE(12) !== crc32(source)) return undefined;
  if (bytes.readUInt32LE(20) !== crc32(data)) return undefined;
  return data;
}

function readOptional(file: string): Buffer | undefined {
  try {
    return node().fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Compiles and runs the CommonJS file `file` (with the cache file `cacheFile` when it is valid for it) and
 * returns its exports. Errors thrown by the module itself propagate; nothing about the cache can fail it.
 */
export function loadCachedCommonJs(file: string, cacheFile: string): CachedCommonJs {
  const { fs, path, vm } = node();
  const sourceBytes = fs.readFileSync(file);
  const cacheBytes = readOptional(cacheFile);
  const cachedData = cacheBytes === undefined ? undefined : decodeCodeCache(cacheBytes, sourceBytes);
  // a dynamic import() in the file uses Node's own loader (as in a module it loaded itself)
  const importModuleDynamically = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const script = new vm.Script(PREFIX + sourceBytes.toString('utf8') + SUFFIX, {
    filename: file,
    lineOffset: -1,
    ...(cachedData ? { cachedData } : {}),
    ...(importModuleDynamically === undefined ? {} : { importModuleDynamically }),
  });
  const status: CodeCacheStatus = cacheBytes === undefined ? 'missing' : cachedData === undefined ? 'invalid' : script.cachedDataRejected ? 'rejected' : 'accepted';
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, status, createCache: () => encodeCodeCache(sourceBytes, script.createCachedData()) };
}

/** Writes a cache file for a script loaded by {@link loadCachedCommonJs} (the build's representative run). */
export function writeCodeCache(loaded: CachedCommonJs, cacheFile: string): void {
  node().fs.writeFileSync(cacheFile, loaded.createCache());
}

/** Files loaded by {@link requireWithCodeCache} in this process, by path. */
const loadedFiles = new Map<string, CachedCommonJs>();

/**
 * `require(file)` of a CommonJS file without dependencies of its own beyond Node's built-ins and packages,
 * compiled with its code cache `<file>.cache` when there is a valid one (see {@link loadCachedCommonJs});
 * once per file and process, like `require`.
 */
export function requireWithCodeCache(file: string): unknown {
  let hit = loadedFiles.get(file);
  if (hit === undefined) {
    hit = loadCachedCommonJs(file, `${file}.cache`);
    loadedFiles.set(file, hit);
  }
  return hit.exports;
}

/**
 * Writes `<file>.cache` beside every file {@link requireWithCodeCache} loaded in this process, from what V8
 * compiled so far (the build's representative run); returns the cache files written.
 */
export function writeLoadedCodeCaches(): string[] {
  const out: string[] = [];
  for (const [file, loaded] of loadedFiles) {
    writeCodeCache(loaded, `${file}.cache`);
    out.push(`${file}.cache`);
  }
  return out;
}
