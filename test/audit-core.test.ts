import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuditTrail,
  MASKED,
  buildAuditEvent,
  callbackSink,
  canonicalJson,
  maskInput,
  maskWithReport,
  memorySink,
  type AuditEvent,
  type AuditSink,
} from '../src/audit/index.js';
import { isMeshgateError, MeshgateError } from '../src/errors.js';
import type { Decision } from '../src/types.js';
import {
  CUSTOMER_PROFILE_MASK_PATHS,
  PII_VALUES,
  customerProfileAccessInput,
  customerProfileContractInput,
  decisionsOfEveryKind,
  deniedContractDecision,
  makeDecision,
} from './helpers/audit-decisions.js';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson([undefined, NaN, 1e21, -0])).toBe('[null,null,1e+21,0]');
  });

  it('is independent of key insertion order and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('maskInput', () => {
  it('masks a bare field name at any depth, inside arrays too', () => {
    const input = { a: { email: 'x@y.z', list: [{ email: 'p@q.r', ok: 1 }] }, email: 'top@l.v' };
    expect(maskInput(input, ['email'])).toEqual({ a: { email: MASKED, list: [{ email: MASKED, ok: 1 }] }, email: MASKED });
  });

  it('masks rooted dot paths with * and ** and leaves the rest alone', () => {
    const input = { request: { user: { email: 'a@b.c', id: 'u1' }, other: { email: 'keep@me.too' } }, contract: { fields: [{ name: 'e', example: 'ex1' }, { name: 'f', example: 'ex2' }] } };
    const out = maskWithReport(input, ['request.user.email', 'contract.fields.*.example']);
    expect(out.value).toEqual({
      request: { user: { email: MASKED, id: 'u1' }, other: { email: 'keep@me.too' } },
      contract: { fields: [{ name: 'e', example: MASKED }, { name: 'f', example: MASKED }] },
    });
    expect(out.masked).toEqual(['/request/user/email', '/contract/fields/0/example', '/contract/fields/1/example']);
    expect(maskInput({ x: { y: { z: { secret: 's3cr3t' } } } }, ['x.**.secret'])).toEqual({ x: { y: { z: { secret: MASKED } } } });
    expect(maskInput({ x: [{ y: 1 }, { y: 2 }] }, ['x.1.y'])).toEqual({ x: [{ y: 1 }, { y: MASKED }] });
  });

  it('masks a whole subtree and sample values of fields classified PII', () => {
    const input = {
      profile: { address: { street: '1 Main St', city: 'Leeds' } },
      fields: [
        { name: 'ssn', classification: 'PII', example: '078-05-1120', examples: ['1', '2'] },
        { name: 'id', classification: 'internal', example: 'keep' },
        { name: 'dob', pii: true, default: '2000-01-01' },
      ],
    };
    expect(maskInput(input, ['profile.address'])).toEqual({
      profile: { address: MASKED },
      fields: [
        { name: 'ssn', classification: 'PII', example: MASKED, examples: MASKED },
        { name: 'id', classification: 'internal', example: 'keep' },
        { name: 'dob', pii: true, default: MASKED },
      ],
    });
  });

  it('never modifies its input', () => {
    const input = deepFreeze(customerProfileAccessInput());
    const before = JSON.stringify(input);
    maskInput(input, CUSTOMER_PROFILE_MASK_PATHS);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('property: no masked value survives, whatever the shape', () => {
    const secret = fc.string({ minLength: 3 }).map((s) => `PII<${s}>`);
    fc.assert(
      fc.property(fc.jsonValue(), secret, fc.constantFrom('email', 'phone'), (noise, value, key) => {
        const input = { noise, deep: [{ [key]: value }, { wrapper: { [key]: { nested: value } } }] };
        const text = JSON.stringify(maskInput(input, [key]));
        expect(text).not.toContain(value.slice(0, -1)); // not even a prefix-free copy
      }),
      { numRuns: 100 },
    );
  });
});

describe('buildAuditEvent', () => {
  const fixed = () => new Date('2024-05-01T10:00:00.000Z');

  it('has the OPA decision-log core fields plus the meshgate fields', () => {
    const d = deniedContractDecision();
    const e = buildAuditEvent(d, { contract: { id: 'c' } }, { version: '1.2.3', now: fixed, instanceId: 'inst-1' });
    expect(e).toMatchObject({
      labels: { app: 'meshgate', version: '1.2.3', id: 'inst-1' },
      decision_id: d.decision_id,
      timestamp: '2024-05-01T10:00:00.000Z',
      path: 'meshgate/contract',
      kind: 'contract',
      subject: d.subject,
      domain: 'customer',
      layers: ['global', 'customer'],
      bundles: { global: { revision: 'g-rev-1' }, customer: { revision: 'c-rev-7' } },
      input: { contract: { id: 'c' } },
      outcome: 'denied',
      metrics: { timer_meshgate_decide_ns: 12_345, timer_rego_eval_ns: 6_789 },
      result: {
        allowed: false,
        outcome: 'denied',
        findings: { deny: 1, warn: 1, waived: 1, total: 3 },
        rules: ['customer:retention_7y', 'global:owner_missing', 'global:pii_encryption'],
      },
      waivers: [{ id: 'W-12', rule: 'customer:retention_7y', approved_by: 'governance-board', expires: '2099-01-01', scope: 'customer' }],
    });
    expect(e.masked).toBeUndefined();
  });

  it('records only input_sha256 when inputs are hashed, computed over the masked input', () => {
    const input = customerProfileAccessInput();
    const e = buildAuditEvent(makeDecision('access'), input, { version: 'v', hashInput: true, maskPaths: CUSTOMER_PROFILE_MASK_PATHS });
    expect(e.input).toBeUndefined();
    expect(e.input_sha256).toBe(createHash('sha256').update(canonicalJson(maskInput(input, CUSTOMER_PROFILE_MASK_PATHS))).digest('hex'));
  });

  it('scrubs masked values quoted in finding messages, never in structural fields like the subject', () => {
    const d = makeDecision('access', {
      subject: `${PII_VALUES[6]} -> customer_profile`,
      allowed: false,
      outcome: 'denied',
      findings: [{ rule: 'r', msg: `denied for ${PII_VALUES[6]}`, level: 'deny', enforcement: 'hard', layer: 'global', waived: false }],
    });
    const e = buildAuditEvent(d, customerProfileAccessInput(), { version: 'v', maskPaths: CUSTOMER_PROFILE_MASK_PATHS });
    expect(JSON.stringify(e.result.details)).not.toContain(PII_VALUES[6]);
    expect(e.result.details[0]!.msg).toBe(`denied for ${MASKED}`);
    expect(e.subject).toBe(`${PII_VALUES[6]} -> customer_profile`); // structural: as the engine produced it
  });

  it('does not share mutable state with the decision', () => {
    const d = makeDecision('access', { obligations: { mask: ['email'], row_filters: [] } });
    const e = buildAuditEvent(d, {}, { version: 'v' });
    d.obligations.mask.push('phone');
    d.layers.push('late');
    expect(e.result.obligations.mask).toEqual(['email']);
    expect(e.layers).toEqual(['global', 'customer']);
  });
});

describe('AuditTrail', () => {
  it('emits exactly one event per decision, for every kind and outcome, to every sink', async () => {
    const a = memorySink();
    const b = memorySink();
    const trail = new AuditTrail({ sinks: [a, b], version: '0.1.0' });
    const decisions = decisionsOfEveryKind();
    for (const d of decisions) trail.record(d, { probe: d.decision_id });
    await trail.close();
    for (const sink of [a, b]) {
      expect(sink.events.map((e) => e.decision_id)).toEqual(decisions.map((d) => d.decision_id));
      expect(sink.events.map((e) => [e.kind, e.outcome, e.result.allowed])).toEqual(decisions.map((d) => [d.kind, d.outcome, d.allowed]));
    }
    expect(new Set(a.events.map((e) => e.path))).toEqual(new Set(['meshgate/contract', 'meshgate/terraform', 'meshgate/access', 'meshgate/contract_change']));
    expect(a.events.find((e) => e.outcome === 'error')?.result.errors).toEqual([{ code: 'MG_POLICY_TRAP', message: 'wasm trap', layer: 'customer' }]);
  });

  it('applies its own mask fields and the per-call mask paths', () => {
    const sink = memorySink();
    const trail = new AuditTrail({ sinks: [sink], version: 'v', maskFields: ['iban'] });
    trail.record(makeDecision('access'), customerProfileAccessInput(), ['email']);
    const text = JSON.stringify(sink.events);
    expect(text).not.toContain(PII_VALUES[5]); // iban, by maskFields
    expect(text).not.toContain(PII_VALUES[1]); // email, by maskPaths
    expect(text).toContain(PII_VALUES[2]); // phone was not asked to be masked
  });

  const failing = (): AuditSink => ({
    name: 'broken',
    write() {
      throw new Error('disk on fire');
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  });

  it("'drop': a failing sink is counted, other sinks still get the event, the decision is untouched", () => {
    const good = memorySink();
    const trail = new AuditTrail({ sinks: [failing(), good], version: 'v', onSinkFailure: 'drop' });
    const denied = deepFreeze(makeDecision('access', { allowed: false, outcome: 'denied', reason: 'forbidden' }));
    const allowed = deepFreeze(makeDecision('access'));
    trail.record(denied, {});
    trail.record(allowed, {});
    expect(trail.dropped).toBe(2);
    expect(good.events).toHaveLength(2);
    expect(denied.allowed).toBe(false);
    expect(allowed.allowed).toBe(true);
    expect(trail.errors[0]?.code).toBe('MG_AUDIT_SINK_FAILED');
    expect(trail.errors[0]?.message).toContain('disk on fire');
  });

  it("'fail': throws MG_AUDIT_SINK_FAILED after writing to the other sinks, never flips a deny", () => {
    const good = memorySink();
    const trail = new AuditTrail({ sinks: [failing(), good], version: 'v', onSinkFailure: 'fail' });
    const denied = deepFreeze(makeDecision('access', { allowed: false, outcome: 'denied', reason: 'forbidden' }));
    let thrown: unknown;
    try {
      trail.record(denied, {});
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(MeshgateError);
    expect((thrown as MeshgateError).code).toBe('MG_AUDIT_SINK_FAILED');
    expect((thrown as MeshgateError).details).toMatchObject({ decision_id: denied.decision_id, sinks: ['broken'] });
    expect(good.events).toHaveLength(1);
    expect(good.events[0]?.result.allowed).toBe(false);
    expect(denied.allowed).toBe(false);
  });

  it('tracks async sink writes: flush waits for them and reports a rejection', async () => {
    const delivered: string[] = [];
    const slow = callbackSink(async (e: AuditEvent) => {
      await new Promise((r) => setTimeout(r, 5));
      if (e.subject === 'boom') throw new Error('collector said no');
      delivered.push(e.decision_id);
    });
    const failTrail = new AuditTrail({ sinks: [slow], version: 'v', onSinkFailure: 'fail' });
    failTrail.record(makeDecision('contract'), {});
    failTrail.record(makeDecision('contract', { subject: 'boom' }), {});
    failTrail.record(makeDecision('contract'), {});
    await expect(failTrail.flush()).rejects.toMatchObject({ code: 'MG_AUDIT_SINK_FAILED' });
    expect(delivered).toHaveLength(2);
    expect(failTrail.dropped).toBe(1);

    const dropTrail = new AuditTrail({ sinks: [callbackSink(() => Promise.reject(new Error('nope')))], version: 'v', onSinkFailure: 'drop' });
    dropTrail.record(makeDecision('access'), {});
    await expect(dropTrail.flush()).resolves.toBeUndefined();
    expect(dropTrail.dropped).toBe(1);
  });

  it('close() flushes every sink, is idempotent, and later records are refused by the sinks', async () => {
    const sink = memorySink();
    const trail = new AuditTrail({ sinks: [sink], version: 'v', onSinkFailure: 'fail' });
    trail.record(makeDecision('terraform'), {});
    await trail.close();
    await trail.close();
    expect(sink.events).toHaveLength(1);
    let thrown: unknown;
    try {
      trail.record(makeDecision('terraform'), {});
    } catch (e) {
      thrown = e;
    }
    expect(isMeshgateError(thrown) && thrown.code).toBe('MG_AUDIT_SINK_FAILED');
    expect(isMeshgateError(thrown) && isMeshgateError(thrown.cause) && thrown.cause.code).toBe('MG_AUDIT_SINK_CLOSED');
  });

  it('keeps PII of the customer-profile contract out of the event', () => {
    const sink = memorySink();
    const trail = new AuditTrail({ sinks: [sink], version: 'v' });
    const d: Decision = makeDecision('contract');
    // with the explicit path every example is masked
    trail.record(d, customerProfileContractInput(), CUSTOMER_PROFILE_MASK_PATHS);
    // without it, the PII classification of each field still masks its samples; other examples stay
    trail.record(d, customerProfileContractInput(), ['email']);
    const text = JSON.stringify(sink.events);
    for (const v of PII_VALUES) expect(text).not.toContain(v);
    expect(sink.events[0]?.masked).toEqual([
      '/input/contract/schema/fields/1/example',
      '/input/contract/schema/fields/2/examples',
      '/input/contract/schema/fields/3/example',
      '/input/contract/schema/fields/4/example',
    ]);
    expect(sink.events[1]?.masked).toEqual(['/input/contract/schema/fields/1/example', '/input/contract/schema/fields/2/examples', '/input/contract/schema/fields/3/example']);
    expect(JSON.stringify(sink.events[1])).toContain('2021-06-01');
  });
});
