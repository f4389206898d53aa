/**
 * A bundle update the engine's poller refuses is audit evidence (issue 17): rollback, a failed signature
 * check and an over-budget bundle each record one event of kind `bundle` (outcome `error`, the refusal's
 * code) in the configured sinks, in the same hash chain as decisions; the layer keeps serving its bundle.
 * A download that never arrived (HTTP 500) refused no bundle and records nothing. Real signed bundles,
 * a real 127.0.0.1 server, the real JSONL sink.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { jsonlSink, memorySink, verifyAuditLog, type AuditEvent, type AuditSink } from '../src/audit/index.js';
import type { MeshgateError } from '../src/errors.js';
import { readBundle } from '../src/policy/bundle.js';
import { signBundle } from '../src/policy/signing.js';
import { packBundle } from '../src/policy/tar-writer.js';
import { bundlePath, ROOT } from './helpers/paths.js';
import { listenLoopback } from './helpers/loopback.js';

const RSA_PRIV = readFileSync(join(ROOT, 'fixtures/keys/rsa-private.pem'), 'utf8');
const RSA_PUB = readFileSync(join(ROOT, 'fixtures/keys/rsa-public.pem'), 'utf8');
const verification = { key: RSA_PUB, alg: 'RS256' } as const;

function filesAt(revision: string): Map<string, Uint8Array> {
  const files = new Map(readBundle(bundlePath('global')).files);
  const manifest = JSON.parse(new TextDecoder().decode(files.get('.manifest')!)) as Record<string, unknown>;
  files.set('.manifest', new TextEncoder().encode(JSON.stringify({ ...manifest, revision })));
  return files;
}

/** The real global bundle at a manifest revision, signed with a signed `iat`. */
function globalAt(revision: string, issuedAt: number): Promise<Uint8Array> {
  return signBundle(filesAt(revision), { key: RSA_PRIV, alg: 'RS256', issuedAt });
}

interface Served {
  url: string;
  status: number;
  body: Uint8Array;
  close: () => Promise<void>;
}

async function serve(body: Uint8Array): Promise<Served> {
  const state = { status: 200, body };
  const server: Server = createServer((_req, res) => {
    res.writeHead(state.status);
    res.end(state.status === 200 ? Buffer.from(state.body) : 'no');
  });
  const { origin, close } = await listenLoopback(server);
  return Object.assign(state, { url: `${origin}/bundles/global.tar.gz?token=s3cret-token`, close });
}

