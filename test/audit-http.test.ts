import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail, buildAuditEvent, httpSink } from '../src/audit/index.js';
import { isMeshgateError } from '../src/errors.js';
import { makeDecision } from './helpers/audit-decisions.js';
import { startCollector, type Collector } from './helpers/audit-http-server.js';

let collector: Collector;
beforeEach(async () => {
  collector = await startCollector();
});
afterEach(async () => {
  await collector.stop();
});

const fast = { flushIntervalMs: 10, backoffMs: 2, retries: 2, timeoutMs: 2000 };

function recordN(trail: AuditTrail, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(trail.record(makeDecision('access'), { i }).decision_id);
  return ids;
}

describe('http decision-log sink against a real server on 127.0.0.1', () => {
  it('POSTs gzip JSON arrays in OPA decision-log form, in batches, with custom headers', async () => {
    const sink = httpSink(collector.url, { ...fast, batchSize: 4, headers: { authorization: 'Bearer t0k' } });
    const trail = new AuditTrail({ sinks: [sink], version: '0.1.0' });
    const ids = recordN(trail, 10);
    await trail.flush();
    expect(collector.events().map((e) => e.decision_id)).toEqual(ids);
    for (const b of collector.batches) {
      expect(b.path).toBe('/logs');
      expect(b.headers['content-encoding']).toBe('gzip');
      expect(b.headers['content-type']).toBe('application/json');
      expect(b.headers.authorization).toBe('Bearer t0k');
      expect(b.events.length).toBeLessThanOrEqual(4);
    }
    const e = collector.events()[0]!;
    expect(e).toMatchObject({ labels: { app: 'meshgate', version: '0.1.0' }, path: 'meshgate/access', bundles: { global: { revision: 'g-rev-1' } } });
    expect(typeof e.timestamp).toBe('string');
    expect(sink.delivered).toBe(10);
    expect(sink.dropped).toBe(0);
    await trail.close();
  });

  it('server down, then up: nothing is lost, order is kept', async () => {
    await collector.stop();
    const sink = httpSink(collector.url, { ...fast, batchSize: 3 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v' });
    const ids = recordN(trail, 7);
    await expect(sink.flush()).rejects.toMatchObject({ code: 'MG_AUDIT_HTTP_FAILED' });
    expect(sink.queued).toBe(7);
    await collector.start();
    await sink.flush();
    expect(collector.events().map((e) => e.decision_id)).toEqual(ids);
    expect(sink.dropped).toBe(0);
    await trail.close();
  });

  it('the background timer delivers after the server comes back, without flush()', async () => {
    await collector.stop();
    const sink = httpSink(collector.url, { ...fast, batchSize: 100 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v' });
    const ids = recordN(trail, 3);
    await expect.poll(() => sink.queued === 3 && collector.requests === 0, { timeout: 2000, interval: 10 }).toBe(true);
    await new Promise((r) => setTimeout(r, 50)); // several failed rounds
    await collector.start();
    await expect.poll(() => collector.events().length, { timeout: 5000, interval: 10 }).toBe(3);
    expect(collector.events().map((e) => e.decision_id)).toEqual(ids);
    await trail.close();
  });

  it('500s are retried with backoff until the collector accepts', async () => {
    collector.script = [500, 503, 500];
    const sink = httpSink(collector.url, { ...fast, retries: 3, batchSize: 50 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v' });
    const ids = recordN(trail, 5);
    await trail.flush();
    expect(collector.requests).toBe(4);
    expect(collector.events().map((e) => e.decision_id)).toEqual(ids);
    expect(sink.dropped).toBe(0);
    await trail.close();
  });

  it('a 4xx refusal drops the batch, counts it, and the next flush reports it', async () => {
    collector.script = [400];
    const sink = httpSink(collector.url, { ...fast, batchSize: 2 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v', onSinkFailure: 'fail' });
    const ids = recordN(trail, 4);
    await expect(trail.flush()).rejects.toMatchObject({ code: 'MG_AUDIT_SINK_FAILED' });
    expect(collector.requests).toBe(2); // no retry of a 400
    expect(sink.dropped).toBe(2);
    expect(collector.events().map((e) => e.decision_id)).toEqual(ids.slice(2));
    await trail.close();
  });

  it('slow responses within the timeout are waited for; beyond it they are retried (at least once delivery)', async () => {
    collector.delayMs = 150;
    const sink = httpSink(collector.url, { ...fast, batchSize: 10, timeoutMs: 2000 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v' });
    const ids = recordN(trail, 5);
    await trail.flush();
    expect(collector.events().map((e) => e.decision_id)).toEqual(ids);

    const impatient = httpSink(collector.url, { ...fast, batchSize: 10, timeoutMs: 30, retries: 1 });
    const t2 = new AuditTrail({ sinks: [impatient], version: 'v' });
    const more = recordN(t2, 3);
    await expect(impatient.flush()).rejects.toMatchObject({ code: 'MG_AUDIT_HTTP_FAILED' });
    expect(impatient.queued).toBe(3);
    collector.delayMs = 0;
    await impatient.flush();
    const seen = collector.events().map((e) => e.decision_id as string);
    for (const id of more) expect(seen).toContain(id);
    // first appearances keep the write order
    const firsts = [...new Set(seen.filter((id) => more.includes(id)))];
    expect(firsts).toEqual(more);
    await trail.close();
    await t2.close();
  });

  it('respects the queue bound and counts every dropped event', async () => {
    collector.delayMs = 100;
    const sink = httpSink(collector.url, { ...fast, maxQueue: 10, batchSize: 5 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v', onSinkFailure: 'drop' });
    const ids = recordN(trail, 25);
    expect(sink.queued).toBe(10);
    expect(sink.dropped).toBe(15);
    expect(trail.dropped).toBe(15);
    expect(trail.errors.at(-1)?.code).toBe('MG_AUDIT_QUEUE_FULL');
    await trail.flush();
    expect(collector.events().map((e) => e.decision_id)).toEqual(ids.slice(0, 10));
    expect(sink.queued).toBe(0);
    // room again: new events are accepted
    const later = recordN(trail, 3);
    await trail.close();
    expect(collector.events().map((e) => e.decision_id)).toEqual([...ids.slice(0, 10), ...later]);
    expect(sink.dropped).toBe(15);
  });

  it("a full queue with 'fail' fails the decision's audit with MG_AUDIT_SINK_FAILED", async () => {
    await collector.stop();
    const sink = httpSink(collector.url, { ...fast, maxQueue: 2, batchSize: 100 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v', onSinkFailure: 'fail' });
    recordN(trail, 2);
    let thrown: unknown;
    try {
      trail.record(makeDecision('access', { allowed: false, outcome: 'denied' }), {});
    } catch (e) {
      thrown = e;
    }
    expect(isMeshgateError(thrown) && thrown.code).toBe('MG_AUDIT_SINK_FAILED');
    expect(sink.dropped).toBe(1);
    await trail.close().catch(() => undefined);
  });

  it('close() with the server gone drops what is left, counts it, rejects, and stays closed', async () => {
    await collector.stop();
    const sink = httpSink(collector.url, { ...fast, batchSize: 100 });
    const trail = new AuditTrail({ sinks: [sink], version: 'v', onSinkFailure: 'fail' });
    recordN(trail, 4);
    const first = sink.close();
    await expect(first).rejects.toMatchObject({ code: 'MG_AUDIT_HTTP_UNDELIVERED', details: { dropped: 4 } });
    expect(sink.close()).toBe(first);
    expect(sink.dropped).toBe(4);
    expect(sink.queued).toBe(0);
    expect(() => sink.write(buildAuditEvent(makeDecision('access'), {}, { version: 'v' }))).toThrow(expect.objectContaining({ code: 'MG_AUDIT_SINK_CLOSED' }));
  });
});
