/** The README's first command runs `npm run demo` (scripts/demo.mjs): it must pass on the bundled fixtures with the default policies. */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

describe('npm run demo', () => {
  beforeAll(() => ensureBuilt());

  it('checks fixtures/ with the shipped policies: failing fixtures fail, the rest pass, exit 0', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'demo.mjs')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/FAIL {2}fixtures\/plans\/failing\/pii-bucket-without-sse\.plan\.json/);
    expect(r.stdout).toMatch(/pii-bucket-without-sse\.plan\.json:\d+:\d+ +DENY +global\/pii_bucket_encryption/);
    expect(r.stdout).toMatch(/PASS {2}fixtures\/contracts\/customer-profile\.yaml/);
    expect(r.stdout).toMatch(/demo ok: \d+ deliberately failing fixture\(s\) failed, \d+ compliant fixture\(s\) passed\./);
  });
});
