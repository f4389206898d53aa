/**
 * Fault injection: a policy trap in the middle of a batch, the WASM memory limit reached, an audit sink
 * that throws (with onSinkFailure 'drop' and 'fail'), disk full (ENOSPC, a JSONL sink on /dev/full), and a
 * bundle file replaced while it is being loaded. Each: no wrongful allow, a coded error, and the engine
 * still serves the next decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { jsonlSink, memorySink, type AuditSink } from '../src/audit/index.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const TRAP = join(FIXTURES, 'bundles', 'trap', 'global.tar.gz');
const PLAN = join(FIXTURES, 'plans', 'failing', 'pii-bucket-without-sse.plan.json');
const ok = { user: { id: 'alice', department: 'marketing' }, action: 'read', data_product: { id: 'campaign_stats', classification: 'public' } };
const boom = { user: { id: 'mallory', department: 'marketing', attributes: { boom: true } }, action: 'read', data_product: { id: 'campaign_stats', classification: 'public' } };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-fault-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a policy trap in the middle of a batch', () => {
  it('fails closed for that request only; the rest of the batch and the next batch are decided', async () => {
    const engine = await createEngine({ global: TRAP });
    const batch = [ok, { ...ok, user: { id: 'bob' } }, boom, ok, { ...ok, user: { id: 'carol' } }];
    const ds = engine.authorizeMany(batch);
    expect(ds.map((d) => d.outcome)).toEqual(['allowed', 'allowed', 'error', 'allowed', 'allowed']);
    expect(ds[2]!.allowed).toBe(false);
    expect(ds[2]!.reason).toBe('error');
    expect(ds[2]!.errors[0]?.code).toMatch(/^MG_POLICY_(TRAP|RUNTIME)$/);
    // the same trap again is not served from a cache as an allow, and the engine keeps serving
    expect(engine.authorize(boom).allowed).toBe(false);
    expect(engine.authorizeMany([ok, ok]).map((d) => d.allowed)).toEqual([true, true]);
  });

  it('a trap on one resource of a plan makes the plan an error decision; the next plan is decided', async () => {
    const engine = await createEngine({ global: TRAP });
    const plan = (tags: Record<string, string>) => ({
      format_version: '1.2',
      resource_changes: [
        { address: 'aws_s3_bucket.a', mode: 'managed', type: 'aws_s3_bucket', name: 'a', change: { actions: ['create'], after: { bucket: 'a', tags: {} }, after_unknown: {} } },
        { address: 'aws_s3_bucket.b', mode: 'managed', type: 'aws_s3_bucket', name: 'b', change: { actions: ['create'], after: { bucket: 'b', tags }, after_unknown: {} } },
      ],
    });
    const bad = await engine.checkPlan(plan({ boom: 'yes' }));
    expect(bad.allowed).toBe(false);
    expect(bad.outcome).toBe('error');
    expect(bad.errors.map((e) => e.code)).toEqual([expect.stringMatching(/^MG_POLICY_(TRAP|RUNTIME)$/)]);
    expect(bad.errors[0]?.message).toContain('aws_s3_bucket.b');
    const good = await engine.checkPlan(plan({}));
    expect(good.outcome).toBe('allowed');
  });
});

describe('the WASM memory limit reached', () => {
  it('an access request too big for memoryMaxPages is a denying MG_POLICY_MEMORY decision, then the engine recovers', async () => {
    const engine = await createEngine({ global: bundlePath('global'), memoryMaxPages: 48 });
    const huge = { ...ok, user: { ...ok.user, attributes: { blob: 'x'.repeat(6 * 1024 * 1024) } } };
    const d = engine.authorize(huge);
    expect(d.allowed).toBe(false);
    expect(d.outcome).toBe('error');
    expect(d.errors[0]?.code).toBe('MG_POLICY_MEMORY');
    expect(engine.authorize(ok).allowed).toBe(true);
    const ds = engine.authorizeMany([ok, huge, ok]);
    expect(ds.map((x) => x.outcome)).toEqual(['allowed', 'error', 'allowed']);
  });

  it('a plan whose input exceeds the limit is an error decision; the next plan is decided', async () => {
    const engine = await createEngine({ global: bundlePath('global'), memoryMaxPages: 48 });
    const plan = JSON.parse(readFileSync(PLAN, 'utf8')) as { resource_changes: Array<{ change: { after: { tags?: Record<string, string> } } }> };
    const after = plan.resource_changes[0]!.change.after;
    after.tags = { ...(after.tags ?? {}), Huge: 'y'.repeat(6 * 1024 * 1024) };
    const d = await engine.checkPlan(plan as unknown as Record<string, unknown>);
    expect(d.allowed).toBe(false);
    expect(d.errors.map((e) => e.code)).toContain('MG_POLICY_MEMORY');
    const next = await engine.checkPlan(readFileSync(PLAN));
    expect(next.outcome).toBe('denied');
    expect(next.findings.map((f) => f.rule)).toContain('pii_bucket_encryption');
  });
});

function throwingSink(what: unknown): AuditSink & { calls: number } {
  const s = {
    name: 'throwing',
    calls: 0,
    write(): void {
      s.calls++;
      throw what;
    },
    flush: async () => {},
    close: async () => {},
  };
  return s;
}

describe('an audit sink that throws', () => {
  it("with onSinkFailure 'fail' an allow becomes a denying MG_AUDIT_SINK_FAILED error; the next decision is served", async () => {
    for (const what of [new Error('disk on fire'), 'a bare string', { weird: true }, undefined]) {
      const mem = memorySink();
      const bad = throwingSink(what);
      const engine = await createEngine({ global: bundlePath('global'), audit: [bad, mem], onSinkFailure: 'fail', subjects: { cacheSize: 0 } });
      const d = engine.authorize(ok);
      expect(d.allowed).toBe(false);
      expect(d.outcome).toBe('error');
      expect(d.errors.map((e) => e.code)).toContain('MG_AUDIT_SINK_FAILED');
      const denied = await engine.checkPlan(readFileSync(PLAN));
      expect(denied.allowed).toBe(false);
      expect(mem.events.length).toBe(2); // the healthy sink still got every event
      expect(bad.calls).toBe(2);
      await engine.close();
    }
  });

  it("with onSinkFailure 'drop' decisions are unchanged (a deny stays a deny) and the failures are counted", async () => {
    const bad = throwingSink(new Error('nope'));
    const engine = await createEngine({ global: bundlePath('global'), audit: [bad], onSinkFailure: 'drop' });
    expect(engine.authorize(ok).allowed).toBe(true);
    const denied = await engine.checkPlan(readFileSync(PLAN));
    expect(denied.allowed).toBe(false);
    expect(denied.outcome).toBe('denied');
    expect(bad.calls).toBe(2);
    await engine.close();
  });

  it('an async sink that rejects surfaces as a coded error at flush with fail, never as an allow later', async () => {
    const sink: AuditSink = { name: 'async', write: () => Promise.reject(new Error('late')), flush: async () => {}, close: async () => {} };
    const engine = await createEngine({ global: bundlePath('global'), audit: [sink], onSinkFailure: 'fail' });
    engine.authorize(ok);
    await expect(engine.flush()).rejects.toMatchObject({ code: 'MG_AUDIT_SINK_FAILED' });
    expect(engine.authorize(boom).outcome).not.toBe('error');
    await engine.close().catch(() => undefined);
  });
});

describe.skipIf(!existsSync('/dev/full'))('disk full (ENOSPC) on the audit log', () => {
  it("a JSONL sink on /dev/full: 'fail' denies with MG_AUDIT_SINK_FAILED naming ENOSPC; 'drop' keeps deciding", async () => {
    const failing = await createEngine({ global: bundlePath('global'), audit: [jsonlSink('/dev/full')], onSinkFailure: 'fail', subjects: { cacheSize: 0 } });
    const d = failing.authorize(ok);
    expect(d.allowed).toBe(false);
    expect(d.errors[0]?.code).toBe('MG_AUDIT_SINK_FAILED');
    expect(d.errors[0]?.message).toMatch(/ENOSPC|no space/i);
    expect(failing.authorize(ok).allowed).toBe(false); // still full: still no allow
    await failing.close().catch(() => undefined);
    const dropping = await createEngine({ global: bundlePath('global'), audit: [jsonlSink('/dev/full')], onSinkFailure: 'drop' });
    expect(dropping.authorize(ok).allowed).toBe(true);
    expect((await dropping.checkPlan(readFileSync(PLAN))).allowed).toBe(false);
    await dropping.close().catch(() => undefined);
  });
});

describe('a bundle file replaced while loading', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ global: bundlePath('global') });
  });

  it('a half-written replacement is MG_BUNDLE_CORRUPT, the old bundle stays active and decisions continue', async () => {
    const path = join(tmp, 'global.tar.gz');
    const bytes = readFileSync(TRAP);
    const before = engine.bundleInfo()['global']?.revision;
    for (const cut of [0, 10, Math.floor(bytes.length / 2), bytes.length - 5]) {
      writeFileSync(path, bytes.subarray(0, cut));
      let err: unknown;
      try {
        await engine.swapBundle('global', path);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MeshgateError);
      expect((err as MeshgateError).code).toMatch(/^MG_BUNDLE_(CORRUPT|NO_WASM)$/);
      expect(engine.bundleInfo()['global']?.revision).toBe(before);
      expect(engine.authorize(ok).allowed).toBe(true);
      expect(engine.authorize(boom).allowed).toBe(true); // still the real global policy, not the trap bundle
    }
  });

  it('a replacement renamed over the file during a swap yields one whole bundle, never a mix', async () => {
    const path = join(tmp, 'swap.tar.gz');
    const other = join(tmp, 'other.tar.gz');
    copyFileSync(bundlePath('global'), path);
    copyFileSync(TRAP, other);
    const revs = new Set([readRevision(bundlePath('global')), readRevision(TRAP)]);
    const swap = engine.swapBundle('global', path);
    renameSync(other, path);
    await swap;
    expect(revs.has(engine.bundleInfo()['global']?.revision ?? '')).toBe(true);
    const again = await engine.swapBundle('global', path);
    expect(again.to).toBe(readRevision(TRAP));
    expect(engine.authorize(boom).errors[0]?.code).toMatch(/^MG_POLICY_(TRAP|RUNTIME)$/);
    expect(engine.authorize(ok).allowed).toBe(true);
    await engine.swapBundle('global', bundlePath('global'));
    expect(engine.authorize(boom).allowed).toBe(true);
  });

  it('a missing file at swap time is MG_BUNDLE_NOT_FOUND and the engine keeps serving', async () => {
    await expect(engine.swapBundle('global', join(tmp, 'gone.tar.gz'))).rejects.toMatchObject({ code: 'MG_BUNDLE_NOT_FOUND' });
    expect(engine.authorize(ok).allowed).toBe(true);
  });
});

function readRevision(bundle: string): string {
  const manifest = JSON.parse(readFileSync(join(bundle, '..', 'manifest.json'), 'utf8')) as { layers: { global: { revision: string } } };
  return manifest.layers.global.revision;
}
