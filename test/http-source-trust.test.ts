/**
 * The bundle poller's trust rules against real 127.0.0.1 servers (issue 17): rollback protection (a validly
 * signed older bundle does not replace a newer one when verification is on), and custom headers that
 * follow a redirect only within the bundle URL's origin.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { readBundle } from '../src/policy/bundle.js';
import { startBundlePolling, type BundlePollingOptions } from '../src/policy/http-source.js';
import { signBundle } from '../src/policy/signing.js';
import { bundlePath, ROOT } from './helpers/paths.js';
import { listenLoopback } from './helpers/loopback.js';

const RSA_PRIV = readFileSync(join(ROOT, 'fixtures/keys/rsa-private.pem'), 'utf8');
const RSA_PUB = readFileSync(join(ROOT, 'fixtures/keys/rsa-public.pem'), 'utf8');
const verification = { key: RSA_PUB, alg: 'RS256' } as const;

/** The real global bundle at a manifest revision, signed, optionally with a signed `iat`. */
async function globalAt(revision: string, issuedAt?: number): Promise<Uint8Array> {
  const files = new Map(readBundle(bundlePath('global')).files);
  const manifest = JSON.parse(new TextDecoder().decode(files.get('.manifest')!)) as Record<string, unknown>;
  files.set('.manifest', new TextEncoder().encode(JSON.stringify({ ...manifest, revision })));
  return signBundle(files, { key: RSA_PRIV, alg: 'RS256', ...(issuedAt === undefined ? {} : { issuedAt }) });
}

interface TestServer {
  url: string;
  requests: Array<{ path: string; headers: IncomingHttpHeaders }>;
  close: () => Promise<void>;
}

async function serve(handler: (path: string, res: ServerResponse) => void): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    handler(req.url ?? '', res);
  });
  const { origin, close } = await listenLoopback(server);
  return { url: origin, requests, close };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function engineAt(revision: string): Promise<Engine> {
  const engine = await createEngine({ global: await globalAt(revision), verification });
  cleanups.push(() => engine.close());
  return engine;
}

function poll(engine: Engine, url: string, extra: Partial<BundlePollingOptions> = {}, errors: string[] = []): ReturnType<typeof startBundlePolling> {
  const poller = startBundlePolling(engine, { layer: 'global', url, pollSeconds: 3600, timeoutSeconds: 5, verification, onError: (e) => errors.push(e.code), ...extra });
  cleanups.push(() => poller.stop());
  return poller;
}

describe('rollback protection', () => {
  it('a validly signed bundle signed earlier than the active one is refused with MG_BUNDLE_ROLLBACK; a newer one is taken', async () => {
    let body = await globalAt('rev-new', 2_000_000_000);
    const server = await serve((_p, res) => {
      res.writeHead(200, { 'Content-Type': 'application/gzip' });
      res.end(Buffer.from(body));
    });
    cleanups.push(() => server.close());
    const engine = await engineAt('rev-initial');
    const errors: string[] = [];
    const poller = poll(engine, `${server.url}/global.tar.gz`, {}, errors);
    expect(await poller.pollNow()).toBe('swapped');
    expect(engine.bundleInfo()['global']?.revision).toBe('rev-new');
    body = await globalAt('rev-old', 1_900_000_000);
    expect(await poller.pollNow()).toBe('failed');
    expect(poller.lastError?.code).toBe('MG_BUNDLE_ROLLBACK');
    expect(errors).toContain('MG_BUNDLE_ROLLBACK');
    expect(engine.bundleInfo()['global']?.revision).toBe('rev-new');
    body = await globalAt('rev-newer', 2_000_000_100);
    expect(await poller.pollNow()).toBe('swapped');
    expect(engine.bundleInfo()['global']?.revision).toBe('rev-newer');
  });

  it('ordered manifest revisions (numbers) are compared when the signatures carry no time', async () => {
    let body = await globalAt('42');
    const server = await serve((_p, res) => {
      res.writeHead(200);
      res.end(Buffer.from(body));
    });
    cleanups.push(() => server.close());
    const engine = await engineAt('7');
    const poller = poll(engine, `${server.url}/b.tar.gz`);
    expect(await poller.pollNow()).toBe('swapped');
    body = await globalAt('41');
    expect(await poller.pollNow()).toBe('failed');
    expect(poller.lastError?.code).toBe('MG_BUNDLE_ROLLBACK');
    expect(engine.bundleInfo()['global']?.revision).toBe('42');
  });

  it('rollback: "allow" takes the older bundle (explicit opt-out)', async () => {
    let body = await globalAt('42');
    const server = await serve((_p, res) => {
      res.writeHead(200);
      res.end(Buffer.from(body));
    });
    cleanups.push(() => server.close());
    const engine = await engineAt('7');
    const poller = poll(engine, `${server.url}/b.tar.gz`, { rollback: 'allow' });
    expect(await poller.pollNow()).toBe('swapped');
    body = await globalAt('41');
    expect(await poller.pollNow()).toBe('swapped');
    expect(engine.bundleInfo()['global']?.revision).toBe('41');
  });
});

describe('custom headers and redirects', () => {
  const headers = { 'X-Api-Key': 'secret-key', Authorization: 'Bearer secret-token' };

  it('a redirect within the origin keeps the configured headers', async () => {
    const body = await globalAt('rev-B');
    const server = await serve((path, res) => {
      if (path === '/old') {
        res.writeHead(302, { Location: '/new' });
        res.end();
        return;
      }
      res.writeHead(200);
      res.end(Buffer.from(body));
    });
    cleanups.push(() => server.close());
    const engine = await engineAt('rev-A');
    const poller = poll(engine, `${server.url}/old`, { headers });
    expect(await poller.pollNow()).toBe('swapped');
    expect(server.requests.map((r) => r.path)).toEqual(['/old', '/new']);
    for (const r of server.requests) {
      expect(r.headers['x-api-key']).toBe('secret-key');
      expect(r.headers['authorization']).toBe('Bearer secret-token');
    }
  });

  it('a redirect to another origin strips every configured header', async () => {
    const body = await globalAt('rev-B');
    const other = await serve((_p, res) => {
      res.writeHead(200);
      res.end(Buffer.from(body));
    });
    cleanups.push(() => other.close());
    // the same host on another port is another origin
    const first = await serve((_p, res) => {
      res.writeHead(307, { Location: `${other.url}/elsewhere.tar.gz` });
      res.end();
    });
    cleanups.push(() => first.close());
    const engine = await engineAt('rev-A');
    const poller = poll(engine, `${first.url}/global.tar.gz`, { headers });
    expect(await poller.pollNow()).toBe('swapped');
    expect(first.requests[0]?.headers['x-api-key']).toBe('secret-key');
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(other.requests[0]?.headers['authorization']).toBeUndefined();
  });
});
