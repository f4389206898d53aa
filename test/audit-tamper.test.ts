/**
 * The tamper suite: a signed log of 1 100 events across rotated files, and every attack an insider with
 * write access (but no signing key) could try. Each is detected by `audit verify --key` with its own
 * message naming the file and the seq; the untouched log verifies. Most cases call the library function,
 * two go through the command (`runAuditVerify`) to check its exit codes and output.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, canonicalJson, jsonlSink, verifyAuditLogs, type LogProblemKind, type LogSetReport } from '../src/audit/index.js';
import { runAuditVerify } from '../src/cli/audit-verify.js';
import { makeDecision } from './helpers/audit-decisions.js';

const EVENTS = 1100;
let root = '';
let pristine = '';
let publicPem = '';
let pubFile = '';
let files: string[] = []; // rotated files oldest first, then the live one
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshgate-tamper-'));
  pristine = join(root, 'pristine');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  pubFile = join(root, 'audit-pub.pem');
  await writeFile(pubFile, publicPem);
  const sink = jsonlSink(join(pristine, 'audit.log'), { maxBytes: 200_000, checkpoints: { key: privateKey, everyEvents: 50 } });
  let t = Date.parse('2026-11-30T00:00:00Z');
  const now = (): Date => new Date((t += 1000));
  const trail = new AuditTrail({ sinks: [sink], version: 't', onSinkFailure: 'fail', now });
  for (let i = 0; i < EVENTS; i++) {
    trail.record(makeDecision(i % 3 ? 'access' : 'contract', i % 7 === 0 ? { allowed: false, outcome: 'denied' } : {}), { i });
  }
  await trail.close();
  const names = (await readdir(pristine)).filter((f) => !f.startsWith('.'));
  files = names.filter((f) => f !== 'audit.log').sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  files.push('audit.log');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh copy of the pristine log directory. */
async function copy(): Promise<string> {
  const dir = join(root, `case-${n++}`);
  await cp(pristine, dir, { recursive: true });
  return dir;
}

const read = async (dir: string, f: string): Promise<string[]> => (await readFile(join(dir, f), 'utf8')).split('\n').slice(0, -1);
const write = (dir: string, f: string, ls: string[]): Promise<void> => writeFile(join(dir, f), `${ls.join('\n')}\n`);
const isEvent = (l: string): boolean => l.startsWith('{"bundles"');
const isCheckpoint = (l: string): boolean => l.startsWith('{"alg"');
const seqOf = (l: string): number => (JSON.parse(l) as { seq: number }).seq;

async function verify(dir: string): Promise<LogSetReport> {
  return verifyAuditLogs([dir], { key: publicPem });
}

/** Asserts the report has a problem of `kind` whose message names `file` and `seq`. */
function expectProblem(r: LogSetReport, kind: NonNullable<LogProblemKind>, file: string, seq: number): void {
  expect(r.ok).toBe(false);
  const hit = r.problems.find((p) => p.kind === kind && p.file.endsWith(file) && p.message.includes(file) && p.message.includes(`seq ${seq}`));
  expect(hit, `${kind} in ${file} at seq ${seq}; got ${JSON.stringify(r.problems, null, 1)}`).toBeDefined();
}

describe('the pristine signed log', () => {
  it('has at least 1 000 events across at least 3 rotated files, with checkpoints', async () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    let events = 0;
    let cps = 0;
    for (const f of files) {
      const ls = await read(pristine, f);
      events += ls.filter(isEvent).length;
      cps += ls.filter(isCheckpoint).length;
      if (f !== 'audit.log') expect(JSON.parse(ls[ls.length - 1]!)).toMatchObject({ checkpoint: { reason: 'rotate', file: f } });
      expect((await readFile(join(pristine, f))).length).toBeLessThanOrEqual(200_000); // room was kept for the rotation checkpoint
    }
    expect(events).toBe(EVENTS);
    expect(cps).toBeGreaterThanOrEqual(EVENTS / 50);
    const last = (await read(pristine, 'audit.log')).at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ checkpoint: { reason: 'close', seq: EVENTS - 1 } });
  });

  it('verifies with exit 0 through the command, with every checkpoint checked', async () => {
    const out: string[] = [];
    const code = await runAuditVerify(['--key', pubFile, pristine], { stdout: (s) => void out.push(s), stderr: (s) => void out.push(s) });
    expect(out.join(''), out.join('')).toContain('intact');
    expect(code).toBe(0);
    const r = await verify(pristine);
    expect(r).toMatchObject({ ok: true, problems: [], head: { seq: EVENTS - 1 } });
    expect(r.checkpoints).toBeGreaterThanOrEqual(EVENTS / 50);
  });
});

