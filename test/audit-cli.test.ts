/**
 * The CLI never drops an audit event silently (issue 18): `check` and `authorize` with `--audit-log` on an
 * unwritable log (/dev/full) or an existing corrupt log end with a coded error and exit 2, with one job
 * (the main thread's engine writes the events) and with two (worker results are written by the main thread).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';

let tmp: string;
let corrupt: string;
const CORRUPT_TEXT = '{"not":"a chain line"}\n';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-audit-cli-'));
  corrupt = join(tmp, 'corrupt.log');
  writeFileSync(corrupt, CORRUPT_TEXT);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasDevFull = existsSync('/dev/full');

describe('check --audit-log never drops silently', () => {
  for (const jobs of ['1', '2']) {
    it.runIf(hasDevFull)(`/dev/full with --jobs ${jobs}: coded error, exit 2`, async () => {
      const r = await runCli(['check', 'fixtures/cli/clean', '--audit-log', '/dev/full', '--jobs', jobs]);
      expect(r.stderr).toMatch(/\[MG_AUDIT_SINK_FAILED\]/);
      expect(r.code).toBe(2);
    });

    it(`an existing corrupt log with --jobs ${jobs}: MG_AUDIT_LOG_CORRUPT, exit 2, the log untouched`, async () => {
      const r = await runCli(['check', 'fixtures/cli/clean', '--audit-log', corrupt, '--jobs', jobs]);
      expect(r.stderr).toContain('[MG_AUDIT_LOG_CORRUPT]');
      expect(r.code).toBe(2);
      expect(readFileSync(corrupt, 'utf8')).toBe(CORRUPT_TEXT);
    });
  }
});

describe('authorize --audit-log never drops silently', () => {
  it.runIf(hasDevFull)('/dev/full: coded error, exit 2', async () => {
    const r = await runCli(['authorize', 'fixtures/requests/seed-marketing-public.json', '--audit-log', '/dev/full']);
    expect(r.stderr).toMatch(/\[MG_AUDIT_SINK_FAILED\]/);
    expect(r.code).toBe(2);
  });

  it('an existing corrupt log: MG_AUDIT_LOG_CORRUPT, exit 2', async () => {
    const r = await runCli(['authorize', 'fixtures/requests/seed-marketing-public.json', '--audit-log', corrupt]);
    expect(r.stderr).toContain('[MG_AUDIT_LOG_CORRUPT]');
    expect(r.code).toBe(2);
    expect(readFileSync(corrupt, 'utf8')).toBe(CORRUPT_TEXT);
  });

  it('a healthy log: exit 0 and the event is in a log that verifies', async () => {
    const log = join(tmp, 'ok.log');
    const r = await runCli(['authorize', 'fixtures/requests/seed-marketing-public.json', '--audit-log', log]);
    expect(r.code).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    expect((await runCli(['audit', 'verify', log])).code).toBe(0);
  });
});

describe('meshgate audit verify --key (the built CLI)', () => {
  it('a signed log verifies (exit 0); with its tail cut after an interval checkpoint it exits 1 naming file, seq and window', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { AuditTrail, jsonlSink } = await import('../src/audit/index.js');
    const { makeDecision } = await import('./helpers/audit-decisions.js');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = join(tmp, 'pub.pem');
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const log = join(tmp, 'signed.log');
    const trail = new AuditTrail({ sinks: [jsonlSink(log, { checkpoints: { key: privateKey, everyEvents: 4 } })], version: 't', onSinkFailure: 'fail' });
    for (let i = 0; i < 10; i++) trail.record(makeDecision('access'), { i });
    await trail.close();
    const ok = await runCli(['audit', 'verify', '--key', pub, log]);
    expect(ok.stdout).toContain('intact, 3 signed checkpoint(s); head seq 9');
    expect(ok.code).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n').slice(0, -1);
    const cut = lines.findIndex((l) => l.includes('"reason":"interval"') && l.includes('"seq":7'));
    writeFileSync(log, `${lines.slice(0, cut + 1).join('\n')}\n`);
    const bad = await runCli(['audit', 'verify', '--key', pub, log]);
    expect(bad.stdout).toMatch(new RegExp(`signed\\.log:${cut + 1}: tail-deleted: .*seq 7.*window `));
    expect(bad.code).toBe(1);
  });
});
