/**
 * The audit trail through the real engine and compiled bundles: every decision kind (contract,
 * contract_change, terraform, access — allowed, denied, cached, invalid) emits exactly one event to every
 * sink, and PII or sensitive values never reach any sink's output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { callbackSink, jsonlSink, memorySink, verifyAuditLog, type AuditEvent } from '../src/audit/index.js';
import type { Decision } from '../src/types.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';

const SECRET_EMAIL = 'jane.doe@example.com';
const SECRET_PHONE = '+44 20 7946 0958';
const DB_PASSWORD = 'hunter2-correct-horse';

/** The seed's customer-profile contract with PII fields that carry sample values. */
const contractWithPii = `
domain: customer
data_product: customer_profile
version: 2.1.0
owner: customer-engineering@company.com
encryption_protocol: AES256_GCM
schema:
  fields:
    - name: customer_uid
      type: string
      constraints: [required, unique]
    - name: email
      type: string
      classification: PII
      example: "${SECRET_EMAIL}"
    - name: phone
      type: string
      classification: PII
      examples: ["${SECRET_PHONE}"]
service_level_objectives:
  freshness: { threshold: "PT24H" }
  availability: { threshold: "99.95%" }
output:
  format: delta
  location: s3://data-products/customer/profile/v2.1/
`;

/** A plan with a database whose password is sensitive. */
const planWithSecret = JSON.stringify({
  format_version: '1.2',
  terraform_version: '1.7.5',
  planned_values: { root_module: { resources: [{ address: 'aws_db_instance.main', mode: 'managed', type: 'aws_db_instance', name: 'main', values: { password: DB_PASSWORD, tags: {} }, sensitive_values: { password: true } }] } },
  resource_changes: [
    {
      address: 'aws_db_instance.main',
      mode: 'managed',
      type: 'aws_db_instance',
      name: 'main',
      change: { actions: ['create'], before: null, after: { password: DB_PASSWORD, tags: {} }, after_unknown: {}, after_sensitive: { password: true } },
    },
  ],
});

describe('audit through the engine', () => {
  let engine: Engine;
  let memory: ReturnType<typeof memorySink>;
  const seen: AuditEvent[] = [];
  let logFile: string;

  beforeAll(async () => {
    memory = memorySink();
    logFile = join(mkdtempSync(join(tmpdir(), 'mg-audit-engine-')), 'audit.log');
    engine = await createEngine({
      global: bundlePath('global'),
      domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') },
      audit: [memory, jsonlSink(logFile), callbackSink((e) => void seen.push(e))],
      maskFields: ['email'],
    });
    engine.registerContract(contractWithPii, { file: 'customer-profile.yaml' });
  });
  afterAll(async () => {
    await engine.close();
  });

  /** Runs `fn`, returning its decisions and checking each produced exactly one event per sink. */
  async function exactlyOne(fn: () => Promise<Decision | Decision[]> | Decision | Decision[]): Promise<Decision[]> {
    const before = memory.events.length;
    const beforeCb = seen.length;
    const out = await fn();
    const decisions = Array.isArray(out) ? out : [out];
    const events = memory.events.slice(before);
    expect(events.map((e) => e.decision_id)).toEqual(decisions.map((d) => d.decision_id));
    expect(seen.slice(beforeCb).map((e) => e.decision_id)).toEqual(decisions.map((d) => d.decision_id));
    return decisions;
  }

  it('one event per decision of every kind and outcome', async () => {
    const [c] = await exactlyOne(() => engine.checkContract(contractWithPii, { file: 'customer-profile.yaml' }));
    expect(c?.kind).toBe('contract');
    const [cc] = await exactlyOne(() => engine.checkContractChange(contractWithPii, contractWithPii.replace('version: 2.1.0', 'version: 2.2.0'), {}));
    expect(cc?.kind).toBe('contract_change');
    const [p] = await exactlyOne(() => engine.checkPlan(readFileSync(join(FIXTURES, 'plans', 'data-product-foundation.plan.json'), 'utf8'), { file: 'plan.json' }));
    expect(p?.kind).toBe('terraform');
    const [failing] = await exactlyOne(() => engine.checkPlan(planWithSecret, { file: 'db.plan.json' }));
    expect(failing?.kind).toBe('terraform');
    const request = { user: { id: 'u1', department: 'marketing', attributes: { email: SECRET_EMAIL } }, action: 'read', dataProduct: { id: 'customer_profile' }, columns: ['email', 'phone'] };
    const [a1] = await exactlyOne(() => engine.authorize(request));
    const [a2] = await exactlyOne(() => engine.authorize(request)); // cached answer: still its own event
    expect(a2?.decision_id).not.toBe(a1?.decision_id);
    const [bad] = await exactlyOne(() => engine.authorize({ user: { id: '' }, action: 'read' } as never));
    expect(bad?.outcome).toBe('error');
    const batch = await exactlyOne(() => engine.authorizeMany([request, { ...request, user: { id: 'u2', department: 'finance' } }]));
    expect(batch).toHaveLength(2);
    const kinds = new Set(memory.events.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['access', 'contract', 'contract_change', 'terraform']);
  });

  it('no PII or sensitive value reaches any sink', async () => {
    await engine.flush();
    const outputs = [JSON.stringify(memory.events), JSON.stringify(seen), readFileSync(logFile, 'utf8')];
    for (const text of outputs) {
      expect(text.length).toBeGreaterThan(100);
      for (const secret of [SECRET_EMAIL, SECRET_PHONE, DB_PASSWORD]) expect(text).not.toContain(secret);
    }
    const report = await verifyAuditLog(logFile);
    expect(report.ok).toBe(true);
  });
});
