/**
 * Bundles are held to budgets and verified before they are parsed (issue 17): a bundle that would expand
 * past the limit is refused from its tar header (with or without verification), an unsigned or altered
 * bundle is refused before its data.json is parsed, and files, folders, bytes and downloads share the
 * limits on compressed size, expanded size, file count and data size, each with its own code.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { readBundle } from '../src/policy/bundle.js';
import { packBundle } from '../src/policy/tar-writer.js';
import { signBundle } from '../src/policy/signing.js';
import { startBundlePolling } from '../src/policy/http-source.js';
import { bundlePath, ROOT } from './helpers/paths.js';
import { listenLoopback } from './helpers/loopback.js';

/** loadBundle, imported lazily so that the engine-level tests of this file run on their own. */
const loadBundle = async (...args: Parameters<typeof import('../src/policy/load.js').loadBundle>): ReturnType<typeof import('../src/policy/load.js').loadBundle> =>
  (await import('../src/policy/load.js')).loadBundle(...args);

const RSA_PRIV = readFileSync(join(ROOT, 'fixtures/keys/rsa-private.pem'), 'utf8');
const RSA_PUB = readFileSync(join(ROOT, 'fixtures/keys/rsa-public.pem'), 'utf8');
const verification = { key: RSA_PUB, alg: 'RS256' } as const;

const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

/** A ustar header declaring one regular file of `size` bytes. */
function tarHeader(name: string, size: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (off: number, text: string): void => h.set(new TextEncoder().encode(text), off);
  put(0, name);
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, `${size.toString(8).padStart(11, '0')}\0`);
  put(136, '00000000000\0');
  put(156, '0');
  put(257, 'ustar\0');
  put(263, '00');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/**
 * A 0.2 MiB .tar.gz whose data.json expands to `mib` MiB of spaces: gzip members concatenated, one of them
 * (1 MiB of spaces, compressed once) repeated — what the bundle bomb does, cheap to make.
 */
function bundleBomb(mib: number): Uint8Array {
  const wasm = readBundle(bundlePath('global')).wasm;
  const wasmMember = gzipSync(Buffer.concat([tarHeader('policy.wasm', wasm.length), wasm, Buffer.alloc((512 - (wasm.length % 512)) % 512)]));
  const mibMember = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
  const parts = [wasmMember, gzipSync(tarHeader('data.json', mib * 1024 * 1024))];
  for (let i = 0; i < mib; i++) parts.push(mibMember);
  parts.push(gzipSync(Buffer.alloc(1024)));
  return Buffer.concat(parts);
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mg-budgets-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a bundle expanding to 200 MiB', () => {
  const bomb = bundleBomb(200);

  it('is small on the wire', () => {
    expect(bomb.length).toBeLessThan(1024 * 1024);
  });

  it('is refused by createEngine with the expanded-size code, without verification', async () => {
    expect(await codeOf(createEngine({ global: bomb }))).toBe('MG_BUNDLE_TOO_LARGE');
  });

  it('is refused by createEngine with verification on, before anything is parsed', async () => {
    expect(await codeOf(createEngine({ global: bomb, verification }))).toBe('MG_BUNDLE_TOO_LARGE');
  });

  it('is refused as a file and by the synchronous reader too', async () => {
    const file = join(work, 'bomb.tar.gz');
    writeFileSync(file, bomb);
    expect(await codeOf(createEngine({ global: file }))).toBe('MG_BUNDLE_TOO_LARGE');
    expect(() => readBundle(file)).toThrow(expect.objectContaining({ code: 'MG_BUNDLE_TOO_LARGE' }));
  });
});

describe('verify first, then parse', () => {
  const files = new Map(readBundle(bundlePath('global')).files);

  it('an unsigned bundle with a data.json that is not JSON is MG_BUNDLE_UNSIGNED, not a parse error', async () => {
    const broken = new Map(files);
    broken.set('data.json', new TextEncoder().encode('{"not": json'));
    expect(await codeOf(createEngine({ global: packBundle(broken), verification }))).toBe('MG_BUNDLE_UNSIGNED');
  });

  it('a signed bundle whose data.json was replaced by broken JSON is MG_BUNDLE_HASH_MISMATCH', async () => {
    const signed = readBundle(await signBundle(files, { key: RSA_PRIV, alg: 'RS256' })).files;
    const tampered = new Map(signed);
    tampered.set('data.json', new TextEncoder().encode('{"not": json'));
    expect(await codeOf(createEngine({ global: packBundle(tampered), verification }))).toBe('MG_BUNDLE_HASH_MISMATCH');
  });
});

describe('every budget has its own code, for bytes, files, folders and downloads', () => {
  const files = new Map(readBundle(bundlePath('global')).files);
  const bytes = packBundle(files);

  it('compressed size: MG_BUNDLE_COMPRESSED_TOO_LARGE', async () => {
    expect(await codeOf(loadBundle(bytes, { limits: { maxCompressedBytes: 1000 } }))).toBe('MG_BUNDLE_COMPRESSED_TOO_LARGE');
    const file = join(work, 'ok.tar.gz');
    writeFileSync(file, bytes);
    expect(await codeOf(loadBundle(file, { limits: { maxCompressedBytes: 1000 } }))).toBe('MG_BUNDLE_COMPRESSED_TOO_LARGE');
  });

  it('file count: MG_BUNDLE_TOO_MANY_FILES', async () => {
    const many = new Map(files);
    for (let i = 0; i < 20; i++) many.set(`extra/f${i}.txt`, new Uint8Array([1]));
    expect(await codeOf(loadBundle(packBundle(many), { limits: { maxFiles: 10 } }))).toBe('MG_BUNDLE_TOO_MANY_FILES');
    expect(() => readBundle(packBundle(many), { maxFiles: 10 })).toThrow(expect.objectContaining({ code: 'MG_BUNDLE_TOO_MANY_FILES' }));
  });

  it('data size: MG_BUNDLE_DATA_TOO_LARGE (all data documents together)', async () => {
    const big = new Map(files);
    big.set('extra/data.json', new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(5000) })));
    expect(await codeOf(loadBundle(packBundle(big), { limits: { maxDataBytes: 4096 } }))).toBe('MG_BUNDLE_DATA_TOO_LARGE');
  });

  it('a folder with a 100 MiB data.json (sparse) is refused by its size on disk before it is read', async () => {
    const dir = join(work, 'folder-bundle');
    mkdirSync(dir, { recursive: true });
    for (const [p, b] of files) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), b);
    }
    truncateSync(join(dir, 'data.json'), 100 * 1024 * 1024);
    expect(await codeOf(createEngine({ global: dir }))).toBe('MG_BUNDLE_DATA_TOO_LARGE');
  });

  it('a download is streamed and cut at the compressed limit (the server is stopped mid-body)', async () => {
    let sent = 0;
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/gzip' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      // an endless body, bounded here to 64 MiB so that the test stops by itself
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => (sent = Math.max(sent, 0)));
      pump();
    });
    const loopback = await listenLoopback(server);
    const url = `${loopback.origin}/global.tar.gz`;
    const engine = await createEngine({ global: bundlePath('global') });
    const poller = startBundlePolling(engine, { layer: 'global', url, pollSeconds: 3600, limits: { maxCompressedBytes: 1024 * 1024 } });
    try {
      expect(await poller.pollNow()).toBe('failed');
      expect(poller.lastError?.code).toBe('MG_BUNDLE_COMPRESSED_TOO_LARGE');
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      poller.stop();
      await engine.close();
      await loopback.close();
    }
  });
});
