/**
 * `meshgate build` and `meshgate test` take `extends` from meshgate.yaml when no `--extends` is given
 * (issue 20): a repository scaffolded by `meshgate init --extends meshgate` builds a domain-only folder whose
 * manifest layers on the shipped global bundle, and the real engine then judges a contract with both layers.
 * Real OPA, real bundles; config mistakes are MG_CONFIG_INVALID at the `extends` line, before OPA runs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../src/cli/build.js';
import { scaffold } from '../src/cli/init.js';
import { runPolicyTest } from '../src/cli/policy-test.js';
import { processIo, type CliIo } from '../src/cli/io.js';
import { createEngine } from '../src/engine.js';
import { bundlePaths } from '../src/policy/defaults.js';
import { DIST, HAVE_OPA, IN_CI, ROOT } from './helpers/paths.js';

function capture(): { out: string[]; err: string[]; io: CliIo } {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { ...processIo(), stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd: ROOT };
  return { out, err, io };
}

/** A sales contract without a description (the sales starter rule warns) and with a parquet port (a global rule). */
const CONTRACT = `data_product: orders
domain: sales
owner: sales-data@company.com
version: 1.0.0
output_ports:
  - name: daily
    format: parquet
schema:
  order_id:
    type: string
    classification: internal
`;

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-extends-config-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!HAVE_OPA && !IN_CI)('build and test read extends from meshgate.yaml', () => {
  it('init --extends meshgate, then plain build: the manifest extends the shipped rules and both layers judge', async () => {
    const repo = join(tmp, 'shipped');
    scaffold(repo, { domains: ['sales'], extends: 'meshgate' });
    expect(readFileSync(join(repo, 'meshgate.yaml'), 'utf8')).toMatch(/^extends: meshgate$/m);
    const b = capture();
    expect(await runBuild([join(repo, 'policies')], b.io)).toBe(0);
    const dist = join(repo, 'policies', 'dist');
    expect((JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as { extends?: string }).extends).toBe('meshgate');

    const engine = await createEngine(bundlePaths(dist)); // what `check --policies` loads
    const d = await engine.checkContract(CONTRACT);
    expect(engine.layers).toEqual(['global', 'sales']);
    expect(d.findings.map((f) => `${f.layer}:${f.rule}`)).toEqual(expect.arrayContaining(['global:contract_output_format', 'sales:sales_description']));
    await engine.close();

    const t = capture();
    expect(await runPolicyTest([join(repo, 'policies')], t.io)).toBe(0);
    expect(t.err.join('')).not.toMatch(/without the global rules/);
    expect(t.out.join('')).toMatch(/meshgate test: sales/);
  });

  it('a relative path in the config is relative to the config file, not the working directory', async () => {
    const repo = join(tmp, 'relative');
    scaffold(repo, { domains: ['sales'], extends: 'meshgate' });
    writeFileSync(join(repo, 'meshgate.yaml'), `extends: ${relative(repo, join(DIST, 'global.tar.gz'))}\ndomains:\n  sales: policies/dist/sales.tar.gz\n`);
    const b = capture();
    expect(await runBuild([join(repo, 'policies')], b.io)).toBe(0);
    const dist = join(repo, 'policies', 'dist');
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as { extends?: string };
    expect(resolve(dist, manifest.extends ?? '')).toBe(join(DIST, 'global.tar.gz'));
    const t = capture();
    await runPolicyTest([join(repo, 'policies')], t.io); // a bundle path has no Rego: the domains run alone, and it says which bundle it read
    expect(t.err.join('')).toContain(`the global bundle ${join(DIST, 'global.tar.gz')} has no Rego sources here`);
  });
});

describe('config mistakes are refused before OPA runs', () => {
  it('extends in the config while the folder has its own global layer: MG_CONFIG_INVALID at the line, for build and test', async () => {
    const repo = join(tmp, 'conflict');
    mkdirSync(join(repo, 'policies', 'global'), { recursive: true });
    writeFileSync(join(repo, 'meshgate.yaml'), '# a comment\nextends: meshgate\n');
    const b = capture();
    expect(await runBuild([join(repo, 'policies')], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/MG_CONFIG_INVALID/);
    expect(b.err.join('')).toContain(`${join(repo, 'meshgate.yaml')}:2`);
    const t = capture();
    expect(await runPolicyTest([join(repo, 'policies'), '--opa', '/nonexistent/opa'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/MG_CONFIG_INVALID/);
  });

  it('an extends that is not a string, and a --config that does not exist, are coded errors', async () => {
    const repo = join(tmp, 'bad');
    mkdirSync(join(repo, 'policies', 'domains', 'sales'), { recursive: true });
    writeFileSync(join(repo, 'meshgate.yaml'), 'domains: {}\nextends: [meshgate]\n');
    const b = capture();
    expect(await runBuild([join(repo, 'policies')], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/MG_CONFIG_INVALID/);
    expect(b.err.join('')).toContain(`${join(repo, 'meshgate.yaml')}:2`);
    const missing = capture();
    expect(await runBuild([join(repo, 'policies'), '--config', join(repo, 'nope.yaml')], missing.io)).toBe(2);
    expect(missing.err.join('')).toMatch(/cannot read config.*MG_CONFIG_INVALID/s);
  });
});
