/** `meshgate check --config`: expired and unused waivers are reported (stderr warnings with file:line), never silently ignored. */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { FIXTURES } from './helpers/paths.js';

describe('check --config reports waiver hygiene', () => {
  beforeAll(() => ensureBuilt());

  it('names expired and unused waivers with their file and line', async () => {
    const r = await runCli(['check', join(FIXTURES, 'plans'), '--config', join(FIXTURES, 'config', 'meshgate.yaml'), '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).summary.files).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/waivers\.yaml:8:3: waiver old-exception \(global, rule pii_bucket_encryption\) expired on 2020-01-31/);
    expect(r.stderr).toMatch(/waivers\.yaml:2:3: waiver legacy-logging \(global, rule pii_bucket_access_logging\) matched no finding/);
  });

  it('says nothing about waivers without a config', async () => {
    const r = await runCli(['check', join(FIXTURES, 'plans'), '--format', 'json']);
    expect(r.stderr).not.toMatch(/waiver/);
  });
});
