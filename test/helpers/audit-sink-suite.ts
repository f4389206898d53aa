/**
 * The one test suite every audit sink must pass (like unstorage's driver suite): order kept, nothing lost
 * on flush or close, close idempotent, write after close is a coded error, PII never in the output.
 */
import { describe, expect, it } from 'vitest';
import { AuditTrail, type AuditSink } from '../../src/audit/index.js';
import { isMeshgateError } from '../../src/errors.js';
import {
  CUSTOMER_PROFILE_MASK_PATHS,
  PII_VALUES,
  customerProfileAccessInput,
  customerProfileContractInput,
  decisionsOfEveryKind,
  makeDecision,
} from './audit-decisions.js';

/** A sink under test and a way to read what it delivered. */
export interface SinkHarness {
  /** The sink. */
  sink: AuditSink;
  /** The delivered events, in delivery order, as plain JSON. */
  read(): Promise<Array<Record<string, unknown>>>;
  /** Everything the sink emitted, as text (file bytes, request bodies…). */
  raw(): Promise<string>;
  /** Releases resources (servers, temp files). */
  cleanup?(): Promise<void>;
}

/** Registers the shared sink suite for one sink. */
export function runSinkSuite(label: string, make: () => Promise<SinkHarness>): void {
  describe(`sink contract: ${label}`, () => {
    const withHarness = (fn: (h: SinkHarness) => Promise<void>) => async () => {
      const h = await make();
      try {
        await fn(h);
      } finally {
        await h.sink.close().catch(() => undefined);
        await h.cleanup?.();
      }
    };

    it(
      'delivers every event in order on flush',
      withHarness(async (h) => {
        const trail = new AuditTrail({ sinks: [h.sink], version: '0.1.0-test', onSinkFailure: 'fail' });
        const ids: string[] = [];
        for (let i = 0; i < 25; i++) ids.push(trail.record(makeDecision(i % 2 ? 'access' : 'contract'), { i }).decision_id);
        await trail.flush();
        const got = await h.read();
        expect(got.map((e) => e.decision_id)).toEqual(ids);
      }),
    );

    it(
      'loses nothing on close, and close is idempotent',
      withHarness(async (h) => {
        const ids: string[] = [];
        for (const d of decisionsOfEveryKind()) {
          const trail = new AuditTrail({ sinks: [h.sink], version: '0.1.0-test', onSinkFailure: 'fail' });
          ids.push(trail.record(d, {}).decision_id);
        }
        await h.sink.close();
        await h.sink.close();
        const got = await h.read();
        expect(got.map((e) => e.decision_id)).toEqual(ids);
        expect(new Set(got.map((e) => e.kind))).toEqual(new Set(['contract', 'terraform', 'access', 'contract_change']));
      }),
    );

    it(
      'rejects a write after close with MG_AUDIT_SINK_CLOSED',
      withHarness(async (h) => {
        await h.sink.close();
        const trail = new AuditTrail({ sinks: [h.sink], version: '0.1.0-test', onSinkFailure: 'drop' });
        let thrown: unknown;
        try {
          const r = h.sink.write(trail.record(makeDecision('access'), {}));
          await r;
        } catch (e) {
          thrown = e;
        }
        expect(isMeshgateError(thrown) && thrown.code).toBe('MG_AUDIT_SINK_CLOSED');
        expect(trail.dropped).toBe(1);
        expect(await h.read()).toEqual([]);
      }),
    );

    it(
      'never emits a PII value of a customer profile',
      withHarness(async (h) => {
        const trail = new AuditTrail({ sinks: [h.sink], version: '0.1.0-test', onSinkFailure: 'fail' });
        trail.record(makeDecision('contract'), customerProfileContractInput(), CUSTOMER_PROFILE_MASK_PATHS);
        trail.record(
          makeDecision('access', {
            allowed: false,
            outcome: 'denied',
            reason: 'forbidden',
            subject: 'u-1001 -> customer_profile', // structural: the engine derives it from the user id, never from a masked field
            findings: [{ rule: 'no_pii_export', msg: `row of ${PII_VALUES[1]} may not leave the EU`, level: 'deny', enforcement: 'hard', layer: 'global', waived: false }],
          }),
          customerProfileAccessInput(),
          CUSTOMER_PROFILE_MASK_PATHS,
        );
        await trail.close();
        const text = await h.raw();
        expect(text.length).toBeGreaterThan(100);
        for (const v of PII_VALUES) expect(text).not.toContain(v);
        expect(text).toContain('***MASKED***');
        expect(await h.read()).toHaveLength(2);
      }),
    );
  });
}
