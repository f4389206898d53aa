/**
 * Issue 18's first list, one test per bullet: each of these passed tampering (or a silent drop) before.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail, jsonlSink, verifyAuditLog } from '../src/audit/index.js';
import { makeDecision } from './helpers/audit-decisions.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshgate-evidence-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeLog(n: number, name = 'audit.log'): Promise<string> {
  const path = join(dir, name);
  const sink = jsonlSink(path);
  const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
  for (let i = 0; i < n; i++) trail.record(makeDecision('access', i === 2 ? { allowed: false, outcome: 'denied' } : {}), { i });
  await trail.close();
  return path;
}

const lines = async (p: string): Promise<string[]> => (await readFile(p, 'utf8')).split('\n').slice(0, -1);

describe('byte-exact lines', () => {
  it('a second "outcome" key inserted into a line is rejected, naming the key and seq', async () => {
    const path = await writeLog(4);
    const ls = await lines(path);
    expect(ls[2]).toContain('"outcome":"denied"');
    ls[2] = ls[2]!.replace('"outcome":"denied"', '"outcome":"allowed","outcome":"denied"'); // last key wins for JSON.parse: the hash still matches
    await writeFile(path, `${ls.join('\n')}\n`);
    const r = await verifyAuditLog(path);
    expect(r).toMatchObject({ ok: false, problem: 'noncanonical', firstBadLine: 3 });
    expect(r.message).toContain('duplicate key "outcome"');
    expect(r.message).toContain('seq 2');
  });

  it('reordered keys or added whitespace in a line are rejected even though the parsed value is the same', async () => {
    const path = await writeLog(3);
    const ls = await lines(path);
    const obj = JSON.parse(ls[1]!) as Record<string, unknown>;
    const { hash, ...rest } = obj;
    for (const bad of [JSON.stringify({ hash, ...rest }), ls[1]!.replace('{', '{ ')]) {
      await writeFile(path, `${[ls[0], bad, ls[2]].join('\n')}\n`);
      expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'noncanonical', firstBadLine: 2 });
    }
  });
});

describe('masking never rewrites structure (real engine and bundles)', () => {
  it('a masked attribute set to "denied", a rule id or the user id leaves outcome, rules and subject intact', async () => {
    const { createEngine } = await import('../src/engine.js');
    const { memorySink } = await import('../src/audit/index.js');
    const { loadContractsFromDir } = await import('../src/subjects/access/load.js');
    const { bundlePath, FIXTURES } = await import('./helpers/paths.js');
    const sink = memorySink();
    const engine = await createEngine({
      global: bundlePath('global'),
      domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') },
      audit: [sink],
      maskFields: ['email'],
    });
    try {
      loadContractsFromDir(engine, join(FIXTURES, 'requests', 'contracts'));
      const user = { id: 'carla', department: 'marketing', roles: ['campaign_manager'] };
      const base = engine.authorize({ user, action: 'read', dataProduct: { id: 'customer360' } });
      expect(base.outcome).toBe('denied');
      const plain = sink.events.at(-1)!;
      expect(plain.result.rules.length).toBeGreaterThan(0);
      const ruleId = plain.result.rules[0]!;
      for (const email of ['denied', ruleId, ruleId.split(':')[1]!, 'carla', 'customer360']) {
        const d = engine.authorize({ user: { ...user, attributes: { email } }, action: 'read', dataProduct: { id: 'customer360' } });
        const e = sink.events.at(-1)!;
        expect(e.decision_id).toBe(d.decision_id);
        expect(e.outcome, email).toBe('denied');
        expect(e.result.outcome, email).toBe('denied');
        expect(e.result.rules, email).toEqual(plain.result.rules);
        expect(e.result.reason, email).toBe(plain.result.reason);
        expect(e.subject, email).toBe(plain.subject);
        expect(e.subject).toContain('carla');
        expect((e.input as { request: { user: { attributes: { email: string } } } }).request.user.attributes.email).toBe('***MASKED***');
        expect(e.masked).toContain('/input/request/user/attributes/email');
      }
    } finally {
      await engine.close();
    }
  });
});
