#!/usr/bin/env node
/**
 * Writes the V8 code caches of the CLI (see src/code-cache.ts): of its command runner
 * (dist/cli/run.cjs.cache) and of the CommonJS files the runner loads through the cache (dist/cli/yaml.cjs,
 * dist/standard/**.cjs). A child process compiles them from their source, runs representative commands
 * (an empty plan, a small plan, contracts of every Data Contract Specification and ODCS version with a
 * generated validator, each also through the yaml package; JSON and text output), and then stores
 * everything V8 compiled, lazily compiled functions included. A second child checks that V8 accepts the
 * runner's cache. A cache is only an accelerator: one that is missing, stale or rejected is ignored.
 *
 *   node scripts/gen-code-cache.mjs     (run by tsup after the runner's build: tsup.config.ts onSuccess)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The runner and its cache file. */
export const RUNNER = join(ROOT, 'dist', 'cli', 'run.cjs');
export const CACHE = `${RUNNER}.cache`;
/** The loader the CLI entry uses (src/code-cache.ts), bundled for the child (below). */
const LOADER_SOURCE = join(ROOT, 'src', 'code-cache.ts');

/**
 * A child's script: loads the runner (with `cacheFile` when valid), runs the commands and, to write, stores
 * the runner's cache in `cacheFile` and the other files' caches beside them.
 */
const WARM = `
import { loadCachedCommonJs, writeCodeCache } from './code-cache.mjs';
const [runner, cacheFile, write, runs] = process.argv.slice(2);
const loaded = loadCachedCommonJs(runner, cacheFile);
for (const args of JSON.parse(runs)) await loaded.exports.runProcess(args);
if (write === 'write') {
  writeCodeCache(loaded, cacheFile);
  loaded.exports.writeLoadedCodeCaches();
}
process.stderr.write(\`code cache \${loaded.status}\\n\`);
process.exitCode = 0;
`;

/** `text` with its first line matching `re` set to `line` (a fixture re-labelled with another standard version); as is without `re`. */
function relabel(text, re, line) {
  return re === undefined ? text : text.replace(re, line);
}

/**
 * A plan with a few resources of each kind the plan path treats apart (enough of them to be evaluated in a
 * batch: src/layering/batch.ts), so that path is compiled: buckets in two domains, one with its encryption,
 * logging, versioning and lifecycle in resources of their own, one with them inline; and an untagged one.
 */
const bucket = (name, domain, after) => ({ address: `aws_s3_bucket.${name}`, mode: 'managed', type: 'aws_s3_bucket', name, change: { actions: ['create'], before: null, after: { bucket: name, ...after, ...(domain ? { tags: { Domain: domain, DataClassification: 'PII' } } : {}) }, after_unknown: { arn: true } } });
const part = (type, name, after) => ({ address: `${type}.${name}`, mode: 'managed', type, name, change: { actions: ['create'], before: null, after: { bucket: name, ...after }, after_unknown: {} } });
const SMALL_PLAN = {
  format_version: '1.2',
  terraform_version: '1.9.0',
  resource_changes: [
    bucket('a', 'finance', {}),
    part('aws_s3_bucket_server_side_encryption_configuration', 'a', { rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: 'aws:kms', kms_master_key_id: 'k' }] }] }),
    part('aws_s3_bucket_logging', 'a', { target_bucket: 'logs', target_prefix: 'a/' }),
    part('aws_s3_bucket_versioning', 'a', { versioning_configuration: [{ status: 'Enabled' }] }),
    part('aws_s3_bucket_lifecycle_configuration', 'a', { rule: [{ status: 'Enabled', expiration: [{ days: 30 }] }] }),
    bucket('b', 'marketing', { server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: 'AES256' }] }] }], versioning: [{ enabled: true }] }),
    { address: 'aws_s3_bucket.c', mode: 'managed', type: 'aws_s3_bucket', name: 'c', change: { actions: ['update'], before: { bucket: 'c' }, after: { bucket: 'c' } } },
    { address: 'aws_glue_catalog_database.d', mode: 'managed', type: 'aws_glue_catalog_database', name: 'd', change: { actions: ['create'], before: null, after: { name: 'd', tags: { Domain: 'finance' } } } },
  ],
};

