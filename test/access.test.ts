/**
 * Access requests through the engine with the real compiled bundles (global, finance, marketing):
 * the seed's marketing/public rule, layering (a deny always wins, domain grants only for own products),
 * contract enrichment and obligations, request validation, caching, bundle swaps and audit events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { memorySink } from '../src/audit/index.js';
import { loadContractsFromDir } from '../src/subjects/access/load.js';
import { quickValid, validateRequest, type AccessRequestInput } from '../src/subjects/access/model.js';
import type { Decision } from '../src/types.js';
import { LruCache } from '../src/subjects/access/cache.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const REQUESTS = join(FIXTURES, 'requests');
const readJson = (name: string): AccessRequestInput => JSON.parse(readFileSync(join(REQUESTS, name), 'utf8')) as AccessRequestInput;

const layers = { global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') } };

const financeAnalyst = { id: 'fiona', department: 'finance', roles: ['analyst'] };
const marketer = { id: 'alice', department: 'marketing' };

describe('access decisions with the real bundles', () => {
  let engine: Engine;
  const sink = memorySink();
  beforeAll(async () => {
    engine = await createEngine({ ...layers, audit: [sink] });
    loadContractsFromDir(engine, join(REQUESTS, 'contracts'));
  });
  afterAll(async () => {
    await engine.close();
  });

  it("allows the seed's request: marketing reads a public product", () => {
    const d = engine.authorize(readJson('seed-marketing-public.json'));
    expect(d.allowed).toBe(true);
    expect(d.outcome).toBe('allowed');
    expect(d.reason).toBeUndefined();
    expect(d.allowed_by).toEqual(['global:seed_marketing_public']);
    expect(d.kind).toBe('access');
    expect(d.subject).toBe('alice -> campaign_stats');
    expect(d.domain).toBe('marketing');
    expect(d.layers).toEqual(['global', 'marketing']);
    expect(Object.keys(d.bundles)).toEqual(['global', 'marketing']);
  });

  it('allows the seed rule with explicit request values and no contract', () => {
    const d = engine.authorize({ user: marketer, action: 'read', dataProduct: { id: 'unregistered', classification: 'public' } });
    expect(d.allowed).toBe(true);
    expect(d.layers).toEqual(['global']);
  });

  it('marketing on an internal product is not permitted (nothing allowed it)', () => {
    const d = engine.authorize({ user: marketer, action: 'read', dataProduct: { id: 'ops_metrics', classification: 'internal' } });
    expect(d.allowed).toBe(false);
    expect(d.outcome).toBe('denied');
    expect(d.reason).toBe('not_permitted');
    expect(d.findings).toEqual([]);
    expect(d.allowed_by).toEqual([]);
  });

  it('the contract is the source of truth: a caller cannot relabel an internal product as public', () => {
    const d = engine.authorize({ user: marketer, action: 'read', dataProduct: { id: 'budget_plan', domain: 'marketing', classification: 'public' } });
    expect(d.reason).toBe('not_permitted');
    expect(d.domain).toBe('finance');
  });

  it('the seed rule grants reads only, not other actions', () => {
    const d = engine.authorize({ user: marketer, action: 'delete', dataProduct: { id: 'campaign_stats' } });
    expect(d.reason).toBe('not_permitted');
  });

  it('finance analysts read finance internal products (domain grant) with their row filter', () => {
    const d = engine.authorize(readJson('finance-analyst-budget.json'));
    expect(d.allowed).toBe(true);
    expect(d.allowed_by).toEqual(['finance:finance_analyst_internal']);
    expect(d.layers).toEqual(['global', 'finance']);
    expect(d.obligations).toEqual({ mask: [], row_filters: ["cost_center = 'CC-42'"] });
  });

  it('the finance grant applies to finance products only', () => {
    const own = engine.authorize({ user: financeAnalyst, action: 'read', dataProduct: { id: 'x', domain: 'finance', classification: 'internal' } });
    expect(own.allowed).toBe(true);
    // The same request for a marketing-owned (or unowned) internal product: the finance layer is not consulted.
    const marketing = engine.authorize({ user: financeAnalyst, action: 'read', dataProduct: { id: 'customer360' } });
    expect(marketing.reason).toBe('forbidden'); // customer360 holds PII and no purpose was given
    expect(marketing.allowed_by).toEqual([]);
    expect(marketing.layers).toEqual(['global', 'marketing']);
    const unowned = engine.authorize({ user: financeAnalyst, action: 'read', dataProduct: { id: 'y', classification: 'internal' } });
    expect(unowned.reason).toBe('not_permitted');
    expect(unowned.layers).toEqual(['global']);
    const sales = engine.authorize({ user: financeAnalyst, action: 'read', dataProduct: { id: 'z', domain: 'sales', classification: 'internal' } });
    expect(sales.reason).toBe('not_permitted');
    // Domain names are matched case-insensitively: "Finance" is the finance layer.
    expect(engine.authorize({ user: financeAnalyst, action: 'read', dataProduct: { id: 'x', domain: 'Finance', classification: 'internal' } }).allowed).toBe(true);
  });

  it('a global deny beats a domain grant: forbidden, with the deny rule and its layer', () => {
    const d = engine.authorize({ user: financeAnalyst, action: 'read', dataProduct: { id: 'payroll_summary' } });
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe('forbidden');
    expect(d.allowed_by).toEqual(['finance:finance_analyst_internal']);
    expect(d.findings.map((f) => [f.layer, f.rule, f.level])).toEqual([['global', 'pii_purpose_required', 'deny']]);
    expect(d.findings[0]?.msg).toContain('payroll_summary');
    expect(d.obligations).toEqual({ mask: [], row_filters: [] });
    // With a permitted purpose the grant applies, and the PII column is masked.
    const ok = engine.authorize({ user: financeAnalyst, action: 'read', dataProduct: { id: 'payroll_summary' }, purpose: 'regulatory_reporting' });
    expect(ok.allowed).toBe(true);
    expect(ok.obligations.mask).toEqual(['employee_email']);
  });

  it('a domain deny also wins (finance exports)', () => {
    const d = engine.authorize({ user: { ...financeAnalyst, roles: ['analyst'] }, action: 'export', dataProduct: { id: 'budget_plan' } });
    expect(d.reason).toBe('forbidden');
    expect(d.findings.map((f) => `${f.layer}:${f.rule}`)).toEqual(['finance:finance_no_export']);
  });

  it('restricted products need clearance', () => {
    const hr = { id: 'henry', department: 'hr', roles: ['pii_reader'] };
    const d = engine.authorize({ user: hr, action: 'read', dataProduct: { id: 'hr_salaries' } });
    expect(d.reason).toBe('forbidden');
    expect(d.findings.map((f) => f.rule)).toEqual(['restricted_clearance_required']);
    expect(d.domain).toBe('hr');
    const cleared = engine.authorize({ user: { ...hr, clearance: 'restricted' }, action: 'read', dataProduct: { id: 'hr_salaries' } });
    expect(cleared.reason).toBe('not_permitted'); // no deny, but nothing grants hr reads either
  });

  it('PII columns of a registered contract come back as mask obligations (merged with domain row filters)', () => {
    const campaignManager = { id: 'carla', department: 'marketing', roles: ['campaign_manager'], attributes: { pii_training: true } };
    const d = engine.authorize({ user: campaignManager, action: 'read', data_product: { id: 'customer360' } });
    expect(d.allowed).toBe(true);
    expect(d.allowed_by).toEqual(['marketing:marketing_campaign_manager_internal']);
    expect(d.obligations).toEqual({ mask: ['email', 'phone'], row_filters: ['gdpr_opt_out = FALSE'] });
    // Only requested PII columns are masked; a pii_reader sees them.
    const some = engine.authorize({ user: campaignManager, action: 'read', data_product: { id: 'customer360' }, columns: ['segment', 'phone', 'customer_id'] });
    expect(some.obligations.mask).toEqual(['phone']);
    const reader = engine.authorize({ user: { ...campaignManager, roles: ['campaign_manager', 'pii_reader'] }, action: 'read', data_product: { id: 'customer360' } });
    expect(reader.obligations.mask).toEqual([]);
  });

  it('PII products need a permitted purpose or the training attribute', () => {
    const cm = { id: 'carla', department: 'marketing', roles: ['campaign_manager'] };
    expect(engine.authorize({ user: cm, action: 'read', dataProduct: { id: 'customer360' } }).reason).toBe('forbidden');
    expect(engine.authorize({ user: cm, action: 'read', dataProduct: { id: 'customer360' }, purpose: 'advertising' }).reason).toBe('forbidden');
    expect(engine.authorize({ user: cm, action: 'read', dataProduct: { id: 'customer360' }, purpose: 'customer_support' }).allowed).toBe(true);
  });

  it('a bad request is a denied error decision naming the field path, never an exception', () => {
    const bad = [
      [{ user: {}, action: 'read', dataProduct: { id: 'p' } }, '/user/id'],
      [{ user: { id: 'u' }, action: 'read' }, '/dataProduct'],
      [{ user: { id: 'u' }, action: 7, dataProduct: { id: 'p' } }, '/action'],
      [{ user: { id: 'u', roles: 'admin' }, action: 'read', dataProduct: { id: 'p' } }, '/user/roles'],
      [{ user: { id: 'u' }, action: 'read', dataProduct: { id: 'p' }, colums: ['a'] }, '/colums'],
      [{ user: { id: 'u' }, action: 'read', dataProduct: { id: 'p' }, data_product: { id: 'p' } }, '/dataProduct'],
      [null, '/'],
    ] as const;
    for (const [req, path] of bad) {
      const d = engine.authorize(req as unknown as AccessRequestInput);
      expect(d.allowed).toBe(false);
      expect(d.outcome).toBe('error');
      expect(d.reason).toBe('error');
      expect(d.errors[0]?.code).toBe('MG_ACCESS_REQUEST_INVALID');
      expect(d.errors.map((e) => e.message).join('\n')).toContain(`at ${path}`);
    }
  });

  it('every decision emits one audit event with its decision id, cached or not', () => {
    const before = sink.events.length;
    const req: AccessRequestInput = { user: marketer, action: 'read', dataProduct: { id: 'campaign_stats' } };
    const a = engine.authorize(req);
    const b = engine.authorize(req);
    const c = engine.authorize({ user: {}, action: 'read' } as unknown as AccessRequestInput);
    const events = sink.events.slice(before);
    expect(events.map((e) => e.decision_id)).toEqual([a.decision_id, b.decision_id, c.decision_id]);
    expect(new Set([a.decision_id, b.decision_id]).size).toBe(2);
    expect(b.metrics['cache_hit']).toBe(1);
    expect(events[0]?.outcome).toBe('allowed');
    expect(events[2]?.outcome).toBe('error');
    // The event records the enriched request (domain and classification from the registered contract).
    expect(events[0]?.input).toMatchObject({ request: { data_product: { id: 'campaign_stats', domain: 'marketing', classification: 'public', pii_columns: [] } } });
    expect(events[1]?.result.allowed_by).toEqual(['global:seed_marketing_public']);
  });

  it('decision ids are version-4 UUIDs, unique within an engine and across engines', async () => {
    const req: AccessRequestInput = { user: marketer, action: 'read', dataProduct: { id: 'campaign_stats' } };
    const other = await createEngine({ subjects: { cacheSize: 0 } });
    try {
      const ids = [engine.authorize(req), engine.authorize(req), other.authorize(req), other.authorize(req)].map((d) => d.decision_id);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(ids).size).toBe(4);
      // each engine draws its own prefix: the first 23 characters differ between the two engines
      expect(ids[0]!.slice(0, 23)).toBe(ids[1]!.slice(0, 23));
      expect(ids[2]!.slice(0, 23)).not.toBe(ids[0]!.slice(0, 23));
    } finally {
      await other.close();
    }
  });

  it('contracts without an id and unreadable folders are coded errors', () => {
    expect(() => loadContractsFromDir(engine, join(REQUESTS, 'no-such-folder'))).toThrow(expect.objectContaining({ code: 'MG_ACCESS_CONTRACT_DIR' }));
    expect(() => engine.registerContract('not: [a contract')).toThrow(expect.objectContaining({ name: 'MeshgateError' }));
  });
});

describe('decision cache', () => {
  it('is a bounded LRU: the least recently used entry is evicted', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.size]).toEqual([1, 3, 2]);
    const off = new LruCache<string, number>(0);
    off.set('a', 1);
    expect(off.size).toBe(0);
  });
});

describe('request model', () => {
  it('the quick check agrees with the ajv schema on valid and invalid requests', () => {
    const samples: unknown[] = [
      { user: { id: 'u' }, action: 'read', dataProduct: { id: 'p' } },
      { user: { id: 'u', roles: ['a'], attributes: { x: 1 } }, action: 'read', data_product: { id: 'p', extra: [1] }, columns: ['c'], purpose: 'x' },
      { user: { id: '' }, action: 'read', dataProduct: { id: 'p' } },
      { user: { id: 'u', attributes: [] }, action: 'read', dataProduct: { id: 'p' } },
      { user: { id: 'u' }, action: 'read', dataProduct: { id: 'p', pii_columns: [1] } },
      { user: { id: 'u' }, action: '', dataProduct: { id: 'p' } },
      { user: { id: 'u' }, action: 'read', dataProduct: { id: 'p' }, purpose: 3 },
      // a sparse list (a JavaScript caller's): its hole is not a string, for ajv as for the quick check
      // eslint-disable-next-line no-sparse-arrays
      { user: { id: 'u', roles: ['a', , 'b'] }, action: 'read', dataProduct: { id: 'p' } },
      [],
      'x',
    ];
    for (const s of samples) expect(quickValid(s)).toBe(validateRequest(s).length === 0);
  });
});

describe('cache and bundle swaps', () => {
  it('a swap of a bundle empties the cache, and decisions then come from the new bundle', async () => {
    const engine = await createEngine(layers);
    const req: AccessRequestInput = { user: financeAnalyst, action: 'read', dataProduct: { id: 'x', domain: 'finance', classification: 'internal' } };
    const first = engine.authorize(req);
    const second = engine.authorize(req);
    expect(first.metrics['cache_hit']).toBeUndefined();
    expect(second.metrics['cache_hit']).toBe(1);
    expect(second.allowed).toBe(true);
    // Replace the finance layer by the marketing bundle (a different revision, no finance grant).
    const event = await engine.swapBundle('finance', bundlePath('marketing'));
    expect(event.from).not.toBe(event.to);
    const after = engine.authorize(req);
    expect(after.metrics['cache_hit']).toBeUndefined();
    expect(after.allowed).toBe(false);
    expect(after.reason).toBe('not_permitted');
    expect(after.bundles['finance']?.revision).toBe(event.to);
    // Swapping back to the same revision as before also starts from an empty cache.
    await engine.swapBundle('finance', bundlePath('finance'));
    const back = engine.authorize(req);
    expect(back.metrics['cache_hit']).toBeUndefined();
    expect(back.allowed).toBe(true);
    await engine.close();
  });

  it('registering a contract changes later answers (no stale cache)', async () => {
    const engine = await createEngine(layers);
    const req: AccessRequestInput = { user: marketer, action: 'read', dataProduct: { id: 'campaign_stats', classification: 'public' } };
    expect(engine.authorize(req).allowed).toBe(true);
    engine.registerContract({ data_product: 'campaign_stats', domain: 'Marketing', schema: { email: { type: 'string', classification: 'internal', pii: true } } });
    const d: Decision = engine.authorize(req);
    expect(d.metrics['cache_hit']).toBeUndefined();
    expect(d.reason).toBe('forbidden');
    await engine.close();
  });

  it('a policy returning a wrong shape is an error decision that denies, and is not cached', async () => {
    const engine = await createEngine(layers);
    await engine.swapBundle('marketing', join(REQUESTS, 'bundles', 'wrong-shape-access.tar.gz'));
    // The global layer alone would allow this (seed rule); the broken marketing layer makes it fail closed.
    const req: AccessRequestInput = { user: marketer, action: 'read', dataProduct: { id: 'p', domain: 'marketing', classification: 'public' } };
    for (let i = 0; i < 2; i++) {
      const d = engine.authorize(req);
      expect(d.allowed).toBe(false);
      expect(d.outcome).toBe('error');
      expect(d.reason).toBe('error');
      expect(d.errors.map((e) => [e.code, e.layer])).toEqual([['MG_POLICY_RESULT_SHAPE', 'marketing']]);
      expect(d.obligations).toEqual({ mask: [], row_filters: [] });
      expect(d.metrics['cache_hit']).toBeUndefined();
    }
    expect(engine.authorize({ ...req, dataProduct: { id: 'p', classification: 'public' } }).allowed).toBe(true);
    await engine.close();
  });

  it('with the cache disabled every answer is evaluated', async () => {
    const engine = await createEngine({ ...layers, subjects: { cacheSize: 0 } });
    const req: AccessRequestInput = { user: marketer, action: 'read', dataProduct: { id: 'p', classification: 'public' } };
    engine.authorize(req);
    expect(engine.authorize(req).metrics['cache_hit']).toBeUndefined();
    await engine.close();
  });
});