/** Waits (polling the state, no timing asserted) until `ready()` holds; fails the test after ~5 s. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ready()) throw new Error(`timed out waiting for ${what}`);
}

const dir = mkdtempSync(join(tmpdir(), 'meshgate-refusal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const request = { user: { id: 'alice', department: 'marketing' }, action: 'read', data_product: { id: 'campaign_stats', classification: 'public' }, columns: ['a'] };
const bundleEvents = (events: readonly AuditEvent[]): AuditEvent[] => events.filter((e) => e.kind === 'bundle');

async function pollingEngine(served: Served, sinks: AuditSink[] | undefined, errors: MeshgateError[], extra: { maxCompressedBytes?: number } = {}): Promise<Engine> {
  const engine = await createEngine({
    global: await globalAt('rev-initial', 1_900_000_000),
    verification,
    ...(sinks === undefined ? {} : { audit: sinks }),
    bundleService: { url: served.url, pollSeconds: 0.02, maxBackoffSeconds: 0.05, onError: (e) => errors.push(e), ...(extra.maxCompressedBytes === undefined ? {} : { limits: { maxCompressedBytes: extra.maxCompressedBytes } }) },
  });
  cleanups.push(() => engine.close());
  return engine;
}

describe('bundle refusals are audited', () => {
  it('a rollback is one `bundle` event in the JSONL chain, between decisions, without the URL credentials', async () => {
    const served = await serve(await globalAt('rev-new', 2_000_000_000));
    cleanups.push(() => served.close());
    const log = join(dir, 'rollback.log');
    const mem = memorySink();
    const errors: MeshgateError[] = [];
    const engine = await pollingEngine(served, [jsonlSink(log), mem], errors);
    await until(() => engine.bundleInfo()['global']?.revision === 'rev-new', 'the first swap');
    engine.authorize(request);
    served.body = await globalAt('rev-old', 1_950_000_000);
    await until(() => bundleEvents(mem.events).length > 0, 'a bundle event');
    expect(errors.map((e) => e.code)).toContain('MG_BUNDLE_ROLLBACK');
    expect(engine.authorize(request).bundles['global']?.revision).toBe('rev-new'); // still serving the newer bundle
    await engine.close();

    const [event] = bundleEvents(mem.events);
    expect(event).toMatchObject({
      kind: 'bundle',
      path: 'meshgate/bundle',
      subject: 'global',
      layers: ['global'],
      bundles: { global: { revision: 'rev-new' } },
      outcome: 'error',
      result: { allowed: false, outcome: 'error', findings: { total: 0 }, rules: [] },
      input: { layer: 'global', source: served.url.replace(/\?.*/, '') },
    });
    expect(event!.result.errors).toEqual([expect.objectContaining({ code: 'MG_BUNDLE_ROLLBACK', layer: 'global' })]);
    expect(event!.file).toBe(served.url.replace(/\?.*/, ''));
    expect(event!.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(mem.events.map((e) => e.decision_id)).size).toBe(mem.events.length);
    const text = readFileSync(log, 'utf8');
    expect(text).not.toContain('s3cret-token');
    expect(text).toContain('"kind":"bundle"');
    expect((await verifyAuditLog(log)).ok).toBe(true);
    const kinds = text.trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds.slice(0, 2)).toEqual(['access', 'bundle']);
  });

  it('a bundle whose files changed after signing is refused and audited with its code', async () => {
    const signed = readBundle(await globalAt('rev-tampered', 2_000_000_000));
    const files = new Map(signed.files);
    files.set('data.json', new TextEncoder().encode('{"tampered": true}'));
    const served = await serve(packBundle(files));
    cleanups.push(() => served.close());
    const mem = memorySink();
    const errors: MeshgateError[] = [];
    const engine = await pollingEngine(served, [mem], errors);
    await until(() => bundleEvents(mem.events).length > 0, 'a bundle event');
    expect(engine.bundleInfo()['global']?.revision).toBe('rev-initial');
    const codes = bundleEvents(mem.events).map((e) => e.result.errors[0]?.code);
    expect(codes[0]).toBe(errors[0]?.code);
    expect(codes[0]).toMatch(/^MG_BUNDLE_(HASH_MISMATCH|SIGNATURE_INVALID)$/);
  });

  it('an over-budget download is refused and audited; the layer keeps its bundle', async () => {
    const served = await serve(await globalAt('rev-big', 2_000_000_000));
    cleanups.push(() => served.close());
    const mem = memorySink();
    const errors: MeshgateError[] = [];
    const engine = await pollingEngine(served, [mem], errors, { maxCompressedBytes: 1024 });
    await until(() => bundleEvents(mem.events).length > 0, 'a bundle event');
    const [event] = bundleEvents(mem.events);
    expect(event!.result.errors[0]?.code).toBe(errors[0]?.code);
    expect(event!.result.errors[0]?.code).toMatch(/^MG_BUNDLE_/);
    expect(event!.result.errors[0]?.code).not.toBe('MG_BUNDLE_FETCH_FAILED');
    expect(engine.bundleInfo()['global']?.revision).toBe('rev-initial');
  });

  it('a failed download (HTTP 500) refused no bundle: the poller reports it, the audit trail records nothing', async () => {
    const served = await serve(new Uint8Array());
    served.status = 500;
    cleanups.push(() => served.close());
    const mem = memorySink();
    const errors: MeshgateError[] = [];
    await pollingEngine(served, [mem], errors);
    await until(() => errors.length >= 2, 'two failed polls');
    expect(errors.every((e) => e.code === 'MG_BUNDLE_FETCH_FAILED')).toBe(true);
    expect(mem.events).toEqual([]);
  });
});