/** The .cache files under `dir` (recursively); none when it does not exist. */
function cacheFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? cacheFilesUnder(join(dir, e.name)) : e.name.endsWith('.cache') ? [join(dir, e.name)] : []));
}

function child(dir, args) {
  const r = spawnSync(process.execPath, [join(dir, 'warm.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`code cache: the representative run failed (exit ${r.status}):\n${r.stderr}`);
  return r.stderr;
}

/** Writes dist/cli/run.cjs.cache (and the caches of yaml.cjs and dist/standard/**.cjs beside them); returns the runner cache path. */
export async function generateCodeCache() {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-code-cache-'));
  try {
    await build({ entryPoints: [LOADER_SOURCE], bundle: true, format: 'esm', platform: 'node', outfile: join(dir, 'code-cache.mjs'), logLevel: 'error', packages: 'external' });
    writeFileSync(join(dir, 'warm.mjs'), WARM);
    const empty = join(dir, 'empty.plan.json');
    const small = join(dir, 'small.plan.json');
    writeFileSync(empty, JSON.stringify({ format_version: '1.2', terraform_version: '1.9.0', resource_changes: [] }));
    writeFileSync(small, JSON.stringify(SMALL_PLAN));
    // contracts: each DCS and ODCS version that has a generated validator (fixtures re-labelled), and the seed's shape
    const fixture = (p) => join(ROOT, 'fixtures', 'contracts', p);
    const contracts = [];
    const variants = [
      ['failing/dcs-three-pii.datacontract.yaml', /^dataContractSpecification:.*$/m, ['0.9.3', '1.1.0', '1.2.1'].map((v) => `dataContractSpecification: ${v}`)],
      ['standards/odcs-v3.2-orders.odcs.yaml', /^apiVersion:.*$/m, ['v3.0.2', 'v3.1.0', 'v3.2.0'].map((v) => `apiVersion: ${v}`)],
      ['standards/odcs-v2-postgres.yaml', /^apiVersion:.*$/m, ['apiVersion: v2.2.2']],
      ['customer-profile.yaml', undefined, [undefined]],
      ['sales-processed-orders.json', undefined, [undefined]],
    ];
    for (const [file, re, lines] of variants) {
      if (!existsSync(fixture(file))) continue;
      const text = readFileSync(fixture(file), 'utf8');
      for (const [i, line] of lines.entries()) {
        const out = join(dir, `${i}-${file.replaceAll('/', '-')}`);
        writeFileSync(out, relabel(text, re, line));
        contracts.push(out);
        // and the same YAML through the yaml package (yaml.cjs and its cache): a directive is one of the
        // things the fast path (src/subjects/contract/yaml-fast.ts) leaves to it
        if (!file.endsWith('.yaml')) continue;
        writeFileSync(`${out}.lib.yaml`, `%YAML 1.2\n---\n${relabel(text, re, line)}`);
        contracts.push(`${out}.lib.yaml`);
      }
    }
    const runs = [
      ['check', empty, '--format', 'json'],
      ...contracts.slice(0, 1).map((c) => ['check', c, '--format', 'json']),
      ['check', small, ...contracts.slice(1), '--jobs', '1'],
    ];
    for (const f of [CACHE, ...cacheFilesUnder(join(ROOT, 'dist', 'standard')), `${join(ROOT, 'dist', 'cli', 'yaml.cjs')}.cache`]) rmSync(f, { force: true });
    const cacheFile = join(dir, 'run.cjs.cache');
    child(dir, [RUNNER, cacheFile, 'write', JSON.stringify(runs)]);
    // the fresh cache must be one V8 takes (same node, same flags); otherwise ship none
    const status = child(dir, [RUNNER, cacheFile, 'check', JSON.stringify([['--version']])]);
    if (!status.includes('code cache accepted')) throw new Error(`code cache: V8 did not accept the cache it just wrote (${status.trim()})`);
    copyFileSync(cacheFile, CACHE);
    return CACHE;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await generateCodeCache();
