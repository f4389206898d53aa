import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, jsonlSink, verifyAuditLog } from '../src/audit/index.js';
import { bundleAuditModule } from './helpers/audit-build.js';
import { makeDecision } from './helpers/audit-decisions.js';

let dir = '';
let bundle = '';
const writer = resolve(process.cwd(), 'fixtures/audit/crash-writer.mjs');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshgate-crash-'));
  bundle = await bundleAuditModule(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the writer until it has acknowledged `acks` events, then SIGKILLs it. Returns the acknowledged ids. */
function runAndKill(log: string, mode: string, acks: number): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [writer, bundle, log, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buf = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('ack ')) acked.push(line.slice(4));
      }
      if (!killed && acks > 0 && acked.length >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise(acked);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

it('torn: a write cut in half by SIGKILL leaves exactly one torn last line, and no acknowledged event is lost', async () => {
  const log = join(dir, 'torn.log');
  const acked = await runAndKill(log, 'torn', 0); // the writer kills itself in the middle of its 50th write
  expect(acked).toHaveLength(49);
  const report = await verifyAuditLog(log);
  expect(report).toMatchObject({ ok: false, problem: 'truncated', firstBadLine: 50, lines: 50, lastSeq: 48 });
  expect(await loggedIds(log)).toEqual(acked);
});

async function loggedIds(log: string): Promise<string[]> {
  const text = await readFile(log, 'utf8');
  return text
    .split('\n')
    .slice(0, -1) // a torn last line has no newline: not a logged event
    .map((l) => (JSON.parse(l) as { decision_id: string }).decision_id);
}

describe('crash safety: a writer killed with SIGKILL', () => {
  for (const mode of ['fsync', 'default', 'batch', 'big']) {
    it(`${mode}: verify reports nothing worse than a torn last line; appending afterwards heals the log`, async () => {
      const log = join(dir, `${mode}.log`);
      const acked = await runAndKill(log, mode, mode === 'big' ? 20 : 300);
      const report = await verifyAuditLog(log);
      if (!report.ok) {
        expect(report.problem).toBe('truncated');
        expect(report.firstBadLine).toBe(report.lines);
      }
      const ids = await loggedIds(log);
      expect(ids.length).toBeGreaterThan(0);
      // what is in the log is exactly a prefix of what the writer produced, in order
      expect(ids).toEqual(ids.map((_, i) => `crash-${i}`));
      if (mode !== 'batch') {
        // every acknowledged event is in the log (batch mode acknowledges into a memory buffer)
        const logged = new Set(ids);
        expect(acked.filter((id) => !logged.has(id))).toEqual([]);
      }
      // re-opening cuts the torn tail (never acknowledged) and continues the chain
      const sink = jsonlSink(log);
      const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
      trail.record(makeDecision('access'), {});
      await trail.close();
      expect(await verifyAuditLog(log)).toMatchObject({ ok: true, lines: ids.length + 1 });
    });
  }
});

describe('one writer per log', () => {
  it('a second process cannot open a log another live process writes (MG_AUDIT_LOG_LOCKED); once that writer is dead, its lock is stale and taken over', async () => {
    const log = join(dir, 'locked.log');
    const child = spawn(process.execPath, [writer, bundle, log, 'default'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    try {
      await new Promise<void>((resolveAcks) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          if ((buf.match(/^ack /gm) ?? []).length >= 5) resolveAcks();
        });
      });
      const second = jsonlSink(log);
      let caught: unknown;
      try {
        second.open();
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({ code: 'MG_AUDIT_LOG_LOCKED', details: { pid: child.pid } });
      const trail = new AuditTrail({ sinks: [jsonlSink(log)], version: 't', onSinkFailure: 'fail' });
      expect(() => trail.record(makeDecision('access'), {})).toThrow(expect.objectContaining({ code: 'MG_AUDIT_SINK_FAILED' }));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const after = jsonlSink(log);
    after.write((await import('../src/audit/index.js')).buildAuditEvent(makeDecision('access'), {}, { version: 't' }));
    await after.close();
    const report = await verifyAuditLog(log);
    expect(report.ok || (report.problem === 'truncated' && report.firstBadLine === report.lines)).toBe(true);
  });
});
