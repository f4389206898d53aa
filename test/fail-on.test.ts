/**
 * One threshold (issue 16): with `--fail-on hard|soft|advisory`, the CLI's exit code, the `allowed` of
 * every Decision (the JSON report) and the audit event's outcome agree — the CLI never re-judges. A
 * contract with one soft finding (a non-semantic version, made soft by the config) passes only at `hard`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { FIXTURES, bundlePath } from './helpers/paths.js';

describe('--fail-on: exit code, Decision.allowed and the audit outcome agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mg16-failon-'));
  const config = join(dir, 'meshgate.yaml');
  const contract = join(dir, 'customer360.yaml');
  beforeAll(() => {
    ensureBuilt();
    writeFileSync(config, `global: ${bundlePath('global')}\ndomains:\n  marketing: ${bundlePath('marketing')}\nenforcement:\n  global:\n    contract_version_semver: soft\n`);
    writeFileSync(contract, readFileSync(join(FIXTURES, 'contracts/customer360.yaml'), 'utf8').replace('version: 1.0.0', 'version: "1.0"'));
  }, 120_000);

  it.each([
    ['hard', 0],
    ['soft', 1],
    ['advisory', 1],
  ] as const)('--fail-on %s exits %i, and the report and the audit log say the same', async (failOn, exit) => {
    const log = join(dir, `audit-${failOn}.jsonl`);
    const r = await runCli(['check', contract, '--config', config, '--fail-on', failOn, '--format', 'json', '--audit-log', log]);
    expect(r.code, r.stderr).toBe(exit);
    const report = JSON.parse(r.stdout) as { results: { allowed: boolean; findings: { rule: string; enforcement: string }[] }[] };
    expect(report.results).toHaveLength(1);
    const result = report.results[0]!;
    expect(result.findings.filter((f) => f.rule === 'contract_version_semver').map((f) => f.enforcement)).toEqual(['soft']);
    expect(result.allowed).toBe(exit === 0);
    const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { outcome?: string; result?: { allowed?: boolean }; event?: { outcome?: string; result?: { allowed?: boolean } } });
    expect(events).toHaveLength(1);
    const ev = events[0]!.event ?? events[0]!;
    expect(ev.outcome).toBe(exit === 0 ? 'allowed' : 'denied');
    expect(ev.result?.allowed).toBe(exit === 0);
  });
});
