// The HTTP bundle source against a real node:http server on 127.0.0.1: swaps with an event, ETag/304,
// the last good bundle kept when the server is down, answers an error or sends garbage (corrupt gzip, a
// bad signature), backoff, and a swap during 10 000 decisions in flight with 0 failed decisions.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { readBundle } from '../src/policy/bundle.js';
import { nextDelaySeconds, startBundlePolling, type BundlePoller, type HttpBundleSwapEvent } from '../src/policy/http-source.js';
import { signBundle } from '../src/policy/signing.js';
import type { Decision } from '../src/types.js';
import { listenLoopback } from './helpers/loopback.js';

const root = process.cwd();
const RSA_PRIV = readFileSync(join(root, 'fixtures/keys/rsa-private.pem'), 'utf8');
const RSA_PUB = readFileSync(join(root, 'fixtures/keys/rsa-public.pem'), 'utf8');
const OTHER_PRIV = readFileSync(join(root, 'fixtures/keys/rsa-other-private.pem'), 'utf8');
const verification = { key: RSA_PUB, alg: 'RS256' } as const;

/** The real global bundle with its manifest revision set, signed (by the board key unless told otherwise). */
async function globalAt(revision: string, key = RSA_PRIV): Promise<Uint8Array> {
  const files = new Map(readBundle(join(root, 'policies/dist/global.tar.gz')).files);
  const manifest = JSON.parse(new TextDecoder().decode(files.get('.manifest')!)) as Record<string, unknown>;
  files.set('.manifest', new TextEncoder().encode(JSON.stringify({ ...manifest, revision })));
  return signBundle(files, { key, alg: 'RS256' });
}

interface Served {
  status: number;
  body: Uint8Array;
  etag: string | undefined;
}

/** A bundle server whose answer the test changes; it records the If-None-Match of each request. */
async function bundleServer(initial: Served): Promise<{ url: string; state: Served; requests: IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const state = { ...initial };
  const requests: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.headers);
    if (state.etag !== undefined && req.headers['if-none-match'] === state.etag) {
      res.writeHead(304, { ETag: state.etag });
      res.end();
      return;
    }
    res.writeHead(state.status, { 'Content-Type': 'application/gzip', ...(state.etag !== undefined ? { ETag: state.etag } : {}) });
    res.end(Buffer.from(state.body));
  });
  const { origin, close } = await listenLoopback(server);
  return { url: `${origin}/bundles/global.tar.gz`, state, requests, close };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(served: Served, engineRevision = 'rev-A'): Promise<{ engine: Engine; server: Awaited<ReturnType<typeof bundleServer>> }> {
  const engine = await createEngine({ global: await globalAt(engineRevision), verification });
  const server = await bundleServer(served);
  cleanups.push(() => engine.close(), () => server.close());
  return { engine, server };
}

function poll(engine: Engine, url: string, extra: { onSwap?: (e: HttpBundleSwapEvent) => void; errors?: string[] } = {}): BundlePoller {
  const poller = startBundlePolling(engine, {
    layer: 'global',
    url,
    pollSeconds: 3600, // the test drives the polls with pollNow()
    verification,
    timeoutSeconds: 5,
    onError: (e) => extra.errors?.push(e.code),
    ...(extra.onSwap ? { onSwap: extra.onSwap } : {}),
  });
  cleanups.push(() => poller.stop());
  return poller;
}

const PII_BUCKET_PLAN = {
  format_version: '1.2',
  terraform_version: '1.9.0',
  resource_changes: [
    {
      address: 'aws_s3_bucket.pii',
      mode: 'managed',
      type: 'aws_s3_bucket',
      name: 'pii',
      provider_name: 'registry.terraform.io/hashicorp/aws',
      change: {
        actions: ['create'],
        before: null,
        after: { bucket: 'pii', tags: { DataClassification: 'PII', Domain: 'finance', DataProduct: 'p', CostCenter: 'c', ManagedBy: 'terraform' } },
        after_unknown: {},
      },
    },
  ],
};

