/**
 * The CLI runner's V8 code cache (src/code-cache.ts): a cache is used only when it was made for exactly
 * the runner's source and is intact; a missing, truncated, corrupt, stale or V8-rejected cache falls back
 * to compiling the source, with the same result. The built CLI ships a cache V8 accepts, and a damaged one
 * changes nothing but the status.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCodeCache, encodeCodeCache, loadCachedCommonJs, writeCodeCache } from '../src/code-cache.js';
import { ensureBuilt } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-code-cache-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SOURCE = `'use strict';
function add(a, b) { return a + b; }
exports.sum = (xs) => xs.reduce(add, 0);
exports.where = () => new Error('here').stack;
exports.file = __filename;
`;

/** A CommonJS file with SOURCE in a fresh folder; returns its path and its cache file's path. */
function module(name: string, source = SOURCE): { file: string; cache: string } {
  const file = join(tmp, `${name}.cjs`);
  writeFileSync(file, source);
  return { file, cache: `${file}.cache` };
}

type Mod = { sum: (xs: number[]) => number; where: () => string; file: string };

describe('code cache file format', () => {
  const source = Buffer.from(SOURCE);
  const data = Buffer.from('v8 data bytes');

  it('round-trips V8 data for the same source', () => {
    expect(decodeCodeCache(encodeCodeCache(source, data), source)?.equals(data)).toBe(true);
  });

  it('refuses a cache made for another source, even of the same length', () => {
    const other = Buffer.from(SOURCE.replace('add', 'sub'));
    expect(other.length).toBe(source.length);
    expect(decodeCodeCache(encodeCodeCache(other, data), source)).toBeUndefined();
  });

  it('refuses corrupt, truncated, empty and foreign files', () => {
    const good = encodeCodeCache(source, data);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(decodeCodeCache(flipped, source)).toBeUndefined();
    expect(decodeCodeCache(good.subarray(0, good.length - 1), source)).toBeUndefined();
    expect(decodeCodeCache(good.subarray(0, 24), source)).toBeUndefined();
    expect(decodeCodeCache(Buffer.alloc(0), source)).toBeUndefined();
    const foreign = Buffer.from(good);
    foreign[0] = 0x58;
    expect(decodeCodeCache(foreign, source)).toBeUndefined();
  });
});

describe('loadCachedCommonJs', () => {
  it('runs the module without a cache, then with the cache it wrote (accepted)', () => {
    const { file, cache } = module('plain');
    const first = loadCachedCommonJs(file, cache);
    expect(first.status).toBe('missing');
    expect((first.exports as Mod).sum([1, 2, 3])).toBe(6);
    writeCodeCache(first, cache);
    const second = loadCachedCommonJs(file, cache);
    expect(second.status).toBe('accepted');
    expect((second.exports as Mod).sum([4, 5])).toBe(9);
    expect((second.exports as Mod).file).toBe(file);
  });

  it('keeps stack traces on the file and its own line numbers', () => {
    const { file, cache } = module('stack');
    const stack = (loadCachedCommonJs(file, cache).exports as Mod).where();
    expect(stack).toContain(`${file}:4:`);
  });

  it('falls back to the source when the cache is corrupt, stale or rejected by V8', () => {
    const { file, cache } = module('fallback');
    writeCodeCache(loadCachedCommonJs(file, cache), cache);
    // corrupt: one byte of V8's data flipped
    const bytes = readFileSync(cache);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    writeFileSync(cache, bytes);
    const corrupt = loadCachedCommonJs(file, cache);
    expect(corrupt.status).toBe('invalid');
    expect((corrupt.exports as Mod).sum([1, 1])).toBe(2);
    // stale: the source changed after the cache was made (same length)
    writeCodeCache(loadCachedCommonJs(file, cache), cache);
    writeFileSync(file, SOURCE.replace('reduce(add, 0)', 'reduce(add, 1)'));
    const stale = loadCachedCommonJs(file, cache);
    expect(stale.status).toBe('invalid');
    expect((stale.exports as Mod).sum([1, 1])).toBe(3);
    // well-formed for this source, but not V8's data (as from another Node): V8 rejects it (a source not
    // compiled before in this process, or V8's in-memory compilation cache would answer first)
    writeFileSync(file, `${SOURCE.replace('reduce(add, 0)', 'reduce(add, 1)')}// fresh\n`);
    writeFileSync(cache, encodeCodeCache(readFileSync(file), Buffer.alloc(4096, 7)));
    const rejected = loadCachedCommonJs(file, cache);
    expect(rejected.status).toBe('rejected');
    expect((rejected.exports as Mod).sum([2, 2])).toBe(5);
  });

  it('propagates errors thrown by the module itself', () => {
    const { file, cache } = module('throws', "throw new RangeError('boom');\n");
    expect(() => loadCachedCommonJs(file, cache)).toThrow(/boom/);
  });
});

describe('the built CLI', () => {
  let copy: string;
  beforeAll(() => {
    ensureBuilt();
    // a copy of dist/ beside a link to policies/ (the default bundles are found by walking up)
    copy = join(tmp, 'pkg');
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    symlinkSync(join(ROOT, 'policies'), join(copy, 'policies'));
  });

  const plan = (): string => {
    const f = join(tmp, 'empty.plan.json');
    writeFileSync(f, JSON.stringify({ format_version: '1.2', terraform_version: '1.9.0', resource_changes: [] }));
    return f;
  };
  const run = (main: string, args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, MESHGATE_DEBUG_CODE_CACHE: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('ships a runner cache that V8 accepts', () => {
    const r = run(join(ROOT, 'dist', 'cli', 'main.js'), ['check', plan(), '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('meshgate: code cache accepted');
  });

  it('gives the same answers with a corrupt or missing cache', () => {
    const main = join(copy, 'dist', 'cli', 'main.js');
    const cache = join(copy, 'dist', 'cli', 'run.cjs.cache');
    const contract = join(ROOT, 'fixtures', 'cli', 'failing', 'no-owner.contract.yaml');
    const args = ['check', plan(), contract, '--format', 'json', '--jobs', '1'];
    // two worker threads: each loads the runner through the same cache
    const pooled = ['check', plan(), contract, '--format', 'json', '--jobs', '2'];
    const good = run(main, args);
    expect(good.stderr).toContain('code cache accepted');
    const runs = [run(main, pooled)];
    const bytes = readFileSync(cache);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    writeFileSync(cache, bytes);
    const corrupt = run(main, args);
    expect(corrupt.stderr).toContain('code cache invalid');
    runs.push(corrupt, run(main, pooled));
    rmSync(cache);
    const missing = run(main, args);
    expect(missing.stderr).toContain('code cache missing');
    runs.push(missing, run(main, pooled));
    for (const r of runs) {
      expect(r.code).toBe(good.code);
      expect(r.stdout).toBe(good.stdout);
    }
    expect(good.code).toBe(1);
  });
});
