#!/usr/bin/env node
// Differential testing: every entrypoint of every layer bundle evaluated through the WASM engine
// (`engine.evaluateRaw(layer, entrypoint, input)`, with the input the subject module builds) and through
// `opa eval` on the same Rego sources (each layer alone: they share package names). Any difference, crash
// or fail-open is counted; the run fails unless all three are 0.
//
// Usage: npx tsup && node scripts/differential.mjs [--cases 10000] [--seed 42] [--no-fixtures]
// The module also exports its generators and harness; test/differential.test.ts runs a few hundred cases
// through the TypeScript sources with the same code.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OPA = process.env.MESHGATE_OPA ?? join(ROOT, '.cache', 'bin', 'opa');
const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');

/** Package of an entrypoint: `meshgate/contract` → `meshgate.contract`. */
const pkgOf = (ep) => ep.replace(/\//g, '.');

/**
 * A document with every array sorted (deeply): Rego sets come out of the WASM runtime in hash order and
 * out of `opa eval` in sorted order, and JSON cannot tell a set from an array, so arrays compare as multisets.
 */
export function unordered(v) {
  if (Array.isArray(v)) return v.map(unordered).sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, unordered(v[k])]));
  return v;
}

/** JSON with object keys sorted, so equal documents compare equal as text. */
export function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

// ---------------------------------------------------------------------------------------------- bundles

