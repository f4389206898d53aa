/**
 * A domain team's rules layered on the shipped global rules: createEngine({ domains }) without `global`,
 * `extends` in meshgate.yaml (the keyword `meshgate` or a path), and domain-only built policies folders
 * whose manifest records what they extend. Real compiled bundles from policies/dist throughout.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineFromConfig, loadConfig, resolveConfig } from '../src/config.js';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { bundlePaths, defaultPolicyDir, resolveExtends } from '../src/policy/defaults.js';
import { DIST, bundlePath } from './helpers/paths.js';

/** A finance contract that breaks a global rule (parquet output) and a finance rule (no retention). */
const CONTRACT = `data_product: ledger
domain: Finance
owner: finance-data@company.com
version: 1.0.0
output_ports:
  - name: daily
    format: parquet
schema:
  entry_id:
    type: string
    classification: internal
service_level_objectives:
  freshness: PT6H
`;

const ruleLayers = (engine: Engine): Promise<string[]> => engine.checkContract(CONTRACT).then((d) => d.findings.map((f) => `${f.layer}:${f.rule}`).sort());

let tmp = '';
/** A domain-only built folder: the finance bundle alone, with a manifest of one layer. */
let domainOnly = '';

function writeDomainOnly(dir: string, extra: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(bundlePath('finance'), join(dir, 'finance.tar.gz'));
  const shipped = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')) as { layers: Record<string, unknown> };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 1, opa_version: 'x', rego_version: 'v1', layers: { finance: shipped.layers['finance'] }, ...extra }));
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-extends-'));
  domainOnly = join(tmp, 'domain-only');
  writeDomainOnly(domainOnly, { extends: 'meshgate' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('createEngine({ domains }) without global', () => {
  it('layers the domains on the shipped global bundle: both layers judge', async () => {
    const engine = await createEngine({ domains: { finance: bundlePath('finance') } });
    expect(engine.layers).toEqual(['global', 'finance']);
    expect(await ruleLayers(engine)).toEqual(['finance:finance_retention_required', 'global:contract_output_format']);
    await engine.close();
  });
});

describe('extends in meshgate.yaml', () => {
  it('extends: meshgate takes the shipped global bundle', async () => {
    const config = { extends: 'meshgate', domains: { finance: bundlePath('finance') } };
    expect((await resolveConfig(config, tmp)).global).toBe(join(defaultPolicyDir(), 'global.tar.gz'));
    const { engine } = await createEngineFromConfig(config, { baseDir: tmp });
    expect(await ruleLayers(engine)).toEqual(['finance:finance_retention_required', 'global:contract_output_format']);
    await engine.close();
  });

  it('extends: a path to a built policies folder takes its global layer; a path to a bundle file takes that file', async () => {
    expect((await resolveConfig({ extends: DIST, domains: {} }, tmp)).global).toBe(join(DIST, 'global.tar.gz'));
    expect((await resolveConfig({ extends: bundlePath('global') }, tmp)).global).toBe(bundlePath('global'));
  });

  it('refuses neither, both, a missing path and a built folder with no global layer, with the line of the key', async () => {
    const write = (name: string, text: string): string => {
      const f = join(tmp, name);
      writeFileSync(f, text);
      return f;
    };
    const err = async (file: string): Promise<MeshgateError> => {
      const e = await loadConfig(file).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MeshgateError);
      return e as MeshgateError;
    };
    const neither = await err(write('neither.yaml', `domains:\n  finance: ${bundlePath('finance')}\n`));
    expect(neither.code).toBe('MG_CONFIG_INVALID');
    expect(neither.message).toMatch(/give `global`.*or `extends`/);
    const both = await err(write('both.yaml', `global: ${bundlePath('global')}\nextends: meshgate\n`));
    expect(both.message).toMatch(/not both/);
    expect(both.location?.line).toBe(2);
    const missing = await err(write('missing.yaml', `# a domain repo\nextends: ./no/such/global.tar.gz\n`));
    expect(missing.code).toBe('MG_CONFIG_INVALID');
    expect(missing.message).toMatch(/no such global bundle/);
    expect(missing.location).toMatchObject({ file: join(tmp, 'missing.yaml'), line: 2 });
    const noGlobal = await err(write('no-global.yaml', `extends: ${domainOnly}\n`));
    expect(noGlobal.message).toMatch(/has no global layer to extend/);
    // the keyword is exact: anything else is a path, and a look-alike is not silently the shipped bundle
    expect(() => resolveExtends('Meshgate ', tmp)).toThrow(/no such global bundle/);
  });
});

describe('domain-only built policies folders (check --policies)', () => {
  it('a manifest that extends meshgate loads with the shipped global bundle', async () => {
    expect(bundlePaths(domainOnly)).toEqual({ global: join(defaultPolicyDir(), 'global.tar.gz'), domains: { finance: join(domainOnly, 'finance.tar.gz') } });
    const engine = await createEngine(bundlePaths(domainOnly));
    expect(await ruleLayers(engine)).toEqual(['finance:finance_retention_required', 'global:contract_output_format']);
    await engine.close();
  });

  it('a manifest that extends a path resolves it against the manifest folder; the source folder finds its dist/', () => {
    const src = join(tmp, 'repo', 'policies');
    writeDomainOnly(join(src, 'dist'), { extends: '../../../global-copy.tar.gz' });
    copyFileSync(bundlePath('global'), join(tmp, 'global-copy.tar.gz'));
    expect(bundlePaths(src).global).toBe(join(tmp, 'global-copy.tar.gz'));
  });

  it('a manifest without a global layer that extends nothing is refused, saying how to extend', () => {
    const bare = join(tmp, 'bare');
    writeDomainOnly(bare, {});
    expect(() => bundlePaths(bare)).toThrow(/has no global layer and extends none: .*--extends meshgate/);
  });
});
