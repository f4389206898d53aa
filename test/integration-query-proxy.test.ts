/**
 * examples/query-proxy end to end: the real node:http server on 127.0.0.1, the shipped policy bundles,
 * the example's product contracts. Allowed (public product), allowed with masked columns and a row filter,
 * forbidden (a deny rule fired), not permitted (nothing allowed it), bad requests, and fail closed on an
 * obligation the proxy cannot honour. The last test starts the example the way its README says.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../examples/query-proxy/main.js';
import { applyRowFilters, MASK } from '../examples/query-proxy/proxy.js';
import { ROOT } from './helpers/paths.js';

type Reply = { status: number; body: Record<string, unknown> };

async function query(url: string, headers: Record<string, string>, body: unknown): Promise<Reply> {
  const res = await fetch(`${url}/query`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const marketer = { 'x-user-id': 'alice', 'x-user-department': 'marketing' };
const campaignManager = { 'x-user-id': 'mia', 'x-user-department': 'marketing', 'x-user-roles': 'campaign_manager' };

describe('query proxy example (real server, real bundles)', () => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ url, close } = await start(0));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
  afterAll(async () => {
    await close();
  });

  it('allowed: marketing reads a public product, every row and column, nothing masked', async () => {
    const r = await query(url, marketer, { product: 'campaign_stats' });
    expect(r.status).toBe(200);
    expect(r.body['masked']).toEqual([]);
    expect(r.body['row_filters']).toEqual([]);
    expect(r.body['rows']).toEqual([
      { campaign_id: 'spring', impressions: 120000, clicks: 3400 },
      { campaign_id: 'summer', impressions: 98000, clicks: 2100 },
    ]);
    expect(typeof r.body['decision_id']).toBe('string');
  });

  it('masked columns: a campaign manager with a permitted purpose gets PII masked and opted-out rows removed', async () => {
    const r = await query(url, campaignManager, { product: 'customer360', purpose: 'customer_support' });
    expect(r.status).toBe(200);
    expect([...(r.body['masked'] as string[])].sort()).toEqual(['email', 'phone']);
    expect(r.body['row_filters']).toEqual(['gdpr_opt_out = FALSE']);
    const rows = r.body['rows'] as Array<Record<string, unknown>>;
    expect(rows.map((x) => x['customer_id'])).toEqual(['c-1', 'c-3']);
    for (const row of rows) {
      expect(row['email']).toBe(MASK);
      expect(row['phone']).toBe(MASK);
      expect(row['customer_segment']).toBe('gold');
    }
    expect(JSON.stringify(r.body)).not.toContain('@example.com');
  });

  it('masked columns follow the requested columns only', async () => {
    const r = await query(url, campaignManager, { product: 'customer360', purpose: 'customer_support', columns: ['customer_id', 'email'] });
    expect(r.status).toBe(200);
    expect(r.body['masked']).toEqual(['email']);
    expect(r.body['rows']).toEqual([
      { customer_id: 'c-1', email: MASK },
      { customer_id: 'c-3', email: MASK },
    ]);
  });

  it('a pii_reader sees the PII columns unmasked', async () => {
    const r = await query(url, { ...campaignManager, 'x-user-roles': 'campaign_manager,pii_reader' }, { product: 'customer360', purpose: 'customer_support', columns: ['customer_id', 'email'] });
    expect(r.status).toBe(200);
    expect(r.body['masked']).toEqual([]);
    expect((r.body['rows'] as Array<Record<string, unknown>>)[0]).toEqual({ customer_id: 'c-1', email: 'ana@example.com' });
  });

  it('forbidden: PII without a permitted purpose is denied by the global rule, with the finding', async () => {
    const r = await query(url, campaignManager, { product: 'customer360' });
    expect(r.status).toBe(403);
    expect(r.body['error']).toBe('forbidden');
    expect(r.body['findings']).toEqual([expect.objectContaining({ layer: 'global', rule: 'pii_purpose_required' })]);
    expect(r.body['rows']).toBeUndefined();
  });

  it('forbidden for a plain marketer too: the registered contract marks the product as PII', async () => {
    const r = await query(url, marketer, { product: 'customer360' });
    expect(r.status).toBe(403);
  });

  it('not_permitted: no rule allows a sales user on a marketing product', async () => {
    const r = await query(url, { 'x-user-id': 'sam', 'x-user-department': 'sales' }, { product: 'customer360', purpose: 'customer_support' });
    expect(r.status).toBe(403);
    expect(r.body['error']).toBe('not_permitted');
    expect(r.body['findings']).toEqual([]);
  });

  it('bad requests: no user, no product, not JSON, wrong route', async () => {
    expect((await query(url, {}, { product: 'campaign_stats' })).status).toBe(401);
    expect((await query(url, marketer, { columns: ['x'] })).status).toBe(400);
    expect((await query(url, marketer, '{nope')).status).toBe(400);
    const res = await fetch(`${url}/other`, { method: 'GET' });
    expect(res.status).toBe(404);
  });

  it('fails closed on an obligation it cannot apply', () => {
    expect(() => applyRowFilters([{ a: 1 }], ['a > 0 OR 1=1'])).toThrow(/cannot apply row filter/);
    expect(applyRowFilters([{ cost_center: "O'Brien" }, { cost_center: 'x' }], ["cost_center = 'O''Brien'"])).toEqual([{ cost_center: "O'Brien" }]);
  });

  it('starts as documented: node examples/query-proxy/start.mjs', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'examples', 'query-proxy', 'start.mjs')], { cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const started = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('exit', (code) => reject(new Error(`start.mjs exited with ${code}: ${err}`)));
      });
      const r = await query(started, marketer, { product: 'campaign_stats' });
      expect(r.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