/** Layers of policies/dist/manifest.json, and whether each bundle matches the current Rego sources. */
export function distLayers(root = ROOT) {
  const manifest = JSON.parse(readFileSync(join(root, 'policies', 'dist', 'manifest.json'), 'utf8'));
  const out = [];
  for (const [name, layer] of Object.entries(manifest.layers)) {
    let fresh = true;
    const listed = new Set(Object.keys(layer.sources));
    for (const [rel, hash] of Object.entries(layer.sources)) {
      const p = join(root, 'policies', rel);
      if (!existsSync(p) || createHash('sha256').update(readFileSync(p)).digest('hex') !== hash) fresh = false;
    }
    for (const d of [join(root, 'policies', layer.dir), join(root, 'policies', 'lib')]) {
      for (const f of walk(d)) {
        const rel = f.slice(join(root, 'policies').length + 1).split('\\').join('/');
        if (/\.(rego|json)$/.test(rel) && !rel.startsWith('dist/') && !listed.has(rel)) fresh = false;
      }
    }
    out.push({ name, dir: layer.dir, bundle: join(root, 'policies', 'dist', layer.bundle), fresh });
  }
  return out;
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * The bundle of each layer built from the current sources: policies/dist when fresh, otherwise a fresh
 * build into a temporary folder with `buildPolicies` (passed in: from src or from dist).
 */
export function currentBundles(buildPolicies, log = () => {}) {
  const layers = distLayers();
  if (layers.every((l) => l.fresh)) return { layers, cleanup: () => {} };
  const out = mkdtempSync(join(tmpdir(), 'meshgate-diff-bundles-'));
  log(`policies/dist is stale for ${layers.filter((l) => !l.fresh).map((l) => l.name).join(', ')}: building the current sources into ${out}`);
  buildPolicies({ policiesDir: join(ROOT, 'policies'), outDir: out, opa: OPA });
  return { layers: layers.map((l) => ({ ...l, bundle: join(out, `${l.name}.tar.gz`) })), cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

// ------------------------------------------------------------------------------------------ opa eval

/** `data.<pkg>` for each input, with the Rego sources in `dirs`, in one opa process per chunk. */
export function opaEvalMany(dirs, pkg, inputs, chunk = 2000) {
  const results = [];
  for (let s = 0; s < inputs.length; s += chunk) {
    const part = inputs.slice(s, s + chunk);
    const query = `x := [r | some i; c := input.cases[i]; r := {"i": i, "v": data.${pkg}} with input as c]`;
    const args = ['eval', '--format', 'json', '--stdin-input', '--ignore', '*_test.rego'];
    for (const d of dirs) args.push('-d', d);
    args.push(query);
    const out = execFileSync(OPA, args, { input: JSON.stringify({ cases: part }), encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
    const rows = JSON.parse(out).result?.[0]?.bindings?.x ?? [];
    const got = new Array(part.length).fill(undefined);
    for (const row of rows) got[row.i] = row.v;
    results.push(...got);
  }
  return results;
}

// ------------------------------------------------------------------------------------------ capture

/**
 * Wraps an engine so that every policy input a subject module builds is recorded, for every layer that
 * has the entrypoint (not only the layers the engine would pick), then lets the engine decide as usual.
 */
export function captureInputs(engine) {
  const cases = [];
  const layers = engine.layers;
  const decide = engine.decide.bind(engine);
  engine.decide = (request) => {
    for (const unit of request.units) {
      for (const layer of layers) {
        if (!engine.hasEntrypoint(layer, unit.entrypoint)) continue;
        const domain = layer === 'global' ? unit.domains?.[0]?.normalize('NFKC').trim().toLowerCase() : layer;
        const input = unit.entrypoint === 'meshgate/access' && domain === undefined ? { ...unit.input, layer } : { ...unit.input, layer, domain: domain ?? null };
        cases.push({ layer, entrypoint: unit.entrypoint, input: JSON.parse(JSON.stringify(input)) });
      }
    }
    return decide(request);
  };
  return cases;
}

/**
 * Runs every subject through the engine (recording inputs), checks each decision for fail-open, then
 * compares WASM and `opa eval` on every recorded input. Returns counts and the first problems.
 */
export async function runDifferential(engine, layers, subjects, { log = () => {} } = {}) {
  const cases = captureInputs(engine);
  const problems = [];
  let crashes = 0;
  let failOpens = 0;
  for (const s of subjects) {
    try {
      let d;
      if (s.kind === 'contract') d = await engine.checkContract(s.source, { file: s.name });
      else if (s.kind === 'plan') d = await engine.checkPlan(s.source, { file: s.name });
      else if (s.kind === 'contract_change') d = await engine.checkContractChange(s.old, s.new, {});
      else d = engine.authorize(s.request);
      const failingFinding = d.findings?.some((f) => f.level === 'deny' && f.enforcement === 'hard' && !f.waived);
      if (d.allowed && (d.outcome !== 'allowed' || d.errors.length > 0 || failingFinding)) {
        failOpens++;
        problems.push(`fail-open: ${s.name}: ${JSON.stringify({ outcome: d.outcome, errors: d.errors })}`);
      }
    } catch (e) {
      if (e?.name === 'MeshgateError' && typeof e.code === 'string') continue; // unreadable input: a coded error is the right answer
      crashes++;
      problems.push(`crash: ${s.name}: ${e?.stack ?? e}`);
    }
  }
  let mismatches = 0;
  const groups = new Map();
  for (const c of cases) {
    const key = `${c.layer}\u0000${c.entrypoint}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const dirOf = new Map(layers.map((l) => [l.name, l.dir]));
  const perEntrypoint = {};
  for (const [key, group] of groups) {
    const [layer, entrypoint] = key.split('\u0000');
    const dirs = [join(ROOT, 'policies', dirOf.get(layer))];
    if (existsSync(join(ROOT, 'policies', 'lib'))) dirs.push(join(ROOT, 'policies', 'lib'));
    const fromOpa = opaEvalMany(dirs, pkgOf(entrypoint), group.map((c) => c.input));
    group.forEach((c, i) => {
      let wasm;
      try {
        wasm = engine.evaluateRaw(layer, entrypoint, c.input);
      } catch (e) {
        wasm = { error: e?.code ?? String(e) };
      }
      const a = canonical(unordered(wasm));
      const b = canonical(unordered(fromOpa[i]));
      if (a !== b) {
        mismatches++;
        if (problems.length < 20) problems.push(`mismatch ${layer} ${entrypoint}: input=${JSON.stringify(c.input).slice(0, 400)}\n  wasm=${a.slice(0, 400)}\n  opa =${b.slice(0, 400)}`);
      }
      // The engine evaluates the generated ABI view (meshgate_abi/<x>): it must equal OPA's package
      // document restricted to the ABI keys.
      let view;
      try {
        view = engine.evaluateRaw(layer, entrypoint.replace('meshgate/', 'meshgate_abi/'), c.input);
      } catch (e) {
        view = { error: e?.code ?? String(e) };
      }
      const keys = entrypoint === 'meshgate/access' ? ['allow', 'allow_rules', 'deny', 'obligations'] : ['deny', 'warn'];
      const doc = fromOpa[i];
      const projected = doc === undefined || doc === null || typeof doc !== 'object' ? doc : Object.fromEntries(keys.filter((k) => doc[k] !== undefined).map((k) => [k, doc[k]]));
      const v = canonical(unordered(view));
      const o = canonical(unordered(projected));
      if (v !== o) {
        mismatches++;
        if (problems.length < 20) problems.push(`view mismatch ${layer} ${entrypoint}: input=${JSON.stringify(c.input).slice(0, 400)}\n  view=${v.slice(0, 400)}\n  opa =${o.slice(0, 400)}`);
      }
    });
    perEntrypoint[`${layer} ${entrypoint}`] = group.length;
    log(`  ${layer.padEnd(10)} ${entrypoint.padEnd(26)} ${group.length} evaluations`);
  }
  return { subjects: subjects.length, evaluations: cases.length, mismatches, crashes, failOpens, perEntrypoint, problems };
}

// ------------------------------------------------------------------------------------------ subjects

/** Every fixture: contracts, plans and requests of fixtures/, plus the real samples of the corpus. */
export function fixtureSubjects() {
  const out = [];
  const files = (dir, re) => walk(dir).filter((f) => re.test(f)).sort();
  const contracts = [...files(join(ROOT, 'fixtures', 'contracts'), /\.(ya?ml|json)$/), ...files(join(ROOT, 'fixtures', 'requests', 'contracts'), /\.(ya?ml|json)$/), ...files(join(CORPUS, 'contracts'), /\.(ya?ml|json)$/)];
  for (const f of contracts) out.push({ kind: 'contract', name: f, source: readFileSync(f) });
  const plans = [...files(join(ROOT, 'fixtures', 'plans'), /\.json$/), ...files(join(CORPUS, 'tfplan'), /\.json$/), ...files(join(CORPUS, 'tfplan-edge-cases'), /\.json$/)];
  for (const f of plans) if (statSync(f).size < 20 * 1024 * 1024) out.push({ kind: 'plan', name: f, source: readFileSync(f) });
  for (const f of files(join(ROOT, 'fixtures', 'requests'), /\.json$/)) {
    if (f.includes(`${join('requests', 'contracts')}`)) continue;
    out.push({ kind: 'access', name: f, request: JSON.parse(readFileSync(f, 'utf8')) });
  }
  return out;
}

/** Contracts to register so access requests are enriched (fixtures/requests/contracts). */
export function requestContracts() {
  return walk(join(ROOT, 'fixtures', 'requests', 'contracts')).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
}

/** fast-check arbitraries for contracts, plans, contract changes and access requests. */
export function arbitraries(fc) {
  const domain = fc.constantFrom('finance', 'Finance', 'marketing', 'customer', 'sales', 'hr', '');
  const cls = fc.constantFrom('PII', 'pii', 'internal', 'public', 'confidential', 'restricted', 'personal', undefined);
  const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
  const version = fc.tuple(fc.nat(4), fc.nat(9), fc.nat(9)).map(([a, b, c]) => `${a}.${b}.${c}`);
  const field = fc.record(
    {
      name: ident,
      type: fc.constantFrom('string', 'integer', 'long', 'date', 'timestamp', 'decimal(18,2)', 'boolean'),
      classification: cls,
      constraints: fc.subarray(['required', 'unique', 'not_null', 'primary_key']),
      semantic_type: fc.constantFrom('email', 'global_identifier', 'phone', undefined),
      description: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: ['name', 'type'] },
  );
  const fields = fc.uniqueArray(field, { selector: (f) => f.name, minLength: 1, maxLength: 6 });
  const contract = fc
    .record(
      {
        domain,
        data_product: ident,
        version,
        owner: fc.constantFrom('team@company.com', 'finance-data@company.com', '', undefined),
        retention: fc.constantFrom('P7Y', 'P5Y', 'P30D', 'P10Y', undefined),
        encryption_protocol: fc.constantFrom('AES256_GCM', undefined),
        output: fc.record({ format: fc.constantFrom('parquet', 'delta', 'iceberg', 'csv'), location: fc.constantFrom('s3://data-products/x/', 's3://public/y/') }, { requiredKeys: [] }),
        fields,
        governance: fc.subarray([{ rule_id: 'G1', action: 'ENCRYPT', condition: "semantic_type == 'email'" }, { rule_id: 'G2', action: 'MASK' }]),
      },
      { requiredKeys: ['data_product', 'fields', 'governance'] },
    )
    .map(({ fields: fs, governance, ...rest }) => {
      const doc = { ...rest, schema: { fields: fs.map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined))) } };
      if (governance.length > 0) doc.governance_rules = governance;
      return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
    });

  const tags = fc.record(
    {
      Domain: fc.constantFrom('finance', 'marketing', 'customer', ''),
      DataProduct: ident,
      CostCenter: fc.constantFrom('1000', ''),
      ManagedBy: fc.constant('terraform'),
      DataClassification: fc.constantFrom('PII', 'internal', 'public'),
    },
    { requiredKeys: [] },
  );
  const bucket = fc.record({
    name: ident,
    tags,
    sse: fc.constantFrom('inline-aes', 'inline-kms', 'inline-des', 'split', 'none', 'unknown'),
    logging: fc.constantFrom('inline', 'split', 'none', 'unknown'),
    tagsUnknown: fc.boolean(),
    action: fc.constantFrom(['create'], ['update'], ['no-op'], ['delete'], ['delete', 'create']),
    lock: fc.option(fc.nat(10)),
  });
  const other = fc.record({ name: ident, type: fc.constantFrom('aws_glue_catalog_database', 'aws_iam_role', 'aws_kms_key', 'random_id', 'data_product'), tags, action: fc.constantFrom(['create'], ['update'], ['delete']) });
  const plan = fc
    .record({ buckets: fc.uniqueArray(bucket, { selector: (b) => b.name, maxLength: 4 }), others: fc.uniqueArray(other, { selector: (o) => o.name, maxLength: 3 }), drift: fc.boolean(), fv: fc.constantFrom('0.1', '0.2', '1.0', '1.2') })
    .map(buildPlan);

  const user = fc.record(
    {
      id: ident,
      department: fc.constantFrom('marketing', 'finance', 'hr', 'sales'),
      roles: fc.subarray(['analyst', 'pii_reader', 'steward', 'admin']),
      clearance: fc.constantFrom('public', 'internal', 'confidential', 'restricted', 'top_secret'),
      attributes: fc.record({ pii_training: fc.boolean(), cost_center: fc.constantFrom('CC-42', 'CC-1') }, { requiredKeys: [] }),
    },
    { requiredKeys: ['id'] },
  );
  const product = fc.record(
    {
      id: fc.constantFrom('campaign_stats', 'budget_plan', 'finance_payroll', 'customer360', 'hr_salaries', 'unknown_product'),
      domain: fc.constantFrom('finance', 'marketing', 'hr', 'customer'),
      classification: cls,
      pii_columns: fc.subarray(['email', 'ssn', 'name']),
    },
    { requiredKeys: ['id'] },
  );
  const request = fc
    .record(
      {
        user,
        action: fc.constantFrom('read', 'query', 'export', 'write', 'delete'),
        product,
        alias: fc.boolean(),
        columns: fc.subarray(['email', 'ssn', 'amount', 'name', 'id']),
        purpose: fc.constantFrom('fraud_detection', 'marketing', 'analytics', 'legal_hold'),
      },
      { requiredKeys: ['user', 'action', 'product', 'alias'] },
    )
    .map(({ product: p, alias, ...r }) => ({ ...r, [alias ? 'data_product' : 'dataProduct']: p }));

  const change = fc.tuple(contract, fc.array(fc.constantFrom('add', 'remove', 'retype', 'require', 'bump-major', 'bump-minor'), { maxLength: 3 })).map(([c, edits]) => {
    const next = JSON.parse(JSON.stringify(c));
    const fs = next.schema.fields;
    for (const e of edits) {
      if (e === 'add') fs.push({ name: `added_${fs.length}`, type: 'string' });
      if (e === 'remove' && fs.length > 1) fs.pop();
      if (e === 'retype' && fs[0]) fs[0].type = fs[0].type === 'string' ? 'integer' : 'string';
      if (e === 'require' && fs[0]) fs[0].constraints = [...new Set([...(fs[0].constraints ?? []), 'required'])];
      if (e === 'bump-major') next.version = `${Number(String(next.version ?? '0.0.0').split('.')[0]) + 1}.0.0`;
      if (e === 'bump-minor') next.version = String(next.version ?? '0.0.0').replace(/^(\d+)\.(\d+)/, (_, a, b) => `${a}.${Number(b) + 1}`);
    }
    return { old: c, new: next };
  });
  return { contract, plan, request, change };
}

function buildPlan({ buckets, others, drift, fv }) {
  const planned = [];
  const changes = [];
  const config = [];
  const add = (type, name, after, actions, unknown = {}) => {
    const address = `${type}.${name}`;
    const deleted = actions.length === 1 && actions[0] === 'delete';
    if (!deleted) planned.push({ address, mode: 'managed', type, name, provider_name: 'registry.terraform.io/hashicorp/aws', values: after });
    changes.push({ address, mode: 'managed', type, name, provider_name: 'registry.terraform.io/hashicorp/aws', change: { actions, before: deleted || actions[0] !== 'create' ? after : null, after: deleted ? null : after, after_unknown: unknown } });
    return address;
  };
  for (const b of buckets) {
    const after = { bucket: `acme-${b.name}`, tags: b.tagsUnknown ? null : b.tags, tags_all: b.tagsUnknown ? null : b.tags, force_destroy: false };
    const unknown = {};
    if (b.tagsUnknown) Object.assign(unknown, { tags: true, tags_all: true });
    if (b.sse.startsWith('inline')) {
      const alg = b.sse === 'inline-aes' ? 'AES256' : b.sse === 'inline-kms' ? 'aws:kms' : 'DES';
      after.server_side_encryption_configuration = [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: alg, kms_master_key_id: '' }], bucket_key_enabled: false }] }];
    }
    if (b.sse === 'unknown') unknown.server_side_encryption_configuration = true;
    if (b.logging === 'inline') after.logging = [{ target_bucket: 'central-audit', target_prefix: `${b.name}/` }];
    if (b.logging === 'unknown') unknown.logging = true;
    if (b.lock !== null) after.object_lock_configuration = [{ object_lock_enabled: 'Enabled', rule: [{ default_retention: [{ mode: 'COMPLIANCE', years: b.lock, days: null }] }] }];
    add('aws_s3_bucket', b.name, after, b.action, unknown);
    config.push({ address: `aws_s3_bucket.${b.name}`, mode: 'managed', type: 'aws_s3_bucket', name: b.name, expressions: { bucket: { constant_value: `acme-${b.name}` }, tags: {} } });
    const ref = { references: [`aws_s3_bucket.${b.name}.id`, `aws_s3_bucket.${b.name}`] };
    if (b.sse === 'split') {
      add('aws_s3_bucket_server_side_encryption_configuration', b.name, { bucket: `acme-${b.name}`, rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: 'aws:kms' }] }] }, ['create']);
      config.push({ address: `aws_s3_bucket_server_side_encryption_configuration.${b.name}`, mode: 'managed', type: 'aws_s3_bucket_server_side_encryption_configuration', name: b.name, expressions: { bucket: ref, rule: [{}] } });
    }
    if (b.logging === 'split') {
      add('aws_s3_bucket_logging', b.name, { bucket: `acme-${b.name}`, target_bucket: 'central-audit', target_prefix: 'x/' }, ['create']);
      config.push({ address: `aws_s3_bucket_logging.${b.name}`, mode: 'managed', type: 'aws_s3_bucket_logging', name: b.name, expressions: { bucket: ref, target_bucket: { constant_value: 'central-audit' } } });
    }
  }
  for (const o of others) {
    const after = o.type === 'data_product' ? { spec: o.tags.Domain ? { owner: 'team@company.com' } : {} } : { name: o.name, tags: o.tags, tags_all: o.tags };
    add(o.type, o.name, after, o.action);
  }
  const plan = { format_version: fv, terraform_version: '1.7.5', planned_values: { root_module: { resources: planned } }, resource_changes: changes, configuration: { root_module: { resources: config } } };
  if (drift && buckets[0]) {
    plan.resource_drift = [{ address: `aws_s3_bucket.${buckets[0].name}`, mode: 'managed', type: 'aws_s3_bucket', name: buckets[0].name, change: { actions: ['update'], before: {}, after: {} } }];
  }
  return plan;
}

/** `n` generated subjects (contracts, contract changes, plans, requests, a quarter each), seeded. */
export function generatedSubjects(fc, n, seed) {
  const arb = arbitraries(fc);
  const q = Math.max(1, Math.floor(n / 4));
  const out = [];
  fc.sample(arb.contract, { numRuns: q, seed }).forEach((c, i) => out.push({ kind: 'contract', name: `gen-contract-${i}`, source: i % 2 === 0 ? c : JSON.stringify(c) }));
  fc.sample(arb.change, { numRuns: q, seed: seed + 1 }).forEach((c, i) => out.push({ kind: 'contract_change', name: `gen-change-${i}`, old: c.old, new: c.new }));
  fc.sample(arb.plan, { numRuns: q, seed: seed + 2 }).forEach((p, i) => out.push({ kind: 'plan', name: `gen-plan-${i}`, source: i % 2 === 0 ? p : JSON.stringify(p) }));
  fc.sample(arb.request, { numRuns: n - 3 * q, seed: seed + 3 }).forEach((r, i) => out.push({ kind: 'access', name: `gen-request-${i}`, request: r }));
  return out;
}

// ------------------------------------------------------------------------------------------ main

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i === -1 ? dflt : argv[i + 1];
  };
  const n = Number(opt('--cases', '10000'));
  const seed = Number(opt('--seed', '20240607'));
  if (!existsSync(OPA)) {
    console.error(`differential: no OPA binary at ${OPA} (run \`npm run build:opa\`)`);
    process.exit(2);
  }
  const dist = join(ROOT, 'dist', 'index.js');
  if (!existsSync(dist)) {
    console.error('differential: dist/index.js is missing (run `npx tsup` first)');
    process.exit(2);
  }
  const lib = await import(pathToFileURL(dist).href);
  const fc = (await import('fast-check')).default;
  const { layers, cleanup } = currentBundles(lib.buildPolicies, (m) => console.log(`differential: ${m}`));
  try {
    const global = layers.find((l) => l.name === 'global');
    const domains = Object.fromEntries(layers.filter((l) => l.name !== 'global').map((l) => [l.name, l.bundle]));
    const engine = await lib.createEngine({ global: global.bundle, domains, subjects: { cacheSize: 0 } });
    for (const f of requestContracts()) engine.registerContract(readFileSync(f), { file: f });
    const subjects = [...(argv.includes('--no-fixtures') ? [] : fixtureSubjects()), ...generatedSubjects(fc, n, seed)];
    console.log(`differential: ${subjects.length} subjects (${n} generated, seed ${seed}) over layers ${layers.map((l) => l.name).join(', ')}`);
    const t0 = Date.now();
    const r = await runDifferential(engine, layers, subjects, { log: (m) => console.log(m) });
    await engine.close();
    for (const p of r.problems.slice(0, 20)) console.log(p);
    console.log(`differential: cases tried ${r.subjects} subjects / ${r.evaluations} evaluations; mismatches ${r.mismatches}; crashes ${r.crashes}; fail-opens ${r.failOpens} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    process.exitCode = r.mismatches + r.crashes + r.failOpens === 0 ? 0 : 1;
  } finally {
    cleanup();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
