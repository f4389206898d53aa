/**
 * The package as users get it: `npm pack` once, install the tarball into one fresh temp project (offline,
 * dependencies from the npm cache through a lockfile seeded from ours), then use it the ways Node services
 * do — CommonJS `require`, ESM `import`, a TypeScript `module: nodenext` CommonJS app — and the domain
 * team's workflow end to end: `meshgate init`, a new deny rule, `meshgate build`, `meshgate test`, `meshgate check`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/cli.js';
import { HAVE_OPA, IN_CI, OPA, ROOT } from './helpers/paths.js';

let tmp = '';
let app = '';
let tarball = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and expects exit 0, returning stdout (the output is in the failure message otherwise). */
function ok(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = run(cmd, args, cwd, env);
  expect(r.code, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** A contract of the sales domain: parquet breaks the global format rule; no retention breaks the sales rule added below. */
const SALES_CONTRACT = `data_product: sales_orders
domain: Sales
owner: sales-data@company.com
version: 1.0.0
output_ports:
  - name: orders_daily
    format: parquet
    location: s3://data-products/sales/orders/
schema:
  order_id:
    type: string
    classification: internal
service_level_objectives:
  freshness: PT6H
`;

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-pack-'));
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  tarball = join(tmp, packed);
  app = join(tmp, 'app');
  mkdirSync(app);
  // A CommonJS project (no "type"), as most existing Node services are.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // Seed the lockfile with our production dependencies so that `npm install --offline` needs no registry metadata.
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  const deps = Object.fromEntries(Object.entries(lock.packages).filter(([k, v]) => k.startsWith('node_modules/') && !v.dev && !v.devOptional));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'app', version: '1.0.0' }, ...deps } }));
  ok('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);
  writeFileSync(join(app, 'sales-orders.yaml'), SALES_CONTRACT);
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the library in both formats, the Rego sources, the docs and the licence, and nothing of the sources or tests', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/cli/main.js', 'LICENSE', 'README.md', 'docs/authoring.md', 'policies/dist/global.tar.gz', 'policies/global/contract.rego', 'policies/global/contract_test.rego', 'policies/lib/access.rego']) {
      expect(files, f).toContain(`package/${f}`);
    }
    // the vendored ODCS/DCS JSON Schemas are data read at run time (with their licences); no code of src/ ships
    const SCHEMAS = /^package\/src\/subjects\/contract\/schemas\//;
    expect(files.filter((f) => /^package\/(src|test|fixtures|bench|scripts)\//.test(f) && !SCHEMAS.test(f))).toEqual([]);
    const schemaFiles = files.filter((f) => SCHEMAS.test(f));
    expect(schemaFiles.length).toBeGreaterThan(0);
    expect(schemaFiles.filter((f) => !/\.(json|md|txt)$|LICEN[CS]E[^/]*$/.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'meshgate', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['repository']).toBeTruthy();
    expect(pkg['bugs']).toBeTruthy();
    expect(readFileSync(join(app, 'node_modules', 'meshgate', 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('works from a CommonJS app: require("meshgate"), the shipped bundles and Rego sources resolve', () => {
    writeFileSync(
      join(app, 'main.cjs'),
      `const { createEngine } = require('meshgate');
const fs = require('node:fs');
(async () => {
  const engine = await createEngine({ global: require.resolve('meshgate/policies/dist/global.tar.gz') });
  const d = await engine.checkContract(fs.readFileSync('sales-orders.yaml', 'utf8'));
  const rego = fs.readFileSync(require.resolve('meshgate/policies/global/contract.rego'), 'utf8');
  console.log(JSON.stringify({ layers: engine.layers, rules: d.findings.map((f) => f.rule), rego: rego.includes('package meshgate.contract') }));
  await engine.close();
})();
`,
    );
    // without require(esm) (off before Node 20.19): the CommonJS build must not require an ESM-only dependency
    const flag = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module') ? ['--no-experimental-require-module'] : [];
    const out = JSON.parse(ok(process.execPath, [...flag, 'main.cjs'], app)) as { layers: string[]; rules: string[]; rego: boolean };
    expect(out.layers).toEqual(['global']);
    expect(out.rules).toContain('contract_output_format');
    expect(out.rego).toBe(true);
  });

  it('works from an ESM app', () => {
    writeFileSync(
      join(app, 'main.mjs'),
      `import { createEngine } from 'meshgate';
import { readFileSync } from 'node:fs';
const engine = await createEngine();
const d = await engine.checkContract(readFileSync('sales-orders.yaml', 'utf8'));
console.log(JSON.stringify({ layers: engine.layers, rules: d.findings.map((f) => f.rule) }));
await engine.close();
`,
    );
    const out = JSON.parse(ok(process.execPath, ['main.mjs'], app)) as { layers: string[]; rules: string[] };
    expect(out.layers).toEqual(['global', 'finance', 'marketing']);
    expect(out.rules).toContain('contract_output_format');
  });

  it('works from a TypeScript module: nodenext CommonJS app (types from .d.cts, emitted require runs)', () => {
    mkdirSync(join(app, 'ts'), { recursive: true });
    writeFileSync(
      join(app, 'ts', 'index.ts'),
      `import { createEngine, isMeshgateError, type Decision } from 'meshgate';
import { readFileSync } from 'node:fs';
async function main(): Promise<void> {
  const engine = await createEngine({ domains: {} });
  const d: Decision = await engine.checkContract(readFileSync('sales-orders.yaml', 'utf8'));
  console.log(JSON.stringify({ layers: engine.layers, outcome: d.outcome, guard: isMeshgateError(new Error('x')) }));
  await engine.close();
}
void main();
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, outDir: 'out', skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] }, files: ['ts/index.ts'] }),
    );
    ok(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
    expect(readFileSync(join(app, 'out', 'index.js'), 'utf8')).toMatch(/require\("meshgate"\)/);
    const out = JSON.parse(ok(process.execPath, ['out/index.js'], app)) as { layers: string[]; outcome: string; guard: boolean };
    expect(out).toEqual({ layers: ['global'], outcome: 'denied', guard: false });
  });
});

/** The deny rule a domain team adds to its starter contract.rego. */
const SALES_RULE = `
deny contains {"msg": "Sales data products must declare a retention period.", "rule": "sales_retention_required", "path": "retention_days"} if {
	sales_contract
	not input.contract.retention_days
}
`;

interface CheckJson {
  results: Array<{ findings: Array<{ layer: string; rule: string; level: string }> }>;
}

const findingsOf = (stdout: string): string[] =>
  (JSON.parse(stdout) as CheckJson).results.flatMap((r) => r.findings.filter((f) => f.level === 'deny').map((f) => `${f.layer}:${f.rule}`)).sort();

// Needs the OPA compiler: skipped only outside CI when it is absent (in CI a missing OPA fails the build step).
const noOpa = !HAVE_OPA && !IN_CI;
if (noOpa) console.log(`package workflow: skipped because no OPA compiler at ${OPA} (CI always has one)`);

describe.skipIf(noOpa)('the domain team workflow from the installed package', () => {
  const env = { MESHGATE_OPA: OPA };
  const meshgate = (args: string[], cwd: string): Run => run(process.execPath, [join(app, 'node_modules', 'meshgate', 'dist', 'cli', 'main.js'), ...args], cwd, env);

  it('init --domain sales, a new deny rule, build, test, check: the sales finding beside a global one', () => {
    const init = meshgate(['init', '--domain', 'sales'], app);
    expect(init.code, init.stderr).toBe(0);
    for (const f of ['meshgate.yaml', '.github/workflows/meshgate.yml', 'policies/README.md', 'policies/global/contract.rego', 'policies/global/contract_test.rego', 'policies/lib/access.rego', 'policies/domains/sales/contract.rego', 'policies/domains/sales/contract_test.rego']) {
      expect(existsSync(join(app, f)), f).toBe(true);
    }
    const workflow = readFileSync(join(app, '.github/workflows/meshgate.yml'), 'utf8');
    for (const step of ['meshgate build --check', 'meshgate test', 'meshgate check']) expect(workflow).toContain(step);
    appendFileSync(join(app, 'policies', 'domains', 'sales', 'contract.rego'), SALES_RULE);

    const build = meshgate(['build'], app);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/built sales: sales\.tar\.gz/);
    const test = meshgate(['test'], app);
    expect(test.code, `${test.stdout}\n${test.stderr}`).toBe(0);
    expect(test.stdout).toMatch(/meshgate test: global\nPASS: \d+\/\d+/);
    expect(test.stdout).toMatch(/meshgate test: sales\nPASS: \d+\/\d+/);
    const check = meshgate(['check', '--config', 'meshgate.yaml', '--format', 'json', 'sales-orders.yaml'], app);
    expect(check.code, check.stderr).toBe(1);
    expect(findingsOf(check.stdout)).toEqual(['global:contract_output_format', 'sales:sales_retention_required']);
    // the workflow's steps: the bundles just built are up to date; the example contract passes the global
    // rules, and only the new sales rule (no retention declared) judges it
    expect(meshgate(['build', '--check'], app).code).toBe(0);
    expect(findingsOf(meshgate(['check', '--config', 'meshgate.yaml', '--format', 'json', 'contracts'], app).stdout)).toEqual(['sales:sales_retention_required']);
  });

  it('init --extends meshgate makes a domain-only repository that layers on the shipped global rules (config and --policies)', () => {
    const repo = join(app, 'sales-repo');
    const init = meshgate(['init', 'sales-repo', '--domain', 'sales', '--extends', 'meshgate'], app);
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(join(repo, 'policies', 'global'))).toBe(false);
    expect(readFileSync(join(repo, 'meshgate.yaml'), 'utf8')).toMatch(/^extends: meshgate$/m);
    appendFileSync(join(repo, 'policies', 'domains', 'sales', 'contract.rego'), SALES_RULE);
    expect(meshgate(['build', '--extends', 'meshgate'], repo).code).toBe(0);
    const test = meshgate(['test', '--extends', 'meshgate'], repo);
    expect(test.code, `${test.stdout}\n${test.stderr}`).toBe(0);
    expect(test.stdout).toMatch(/meshgate test: sales\nPASS/);
    for (const via of [['--config', 'meshgate.yaml'], ['--policies', 'policies/dist']]) {
      const check = meshgate(['check', ...via, '--format', 'json', '../sales-orders.yaml'], repo);
      expect(check.code, `${via.join(' ')}: ${check.stderr}`).toBe(1);
      expect(findingsOf(check.stdout)).toEqual(['global:contract_output_format', 'sales:sales_retention_required']);
    }
  });
});