describe('every tampering is detected with its own message naming file and seq', () => {
  it('edit a line', async () => {
    const dir = await copy();
    const f = files[1]!;
    const ls = await read(dir, f);
    const i = ls.findIndex((l) => isEvent(l) && l.includes('"outcome":"denied"'));
    ls[i] = ls[i]!.replaceAll('"outcome":"denied"', '"outcome":"allowed"');
    await write(dir, f, ls);
    expectProblem(await verify(dir), 'edited', f, seqOf(ls[i]!));
  });

  it('delete a line', async () => {
    const dir = await copy();
    const f = files[0]!;
    const ls = await read(dir, f);
    const i = 40;
    const gone = seqOf(ls[i]!);
    ls.splice(i, 1);
    await write(dir, f, ls);
    expectProblem(await verify(dir), 'deleted', f, gone + 1);
  });

  it('delete a line and re-chain everything after it (undetectable without a key)', async () => {
    const dir = await copy();
    const { createHash } = await import('node:crypto');
    const f = files[1]!;
    let ls = await read(dir, f);
    const i = ls.findIndex((l, k) => k > 10 && isEvent(l) && isEvent(ls[k - 1]!) && l.includes('"outcome":"denied"'));
    const deleted = seqOf(ls[i]!);
    let prevHash = (JSON.parse(ls[i - 1]!) as { hash: string }).hash;
    ls.splice(i, 1);
    // re-number and re-hash every later event of every later file, as a forger without the key would
    for (const g of files.slice(1)) {
      if (g !== f) ls = await read(dir, g);
      for (let k = g === f ? i : 0; k < ls.length; k++) {
        if (!isEvent(ls[k]!)) continue;
        const o = JSON.parse(ls[k]!) as Record<string, unknown>;
        delete o.hash;
        o.seq = (o.seq as number) - 1;
        o.prev_hash = prevHash;
        o.hash = createHash('sha256').update(canonicalJson(o)).digest('hex');
        prevHash = o.hash as string;
        ls[k] = canonicalJson(o);
      }
      await write(dir, g, ls);
    }
    const unkeyed = await verifyAuditLogs([dir]);
    expect(unkeyed.ok).toBe(true); // the plain chain cannot tell...
    expect(unkeyed.notes.join(' ')).toContain('re-chaining');
    const r = await verify(dir); // ...the signed checkpoints can
    const hit = r.problems.find((p) => p.kind === 'checkpoint-mismatch' && p.file.endsWith(f));
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.seq).toBeGreaterThan(deleted);
    expect(hit!.message).toContain(`seq ${hit!.seq}`);
    expect(hit!.message).toContain(f);
  });

  it('delete the tail after the last checkpoint (the closing one goes too), reported with its time window', async () => {
    const dir = await copy();
    const ls = await read(dir, 'audit.log');
    const lastInterval = ls.map((l, k) => (isCheckpoint(l) && l.includes('"reason":"interval"') ? k : -1)).filter((k) => k >= 0).at(-1)!;
    expect(lastInterval).toBeLessThan(ls.length - 2);
    const cp = JSON.parse(ls[lastInterval]!) as { checkpoint: { seq: number; time: string } };
    await write(dir, 'audit.log', ls.slice(0, lastInterval + 1));
    const r = await verify(dir);
    expectProblem(r, 'tail-deleted', 'audit.log', cp.checkpoint.seq);
    expect(r.problems.find((p) => p.kind === 'tail-deleted')!.message).toContain(`window ${cp.checkpoint.time}`);
  });

  it('drop a whole rotated file', async () => {
    const dir = await copy();
    const f = files[1]!;
    const first = seqOf((await read(dir, f)).find(isEvent)!);
    await rm(join(dir, f));
    expectProblem(await verify(dir), 'missing-file', files[2]!, first);
  });

  it('reorder two lines', async () => {
    const dir = await copy();
    const f = files[2]!;
    const ls = await read(dir, f);
    const i = ls.findIndex((l, k) => k > 10 && isEvent(l) && isEvent(ls[k + 1]!));
    [ls[i], ls[i + 1]] = [ls[i + 1]!, ls[i]!];
    await write(dir, f, ls);
    expectProblem(await verify(dir), 'reordered', f, seqOf(ls[i]!));
  });

  it('duplicate a key', async () => {
    const dir = await copy();
    const f = files[0]!;
    const ls = await read(dir, f);
    const i = ls.findIndex((l) => isEvent(l) && l.includes('"outcome":"denied"'));
    ls[i] = ls[i]!.replace('"outcome":"denied"', '"outcome":"allowed","outcome":"denied"');
    await write(dir, f, ls);
    const r = await verify(dir);
    expectProblem(r, 'noncanonical', f, seqOf(ls[i]!));
    expect(r.problems[0]!.message).toContain('duplicate key "outcome"');
  });

  it('swap two files', async () => {
    const dir = await copy();
    const [a, b] = [files[0]!, files[1]!];
    await rename(join(dir, a), join(dir, 'tmp'));
    await rename(join(dir, b), join(dir, a));
    await rename(join(dir, 'tmp'), join(dir, b));
    const firstOfB = seqOf((await read(pristine, b)).find(isEvent)!);
    expectProblem(await verify(dir), 'misnamed', a, firstOfB);
  });

  it('replace a checkpoint: edited (bad signature) or swapped for another genuine one (broken checkpoint chain)', async () => {
    const dir = await copy();
    const f = files[2]!;
    const ls = await read(dir, f);
    const idx = ls.map((l, k) => (isCheckpoint(l) ? k : -1)).filter((k) => k >= 0);
    const k = idx[1]!;
    const cp = JSON.parse(ls[k]!) as { checkpoint: { seq: number; time: string } };
    ls[k] = ls[k]!.replace(cp.checkpoint.time, '2026-11-30T00:00:00.000Z');
    await write(dir, f, ls);
    expectProblem(await verify(dir), 'checkpoint-signature', f, cp.checkpoint.seq);

    const dir2 = await copy();
    const ls2 = await read(dir2, f);
    const earlier = JSON.parse(ls2[idx[0]!]!) as { checkpoint: { seq: number } };
    ls2[idx[1]!] = ls2[idx[0]!]!; // a genuine, validly signed checkpoint, in the wrong place
    await write(dir2, f, ls2);
    expectProblem(await verify(dir2), 'checkpoint-chain', f, earlier.checkpoint.seq);
  });

  it('through the command: a dropped file exits 1 and prints the file and seq; without --key it warns that re-chaining is undetectable', async () => {
    const dir = await copy();
    await rm(join(dir, files[0]!));
    const out: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s) };
    expect(await runAuditVerify(['--key', pubFile, ...files.slice(1).map((f) => join(dir, f))], io)).toBe(1);
    expect(out.join('')).toMatch(new RegExp(`${files[1]!.replace('.', '\\.')}:1: missing-file: .*seq \\d+.*${files[0]!.replace('.', '\\.')}`));
    out.length = 0;
    expect(await runAuditVerify([pristine], io)).toBe(0);
    expect(out.join('')).toContain('deletion followed by re-chaining');
  });
});

