import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callbackSink, httpSink, jsonlSink, memorySink, verifyAuditLog, type AuditEvent } from '../src/audit/index.js';
import { startCollector } from './helpers/audit-http-server.js';
import { runSinkSuite } from './helpers/audit-sink-suite.js';

const asJson = (events: AuditEvent[]) => JSON.parse(JSON.stringify(events)) as Array<Record<string, unknown>>;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'meshgate-audit-'));
}

async function readJsonl(dir: string, base = 'audit.log'): Promise<{ text: string; events: Array<Record<string, unknown>> }> {
  const names = (await readdir(dir)).filter((n) => n === base || n.startsWith(`${base}.`));
  // rotated segments first (oldest = lowest number), then the live file
  names.sort((a, b) => (a === base ? 1 : b === base ? -1 : Number(a.slice(base.length + 1)) - Number(b.slice(base.length + 1))));
  let text = '';
  for (const n of names) text += await readFile(join(dir, n), 'utf8');
  const events = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { text, events };
}

runSinkSuite('memory', async () => {
  const sink = memorySink();
  return { sink, read: async () => asJson(sink.events), raw: async () => JSON.stringify(sink.events) };
});

runSinkSuite('callback (sync)', async () => {
  const got: AuditEvent[] = [];
  const sink = callbackSink((e) => {
    got.push(e);
  });
  return { sink, read: async () => asJson(got), raw: async () => JSON.stringify(got) };
});

runSinkSuite('callback (async, out-of-order completion)', async () => {
  const got: string[] = [];
  let n = 0;
  const sink = callbackSink(async (e) => {
    const line = JSON.stringify(e);
    got.push(line); // accepted in call order
    await new Promise((r) => setTimeout(r, n++ % 3)); // completes out of order
  });
  return { sink, read: async () => got.map((l) => JSON.parse(l) as Record<string, unknown>), raw: async () => got.join('\n') };
});

runSinkSuite('jsonl (defaults)', async () => {
  const dir = await tempDir();
  const sink = jsonlSink(join(dir, 'audit.log'));
  return { sink, read: async () => (await readJsonl(dir)).events, raw: async () => (await readJsonl(dir)).text, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

runSinkSuite('jsonl (batch 8, rotation at 4 KiB)', async () => {
  const dir = await tempDir();
  const sink = jsonlSink(join(dir, 'audit.log'), { batchSize: 8, maxBytes: 4096, flushIntervalMs: 5 });
  return { sink, read: async () => (await readJsonl(dir)).events, raw: async () => (await readJsonl(dir)).text, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

runSinkSuite('jsonl (fsync per event)', async () => {
  const dir = await tempDir();
  const sink = jsonlSink(join(dir, 'audit.log'), { fsync: true });
  return { sink, read: async () => (await readJsonl(dir)).events, raw: async () => (await readJsonl(dir)).text, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

runSinkSuite('http', async () => {
  const collector = await startCollector();
  const sink = httpSink(collector.url, { batchSize: 4, flushIntervalMs: 5, backoffMs: 1, retries: 2 });
  return {
    sink,
    read: async () => collector.events(),
    raw: async () => collector.batches.map((b) => b.text).join('\n'),
    cleanup: () => collector.stop(),
  };
});

describe('jsonl sink specifics', () => {
  it('rotates by size and keeps one unbroken chain across segments', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'audit.log');
      const sink = jsonlSink(path, { maxBytes: 3000 });
      const { AuditTrail } = await import('../src/audit/index.js');
      const { makeDecision } = await import('./helpers/audit-decisions.js');
      const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
      for (let i = 0; i < 30; i++) trail.record(makeDecision('access'), { i });
      await trail.close();
      expect(sink.rotations).toBeGreaterThan(2);
      const files = (await readdir(dir)).sort();
      for (const f of files) {
        const size = (await readFile(join(dir, f))).length;
        expect(size).toBeLessThanOrEqual(3000);
        const report = await verifyAuditLog(join(dir, f));
        expect(report, f).toMatchObject({ ok: true });
      }
      const { events } = await readJsonl(dir);
      expect(events.map((e) => e.seq)).toEqual([...Array(30).keys()]);
      for (let i = 1; i < events.length; i++) expect(events[i]!.prev_hash).toBe(events[i - 1]!.hash);
      const segmentStarts = events.filter((e) => typeof e.rotated_from === 'string');
      expect(segmentStarts).toHaveLength(sink.rotations);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a partial batch is written by the timer without flush()', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'audit.log');
      const sink = jsonlSink(path, { batchSize: 100, flushIntervalMs: 10 });
      const { AuditTrail } = await import('../src/audit/index.js');
      const { makeDecision } = await import('./helpers/audit-decisions.js');
      const trail = new AuditTrail({ sinks: [sink], version: 't' });
      trail.record(makeDecision('contract'), {});
      trail.record(makeDecision('contract'), {});
      await expect.poll(async () => (await readFile(path, 'utf8')).split('\n').length - 1, { timeout: 2000, interval: 10 }).toBe(2);
      await sink.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an unwritable path fails the write with MG_AUDIT_SINK_FAILED', async () => {
    const dir = await tempDir();
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'file'), 'x');
      const sink = jsonlSink(join(dir, 'file', 'audit.log')); // parent is a file
      const { makeDecision } = await import('./helpers/audit-decisions.js');
      const { AuditTrail } = await import('../src/audit/index.js');
      const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
      expect(() => trail.record(makeDecision('access'), {})).toThrow(expect.objectContaining({ code: 'MG_AUDIT_SINK_FAILED' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
