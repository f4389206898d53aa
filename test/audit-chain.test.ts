import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail, GENESIS_HASH, jsonlSink, verifyAuditLog, verifyChainText } from '../src/audit/index.js';
import { runAuditVerify } from '../src/cli/audit-verify.js';
import { logLines, makeDecision, writeDecisionLog } from './helpers/audit-decisions.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshgate-chain-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const writeLog = (n: number, name = 'audit.log'): Promise<string> => writeDecisionLog(join(dir, name), n, (i) => makeDecision(i % 2 ? 'access' : 'terraform'));

const lines = logLines;

async function rewrite(path: string, ls: string[], terminated = true): Promise<void> {
  await writeFile(path, ls.join('\n') + (terminated ? '\n' : ''));
}

describe('hash chain', () => {
  it('links every line: seq, prev_hash, hash', async () => {
    const path = await writeLog(5);
    const objs = (await lines(path)).map((l) => JSON.parse(l) as { seq: number; prev_hash: string; hash: string });
    expect(objs.map((o) => o.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(objs[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < 5; i++) expect(objs[i]!.prev_hash).toBe(objs[i - 1]!.hash);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, lines: 5, lastSeq: 4, lastHash: objs[4]!.hash });
  });

  it('an empty log verifies', () => {
    expect(verifyChainText('')).toMatchObject({ ok: true, lines: 0 });
  });

  it('continues the chain when appending to an existing log', async () => {
    const path = await writeLog(3);
    const sink = jsonlSink(path);
    const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
    trail.record(makeDecision('contract'), {});
    trail.record(makeDecision('contract'), {});
    await trail.close();
    expect(sink.recovery).toEqual({ truncatedBytes: 0, seq: 3, verified: 3 });
    const report = await verifyAuditLog(path);
    expect(report).toMatchObject({ ok: true, lines: 5, lastSeq: 4 });
  });

  it('cuts a torn last line before appending, then the log verifies again', async () => {
    const path = await writeLog(3);
    await appendFile(path, '{"labels":{"app":"meshgate"},"decision_id":"torn');
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'truncated', firstBadLine: 4, lastSeq: 2 });
    const sink = jsonlSink(path);
    const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
    trail.record(makeDecision('contract'), {});
    await trail.close();
    expect(sink.recovery?.truncatedBytes).toBeGreaterThan(10);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, lines: 4, lastSeq: 3 });
  });

  it('refuses to extend a log whose last line is broken (MG_AUDIT_LOG_CORRUPT)', async () => {
    const path = await writeLog(3);
    const ls = await lines(path);
    await rewrite(path, [...ls.slice(0, 2), ls[2]!.replace('"kind":"terraform"', '"kind":"contract"')]);
    const sink = jsonlSink(path);
    const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
    expect(() => trail.record(makeDecision('contract'), {})).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'MG_AUDIT_LOG_CORRUPT' }) }));
    await trail.close().catch(() => undefined);
  });
});

describe('verifyAuditLog detects tampering', () => {
  it('edited: a changed field breaks the line hash', async () => {
    const path = await writeLog(6);
    const ls = await lines(path);
    ls[3] = ls[3]!.replace('"allowed":true', '"allowed":false');
    await rewrite(path, ls);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'edited', firstBadLine: 4, lastSeq: 2 });
  });

  it('edited and re-hashed: the next line no longer points to it', async () => {
    const path = await writeLog(6);
    const ls = await lines(path);
    const { createHash } = await import('node:crypto');
    const { canonicalJson } = await import('../src/audit/index.js');
    const obj = JSON.parse(ls[2]!) as Record<string, unknown>;
    (obj.result as Record<string, unknown>).allowed = false;
    delete obj.hash;
    obj.hash = createHash('sha256').update(canonicalJson(obj)).digest('hex');
    ls[2] = canonicalJson(obj); // a careful forger writes the canonical form
    await rewrite(path, ls);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'edited', firstBadLine: 3, lastSeq: 1 });
  });

  it('deleted: a line removed from the middle', async () => {
    const path = await writeLog(6);
    const ls = await lines(path);
    ls.splice(2, 1);
    await rewrite(path, ls);
    const r = await verifyAuditLog(path);
    expect(r).toMatchObject({ ok: false, problem: 'deleted', firstBadLine: 3 });
    expect(r.message).toContain('1 line(s) were deleted');
  });

  it('deleted: the first lines removed', async () => {
    const path = await writeLog(4);
    await rewrite(path, (await lines(path)).slice(2));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'deleted', firstBadLine: 1 });
  });

  it('reordered: two lines swapped', async () => {
    const path = await writeLog(6);
    const ls = await lines(path);
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    await rewrite(path, ls);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'reordered', firstBadLine: 2 });
  });

  it('reordered: a line duplicated (replayed)', async () => {
    const path = await writeLog(4);
    const ls = await lines(path);
    ls.splice(3, 0, ls[1]!);
    await rewrite(path, ls);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'reordered', firstBadLine: 4 });
  });

  it('truncated: a torn last line', async () => {
    const path = await writeLog(4);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length - 40));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'truncated', firstBadLine: 4, lastSeq: 2 });
    await writeFile(path, text.slice(0, text.length - 1)); // only the newline is missing
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'truncated', firstBadLine: 4 });
  });

  it('malformed: garbage, a blank line, or a line without chain fields', async () => {
    const path = await writeLog(4);
    const ls = await lines(path);
    await rewrite(path, [ls[0]!, 'not json', ...ls.slice(1)]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'malformed', firstBadLine: 2 });
    await rewrite(path, [ls[0]!, '', ...ls.slice(1)]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'malformed', firstBadLine: 2 });
    await rewrite(path, [ls[0]!, '{"decision_id":"x"}', ...ls.slice(1)]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, problem: 'malformed', firstBadLine: 2 });
  });

  it('a missing file is an MG_AUDIT_IO error', async () => {
    await expect(verifyAuditLog(join(dir, 'nope.log'))).rejects.toMatchObject({ code: 'MG_AUDIT_IO' });
  });
});

describe('meshgate audit verify (runAuditVerify)', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) } };
  };

  it('exits 0 for an intact log', async () => {
    const path = await writeLog(3);
    const c = io();
    expect(await runAuditVerify([path], c.io)).toBe(0);
    expect(c.out.join('')).toContain('ok, 3 line(s), chain intact');
  });

  it('exits 1 and names the first bad line for a tampered log, also as JSON', async () => {
    const path = await writeLog(5);
    const ls = await lines(path);
    ls.splice(1, 1);
    await rewrite(path, ls);
    const c = io();
    expect(await runAuditVerify([path], c.io)).toBe(1);
    expect(c.out.join('')).toContain(`${path}:2: deleted:`);
    const j = io();
    expect(await runAuditVerify(['--json', path], j.io)).toBe(1);
    expect(JSON.parse(j.out.join(''))).toMatchObject({ file: path, ok: false, problem: 'deleted', firstBadLine: 2 });
  });

  it('exits 2 on usage errors and unreadable files', async () => {
    const a = io();
    expect(await runAuditVerify([], a.io)).toBe(2);
    expect(a.err.join('')).toContain('usage');
    const b = io();
    expect(await runAuditVerify(['--bogus', 'x'], b.io)).toBe(2);
    const c = io();
    expect(await runAuditVerify([join(dir, 'missing.log')], c.io)).toBe(2);
    expect(c.err.join('')).toContain('MG_AUDIT_IO');
  });
});