describe('HTTP bundle source', () => {
  it('swaps in the served bundle with an event, then answers 304 to If-None-Match', async () => {
    const { engine, server } = await setup({ status: 200, body: await globalAt('rev-B'), etag: '"b1"' });
    const events: HttpBundleSwapEvent[] = [];
    const engineEvents: string[] = [];
    engine.onSwap((e) => engineEvents.push(`${e.from}->${e.to}`));
    const poller = poll(engine, server.url, { onSwap: (e) => events.push(e) });
    expect(await poller.pollNow()).toBe('swapped');
    expect(poller.revision).toBe('rev-B');
    expect(engine.bundleInfo()['global']?.revision).toBe('rev-B');
    expect(events).toEqual([{ layer: 'global', from: 'rev-A', to: 'rev-B', url: server.url, etag: '"b1"' }]);
    expect(engineEvents).toEqual(['rev-A->rev-B']);
    expect(await poller.pollNow()).toBe('not-modified');
    expect(server.requests.at(-1)?.['if-none-match']).toBe('"b1"');
    // decisions are tagged with the new revision
    const d = await engine.checkPlan(PII_BUCKET_PLAN);
    expect(d.bundles['global']?.revision).toBe('rev-B');
    expect(d.outcome).toBe('denied'); // the PII bucket lacks encryption and logging: the plan was really judged
    expect(d.findings.map((f) => f.rule)).toContain('pii_bucket_encryption');
  });

  it('keeps the last good bundle when the server is down, and backs off', async () => {
    const { engine, server } = await setup({ status: 200, body: await globalAt('rev-B'), etag: '"b1"' });
    const errors: string[] = [];
    const poller = poll(engine, server.url, { errors });
    expect(await poller.pollNow()).toBe('swapped');
    await server.close();
    expect(await poller.pollNow()).toBe('failed');
    expect(await poller.pollNow()).toBe('failed');
    expect(errors).toEqual(['MG_BUNDLE_FETCH_FAILED', 'MG_BUNDLE_FETCH_FAILED']);
    expect(poller.failures).toBe(2);
    expect(poller.lastError?.code).toBe('MG_BUNDLE_FETCH_FAILED');
    expect(poller.revision).toBe('rev-B');
    const d = await engine.checkPlan(PII_BUCKET_PLAN);
    expect(d.outcome).not.toBe('error');
    expect(d.bundles['global']?.revision).toBe('rev-B');
  });

  it('rejects garbage (corrupt gzip, HTTP 500, a bundle signed by another key, an unsigned bundle) and keeps the last good one', async () => {
    const { engine, server } = await setup({ status: 200, body: await globalAt('rev-B'), etag: '"b1"' });
    const errors: string[] = [];
    const poller = poll(engine, server.url, { errors });
    expect(await poller.pollNow()).toBe('swapped');
    const attempts: Array<[Served, string]> = [
      [{ status: 200, body: new TextEncoder().encode('<html>gateway error</html>'), etag: '"g1"' }, 'MG_BUNDLE_CORRUPT'],
      [{ status: 500, body: new Uint8Array(0), etag: undefined }, 'MG_BUNDLE_FETCH_FAILED'],
      [{ status: 200, body: await globalAt('rev-EVIL', OTHER_PRIV), etag: '"e1"' }, 'MG_BUNDLE_SIGNATURE_INVALID'],
      [{ status: 200, body: readFileSync(join(root, 'policies/dist/global.tar.gz')), etag: '"u1"' }, 'MG_BUNDLE_UNSIGNED'],
    ];
    for (const [served, code] of attempts) {
      Object.assign(server.state, served);
      expect(await poller.pollNow()).toBe('failed');
      expect(poller.lastError?.code).toBe(code);
      expect(engine.bundleInfo()['global']?.revision).toBe('rev-B');
    }
    expect(errors).toEqual(attempts.map(([, c]) => c));
    expect(poller.failures).toBe(attempts.length);
    // a good bundle again: swapped, failures reset
    Object.assign(server.state, { status: 200, body: await globalAt('rev-C'), etag: '"c1"' });
    expect(await poller.pollNow()).toBe('swapped');
    expect(poller.failures).toBe(0);
    expect(poller.lastError).toBeUndefined();
    expect(poller.revision).toBe('rev-C');
  });

  it('the backoff doubles per failure up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((f) => nextDelaySeconds(5, f, 60))).toEqual([5, 10, 20, 40, 60]);
    expect(nextDelaySeconds(120, 3, 60)).toBe(120);
  });

  it('an unknown layer is an error at start', async () => {
    const { engine, server } = await setup({ status: 200, body: await globalAt('rev-B'), etag: undefined });
    expect(() => startBundlePolling(engine, { layer: 'nope', url: server.url })).toThrow(expect.objectContaining({ code: 'MG_LAYER_UNKNOWN' }));
  });

  it('a swap during 10 000 decisions in flight: 0 failed decisions, each tagged with the old or the new revision', async () => {
    const { engine, server } = await setup({ status: 200, body: await globalAt('rev-NEW'), etag: '"n1"' }, 'rev-OLD');
    const TOTAL = 10_000;
    const WORKERS = 8;
    const decisions: Decision[] = [];
    let poller: BundlePoller | undefined;
    let swapAt = -1;
    const worker = async (): Promise<void> => {
      while (decisions.length < TOTAL) {
        const pending = engine.checkPlan(PII_BUCKET_PLAN);
        if (decisions.length === 2_000 && !poller) {
          // start the poller while decisions are running; its fetch and bundle load interleave with them
          poller = poll(engine, server.url, { onSwap: () => (swapAt = decisions.length) });
        }
        decisions.push(await pending);
        if (decisions.length % 16 === 0) await new Promise((r) => setImmediate(r));
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    expect(poller).toBeDefined();
    expect(await poller!.pollNow()).not.toBe('failed');
    expect(decisions.length).toBeGreaterThanOrEqual(TOTAL);
    const failed = decisions.filter((d) => d.outcome === 'error');
    expect(failed).toHaveLength(0);
    const revisions = new Map<string, number>();
    for (const d of decisions) revisions.set(d.bundles['global']!.revision, (revisions.get(d.bundles['global']!.revision) ?? 0) + 1);
    expect([...revisions.keys()].sort()).toEqual(['rev-NEW', 'rev-OLD']);
    expect(swapAt).toBeGreaterThan(2_000);
    expect(swapAt).toBeLessThan(TOTAL);
    // every decision is the same answer (same policy), only the revision differs
    expect(new Set(decisions.map((d) => `${d.outcome}:${d.findings.map((f) => f.rule).sort().join(',')}`)).size).toBe(1);
    // once swapped, nothing runs on the old bundle any more
    const lastOld = decisions.map((d) => d.bundles['global']!.revision).lastIndexOf('rev-OLD');
    const firstNew = decisions.map((d) => d.bundles['global']!.revision).indexOf('rev-NEW');
    expect(lastOld).toBeLessThan(firstNew + WORKERS);
    console.log(`in-flight swap: ${revisions.get('rev-OLD')} decisions on rev-OLD, ${revisions.get('rev-NEW')} on rev-NEW, swap at #${swapAt}`);
  });
});

describe('createEngine({ bundleService })', () => {
  it('polls the configured server, verifies and swaps the layer, and stops on close', async () => {
    const srv = await bundleServer({ status: 200, body: await globalAt('board-7'), etag: '"v7"' });
    const engine = await createEngine({
      global: await globalAt('board-6'),
      verification,
      bundleService: { url: srv.url, pollSeconds: 0.05 },
    });
    try {
      const swapped = await new Promise<string>((resolve) => engine.onSwap((e) => resolve(e.to)));
      expect(swapped).toBe('board-7');
      expect(engine.bundleInfo()['global']?.revision).toBe('board-7');
    } finally {
      await engine.close();
    }
    const seen = srv.requests.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(srv.requests.length).toBe(seen); // no polling after close
    await srv.close();
  });
});
