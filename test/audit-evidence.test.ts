/**
 * Issue 18's first list, one test per bullet: each of these passed tampering (or a silent drop) before.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail, jsonlSink, verifyAuditLog } from '../src/audit/index.js';
import { logLines, makeDecision, writeDecisionLog } from './helpers/audit-decisions.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshgate-evidence-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const writeLog = (n: number, name = 'audit.log'): Promise<string> =>
  writeDecisionLog(join(dir, name), n, (i) => makeDecision('access', i === 2 ? { allowed: false, outcome: 'denied' } : {}));

const lines = logLines;

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

describe('one writer per log, and recovery verifies the whole chain', () => {
  it('a second sink on the same log gets MG_AUDIT_LOG_LOCKED at open; after close the log opens again', async () => {
    const path = join(dir, 'audit.log');
    const first = jsonlSink(path);
    first.open();
    const second = jsonlSink(path);
    expect(() => second.open()).toThrow(expect.objectContaining({ code: 'MG_AUDIT_LOG_LOCKED' }));
    const trail = new AuditTrail({ sinks: [second], version: 't', onSinkFailure: 'fail' });
    expect(() => trail.record(makeDecision('access'), {})).toThrow(expect.objectContaining({ code: 'MG_AUDIT_SINK_FAILED' }));
    await first.close();
    const third = jsonlSink(path);
    expect(third.open()).toMatchObject({ seq: 0 });
    await third.close();
  });

  it('refuses to append to a log broken in the middle, even when its last line is intact', async () => {
    const path = await writeLog(6);
    const ls = await lines(path);
    ls.splice(2, 1); // delete one line in the middle: the last line still matches its own hash
    await writeFile(path, `${ls.join('\n')}\n`);
    const sink = jsonlSink(path);
    let caught: unknown;
    try {
      sink.open();
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'MG_AUDIT_LOG_CORRUPT', location: { file: path, line: 3 } });
    expect(String((caught as Error).message)).toContain('deleted');
    expect(await readFile(path, 'utf8')).toBe(`${ls.join('\n')}\n`); // nothing appended
  });
});

describe('unkeyed chain: signed checkpoints, a pinned head, and chain fields for collectors', () => {
  it('deleting a denied event and re-chaining the rest is caught by verify --key (exit 1)', async () => {
    const { generateKeyPairSync, createHash } = await import('node:crypto');
    const { canonicalJson } = await import('../src/audit/index.js');
    const { runAuditVerify } = await import('../src/cli/audit-verify.js');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = join(dir, 'pub.pem');
    await writeFile(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const path = join(dir, 'audit.log');
    const sink = jsonlSink(path, { checkpoints: { key: privateKey, everyEvents: 3 } });
    const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
    for (let i = 0; i < 8; i++) trail.record(makeDecision('access', i === 2 ? { allowed: false, outcome: 'denied' } : {}), { i });
    await trail.close();
    const ls = (await lines(path)).filter((l) => !l.includes('"outcome":"denied"'));
    let prev = '';
    let seq = 0;
    const forged = ls.map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      if (!('seq' in o)) return l; // checkpoints cannot be re-signed without the key
      delete o.hash;
      o.seq = seq++;
      if (prev) o.prev_hash = prev;
      o.hash = createHash('sha256').update(canonicalJson(o)).digest('hex');
      prev = o.hash as string;
      return canonicalJson(o);
    });
    await writeFile(path, `${forged.join('\n')}\n`);
    const io = (out: string[]) => ({ stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s) });
    const plain: string[] = [];
    expect(await runAuditVerify([path], io(plain))).toBe(0); // the plain chain is consistent again...
    expect(plain.join('')).toContain('deletion followed by re-chaining');
    const keyed: string[] = [];
    expect(await runAuditVerify(['--key', pub, path], io(keyed))).toBe(1); // ...but not with the signed checkpoints
    expect(keyed.join('')).toMatch(/checkpoint-mismatch: .*seq 2/);
  });

  it('--expect-head catches a log cut before the pinned head', async () => {
    const { runAuditVerify } = await import('../src/cli/audit-verify.js');
    const path = await writeLog(5);
    const ls = await lines(path);
    const pinned = (JSON.parse(ls[4]!) as { hash: string }).hash;
    const out: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s) };
    expect(await runAuditVerify(['--expect-head', pinned, path], io)).toBe(0);
    await writeFile(path, `${ls.slice(0, 3).join('\n')}\n`);
    expect(await runAuditVerify(['--expect-head', pinned, path], io)).toBe(1);
    expect(out.join('')).toContain(`head-missing: the expected head ${pinned} is not in the chain (it ends at seq 2)`);
  });

  it('the HTTP sink sends seq, prev_hash and hash, and signed checkpoints, so a collector can check continuity', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { httpSink, verifyCheckpointLine, GENESIS_HASH } = await import('../src/audit/index.js');
    const { startCollector } = await import('./helpers/audit-http-server.js');
    const collector = await startCollector();
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const sink = httpSink(collector.url, { batchSize: 4, flushIntervalMs: 5, checkpoints: { key: privateKey, everyEvents: 5 } });
      const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
      for (let i = 0; i < 7; i++) trail.record(makeDecision('access'), { i });
      await trail.close();
      const all = collector.events() as Array<Record<string, unknown>>;
      const events = all.filter((e) => 'seq' in e);
      expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(events[0]!.prev_hash).toBe(GENESIS_HASH);
      for (let i = 1; i < events.length; i++) expect(events[i]!.prev_hash).toBe(events[i - 1]!.hash);
      const cps = all.filter((e) => 'checkpoint' in e);
      expect(cps.map((c) => (c.checkpoint as { seq: number }).seq)).toEqual([4, 6]);
      for (const c of cps) expect(verifyCheckpointLine(c, publicKey)).toMatchObject({ checkpoint: { file: 'http' } });
      expect((cps[0]!.checkpoint as { head: string }).head).toBe(events[4]!.hash);
    } finally {
      await collector.stop();
    }
  });
});

describe('rotation gaps', () => {
  it('removing the last two lines of audit.log.1 is reported by verifying audit.log* as a set (no key needed)', async () => {
    const { verifyAuditLogs } = await import('../src/audit/index.js');
    const { readdir } = await import('node:fs/promises');
    const path = join(dir, 'audit.log');
    const sink = jsonlSink(path, { maxBytes: 4000 });
    const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
    for (let i = 0; i < 20; i++) trail.record(makeDecision('access'), { i });
    await trail.close();
    const names = (await readdir(dir)).filter((n) => n.startsWith('audit.log'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    const files = names.map((n) => join(dir, n));
    expect(await verifyAuditLogs(files)).toMatchObject({ ok: true });
    const first = join(dir, 'audit.log.1');
    const ls = await lines(first);
    const lastKept = (JSON.parse(ls[ls.length - 3]!) as { seq: number }).seq;
    await writeFile(first, `${ls.slice(0, -2).join('\n')}\n`);
    expect((await verifyAuditLog(first)).ok).toBe(true); // on its own the file looks fine
    const r = await verifyAuditLogs(files);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'truncated-file', file: first, seq: lastKept + 1 })]);
    expect(r.problems[0]!.message).toContain(`seq ${lastKept + 1}..${lastKept + 2} are missing at its end`);
  });
});

describe('checkpoint keys are configured like bundle keys', () => {
  it('a config with audit.checkpoints signs the JSONL log; verify --key accepts it and a wrong key is refused', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { resolveConfig, toEngineOptions } = await import('../src/config.js');
    const { createEngine } = await import('../src/engine.js');
    const { verifyAuditLogs } = await import('../src/audit/index.js');
    const { bundlePath } = await import('./helpers/paths.js');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await writeFile(join(dir, 'audit-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const config = await resolveConfig({ global: bundlePath('global'), audit: { jsonl: 'audit.log', checkpoints: { key: 'audit-key.pem', everyEvents: 2 } } }, dir);
    const engine = await createEngine(await toEngineOptions(config));
    for (let i = 0; i < 5; i++) engine.authorize({ user: { id: `u${i}`, department: 'marketing' }, action: 'read', dataProduct: { id: 'p' } });
    await engine.close();
    const r = await verifyAuditLogs([join(dir, 'audit.log')], { key: publicKey });
    expect(r).toMatchObject({ ok: true, head: { seq: 4 } });
    expect(r.checkpoints).toBe(3); // after events 2 and 4, and at close
    const other = generateKeyPairSync('ed25519').publicKey;
    const bad = await verifyAuditLogs([join(dir, 'audit.log')], { key: other });
    expect(bad.problems.filter((p) => p.kind === 'checkpoint-signature')).toHaveLength(3);
    await expect(resolveConfig({ global: bundlePath('global'), audit: { jsonl: 'a.log', checkpoints: { key: 'k.pem', alg: 'HS256' } } }, dir)).rejects.toMatchObject({ code: 'MG_CONFIG_INVALID' });
  });
});

describe('recovery next to rotated files', () => {
  it('an empty live file continues the newest rotated file, so the set still verifies as one chain', async () => {
    const { verifyAuditLogs } = await import('../src/audit/index.js');
    const path = join(dir, 'audit.log');
    const first = jsonlSink(path, { maxBytes: 3000 });
    const trail = new AuditTrail({ sinks: [first], version: 't', onSinkFailure: 'fail' });
    for (let i = 0; i < 8; i++) trail.record(makeDecision('access'), { i });
    await trail.close();
    const { rename } = await import('node:fs/promises');
    const { readdir } = await import('node:fs/promises');
    const rotated = (await readdir(dir)).filter((n) => /^audit\.log\.\d+$/.test(n)).length;
    await rename(path, `${path}.${rotated + 1}`); // as if the writer rotated and died before its next event
    const next = jsonlSink(path);
    expect(next.open()).toMatchObject({ seq: 8 });
    const t2 = new AuditTrail({ sinks: [next], version: 't', onSinkFailure: 'fail' });
    t2.record(makeDecision('access'), {});
    await t2.close();
    const r = await verifyAuditLogs([dir]);
    expect(r.problems).toEqual([]);
    expect(r.head).toMatchObject({ seq: 8 });
  });
});

describe('checkpoint keys and timing', () => {
  it('ES256 keys work; HMAC secrets, a mismatched algorithm or a non-PEM key are MG_AUDIT_KEY_INVALID', async () => {
    const { generateKeyPairSync, createSecretKey } = await import('node:crypto');
    const { checkpointSigner, verifyCheckpointLine, checkpointPublicKey } = await import('../src/audit/index.js');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = checkpointSigner({ key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), keyid: 'k1' });
    expect(signer.alg).toBe('ES256');
    const cp = { file: 'a.log', head: 'a'.repeat(64), prev: '0'.repeat(64), reason: 'close' as const, seq: 3, time: new Date(0).toISOString() };
    const line = JSON.parse(signer.line(cp)) as Record<string, unknown>;
    expect(verifyCheckpointLine(line, ec.publicKey)).toMatchObject({ checkpoint: cp, keyid: 'k1', alg: 'ES256' });
    expect(verifyCheckpointLine(line, ec.publicKey, 'k2')).toContain('key id');
    for (const bad of [
      () => checkpointSigner({ key: createSecretKey(Buffer.from('s3cret-s3cret-s3cret')) }),
      () => checkpointSigner({ key: ec.privateKey, alg: 'EdDSA' }),
      () => checkpointSigner({ key: ec.privateKey, alg: 'HS256' }),
      () => checkpointPublicKey('not a pem'),
    ]) {
      expect(bad).toThrow(expect.objectContaining({ code: 'MG_AUDIT_KEY_INVALID' }));
    }
  });

  it('a checkpoint is also written every everyMs while events arrive', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const path = join(dir, 'audit.log');
    const sink = jsonlSink(path, { checkpoints: { key: generateKeyPairSync('ed25519').privateKey, everyEvents: 1000, everyMs: 20 } });
    const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail' });
    trail.record(makeDecision('access'), {});
    await expect.poll(async () => (await readFile(path, 'utf8')).includes('"reason":"interval"'), { timeout: 3000, interval: 10 }).toBe(true);
    await trail.close();
    const reasons = (await lines(path)).filter((l) => l.startsWith('{"alg"')).map((l) => (JSON.parse(l) as { checkpoint: { reason: string } }).checkpoint.reason);
    expect(reasons).toEqual(['interval', 'close']);
  });

  it('audit verify: bad --since, --expect-head or key file are usage/key errors (exit 2)', async () => {
    const { runAuditVerify } = await import('../src/cli/audit-verify.js');
    const path = await writeLog(2);
    await writeFile(join(dir, 'junk.pem'), 'junk');
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (s: string) => void err.push(s) };
    expect(await runAuditVerify(['--since', 'yesterday', path], io)).toBe(2);
    expect(await runAuditVerify(['--expect-head', 'abc', path], io)).toBe(2);
    expect(await runAuditVerify(['--key', join(dir, 'missing.pem'), path], io)).toBe(2);
    expect(await runAuditVerify(['--key', join(dir, 'junk.pem'), path], io)).toBe(2);
    expect(err.join('')).toMatch(/MG_CLI_USAGE[\s\S]*MG_CLI_USAGE[\s\S]*MG_AUDIT_KEY_INVALID[\s\S]*MG_AUDIT_KEY_INVALID/);
  });
});

describe('several logs in one verify', () => {
  it('independent logs verify side by side; a rotated file renamed out of its log leaves a gap in it', async () => {
    const { verifyAuditLogs } = await import('../src/audit/index.js');
    const { rename, readdir } = await import('node:fs/promises');
    const a = await writeLog(3, 'a.log');
    const b = await writeLog(4, 'b.log');
    const both = await verifyAuditLogs([a, b]);
    expect(both).toMatchObject({ ok: true, problems: [] });
    expect(both.files.map((f) => f.file)).toEqual([a, b]);
    const path = join(dir, 'audit.log');
    const trail = new AuditTrail({ sinks: [jsonlSink(path, { maxBytes: 3000 })], version: 't', onSinkFailure: 'fail' });
    for (let i = 0; i < 12; i++) trail.record(makeDecision('access'), { i });
    await trail.close();
    expect((await readdir(dir)).filter((n) => /^audit\.log\.\d+$/.test(n)).length).toBeGreaterThanOrEqual(2);
    await rename(join(dir, 'audit.log.2'), join(dir, 'old.log'));
    const r = await verifyAuditLogs([dir]);
    expect(r.problems.map((p) => `${p.kind} ${p.file.split('/').pop()}`).sort()).toEqual(['missing-file audit.log.3', 'missing-file old.log'].sort());
  });
});

describe('the writer lock file', () => {
  it('a lock left by a dead process on this host is taken over; one held from another host never is', async () => {
    const { spawnSync } = await import('node:child_process');
    const { hostname } = await import('node:os');
    const { lockPathFor } = await import('../src/audit/index.js');
    const path = join(dir, 'audit.log');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeFile(lockPathFor(path), JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00Z' }));
    const sink = jsonlSink(path);
    expect(sink.open()).toMatchObject({ seq: 0 });
    expect(JSON.parse(await readFile(lockPathFor(path), 'utf8'))).toMatchObject({ pid: process.pid });
    await sink.close();
    await writeFile(lockPathFor(path), JSON.stringify({ pid: dead, host: 'another-host', since: '2026-01-01T00:00:00Z' }));
    expect(() => jsonlSink(path).open()).toThrow(expect.objectContaining({ code: 'MG_AUDIT_LOG_LOCKED', message: expect.stringContaining(`pid ${dead} on another-host`) }));
  });
});