describe('time windows, like CloudTrail validate-logs', () => {
  it('--since: a file whose events all precede the window may be missing', async () => {
    const dir = await copy();
    await rm(join(dir, files[0]!));
    expect((await verify(dir)).ok).toBe(false);
    const firstOfNext = JSON.parse((await read(dir, files[1]!)).find(isEvent)!) as { timestamp: string };
    const r = await verifyAuditLogs([dir], { key: publicPem, since: new Date(firstOfNext.timestamp) });
    expect(r.problems).toEqual([]);
  });

  it('--until: a tail cut after a checkpoint at or after the window end is accepted; before it, it is reported', async () => {
    const dir = await copy();
    const ls = await read(dir, 'audit.log');
    const k = ls.map((l, j) => (isCheckpoint(l) && l.includes('"reason":"interval"') ? j : -1)).filter((j) => j >= 0).at(-1)!;
    const cp = JSON.parse(ls[k]!) as { checkpoint: { time: string } };
    await write(dir, 'audit.log', ls.slice(0, k + 1));
    expect((await verifyAuditLogs([dir], { key: publicPem, until: new Date(cp.checkpoint.time) })).problems).toEqual([]);
    const later = new Date(Date.parse(cp.checkpoint.time) + 1000);
    expect((await verifyAuditLogs([dir], { key: publicPem, until: later })).problems.map((p) => p.kind)).toEqual(['tail-deleted']);
  });
});
