/**
 * Evaluation deadlines (issue 17): a policy that loops on real input is cut inside the WebAssembly by the
 * injected metering, in the synchronous authorize and in checkPlan, with a denying MG_POLICY_DEADLINE
 * decision; the layer's instance is replaced and the next decision is served normally. A bundle that loops
 * on the warm-up input is refused at load and at swap instead of hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { isMeshgateError } from '../src/errors.js';
import { memorySink } from '../src/audit/index.js';
import { FIXTURES } from './helpers/paths.js';

const LOOPING = join(FIXTURES, 'bundles', 'looping', 'global.tar.gz');
const ALWAYS = join(FIXTURES, 'bundles', 'looping-always', 'global.tar.gz');
const user = { id: 'alice', department: 'marketing' };
const product = { id: 'campaign_stats', classification: 'public' };
const plan = (type: string): Record<string, unknown> => ({
  format_version: '1.2',
  resource_changes: [{ address: `${type}.x`, mode: 'managed', type, name: 'x', change: { actions: ['create'], before: null, after: {} } }],
});

describe('evaluation deadlines', () => {
  let engine: Engine;
  const sink = memorySink();
  beforeAll(async () => {
    engine = await createEngine({ global: LOOPING, deadlines: { accessMs: 50, checkMs: 100, loadMs: 200 }, audit: [sink], subjects: { cacheSize: 0 } });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('cuts a looping access evaluation (synchronous authorize) and serves the next request', () => {
    const cut = engine.authorize({ user, action: 'read', data_product: product, columns: ['a', 'spin'] });
    expect(cut.allowed).toBe(false);
    expect(cut.outcome).toBe('error');
    expect(cut.errors?.map((e) => e.code)).toContain('MG_POLICY_DEADLINE');
    const next = engine.authorize({ user, action: 'read', data_product: product, columns: ['a'] });
    expect(next.allowed).toBe(true);
    expect(next.errors ?? []).toEqual([]);
  });

  it('authorizeMany: only the looping request is cut; the others in the batch are decided', () => {
    const ds = engine.authorizeMany([
      { user, action: 'read', data_product: product, columns: ['a'] },
      { user, action: 'read', data_product: product, columns: ['spin'] },
      { user, action: 'read', data_product: { ...product, id: 'other' }, columns: ['b'] },
    ]);
    expect(ds.map((d) => d.outcome)).toEqual(['allowed', 'error', 'allowed']);
    expect(ds[1]?.errors.map((e) => e.code)).toContain('MG_POLICY_DEADLINE');
  });

  it('cuts a looping plan evaluation (checkPlan) and serves the next plan', async () => {
    const cut = await engine.checkPlan(plan('spin'));
    expect(cut.allowed).toBe(false);
    expect(cut.errors?.map((e) => e.code)).toContain('MG_POLICY_DEADLINE');
    const next = await engine.checkPlan(plan('aws_s3_bucket'));
    expect(next.allowed).toBe(true);
    expect(next.errors ?? []).toEqual([]);
  });

  it('audits the cut decision like any other', () => {
    const cut = engine.authorize({ user, action: 'read', data_product: product, columns: ['spin'] });
    const event = sink.events.find((e) => e.decision_id === cut.decision_id);
    expect(event?.result.errors.map((x) => x.code)).toContain('MG_POLICY_DEADLINE');
  });

  it('a bundle that loops on the warm-up input is refused by createEngine and by a swap, not hung', async () => {
    const refused = await createEngine({ global: ALWAYS, deadlines: { loadMs: 50 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMeshgateError(refused) && refused.code).toBe('MG_POLICY_DEADLINE');
    const swap = await engine.swapBundle('global', ALWAYS).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMeshgateError(swap) && swap.code).toBe('MG_POLICY_DEADLINE');
    // the old bundle stays and keeps deciding
    expect(engine.authorize({ user, action: 'read', data_product: product, columns: ['a'] }).allowed).toBe(true);
  });
});
