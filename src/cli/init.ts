/**
 * `meshgate init [dir] --domain <name>... [--extends meshgate|path]`: scaffolds a policy repository the way a
 * governance board and its domains work — policies/global/ (a copy of the shipped global rules and their
 * tests, with the shared lib/), policies/domains/<name>/ per domain, meshgate.yaml, a CI workflow, a README
 * and an example contract. With --extends, no global layer is copied: the domains layer on the shipped
 * (or a given) global bundle. Never overwrites a file: existing ones are listed and nothing is written.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MeshgateError, describeThrown, isMeshgateError } from '../errors.js';
import { SHIPPED_GLOBAL, defaultPolicyDir, resolveExtends } from '../policy/defaults.js';
import { ciWorkflow, configYaml, domainContractRego, domainContractTest, exampleContract, repoReadme, type InitPlan } from './init-templates.js';
import { EXIT, type CliIo } from './io.js';

/** `meshgate init --help`. */
export const INIT_HELP = `usage: meshgate init [dir] --domain <name> [--domain <name>...] [--extends meshgate|path]

Scaffolds a policy repository in dir (default: the current folder):
  policies/global/, policies/lib/   a copy of the global rules shipped with meshgate, with their tests
  policies/domains/<name>/          starter rules and tests for each domain
  meshgate.yaml                     which bundle is which layer
  .github/workflows/meshgate.yml    CI: meshgate build --check, meshgate test, meshgate check
  policies/README.md, contracts/<first domain>-example.yaml
Existing files are never overwritten: init stops and lists them.

options:
  -d, --domain <name>      a domain layer to create (lower-case letters, digits, - or _; repeatable)
      --extends <global>   make a domain-only repository layered on another global bundle instead of copying
                           the global rules: meshgate (the shipped one) or a path to a global bundle
  -h, --help               this help

Next: meshgate build, meshgate test (both need OPA: see "Installing OPA" in docs/authoring.md).
exit codes: 0 scaffolded, 2 usage error or a file already exists
`;

const DOMAIN = /^[a-z][a-z0-9_-]*$/;

function usage(message: string): MeshgateError {
  return new MeshgateError('MG_CLI_USAGE', message);
}

/** The parsed arguments of `meshgate init`. */
export interface InitArgs {
  /** Target folder. */
  dir: string;
  /** What to scaffold. */
  plan: InitPlan;
}

/** Parses the arguments of `meshgate init`. Domain names must already be lower-case; duplicates collapse. Throws MG_CLI_USAGE. */
export function parseInitArgs(argv: readonly string[]): InitArgs {
  const domains: string[] = [];
  let ext: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    if (flag === '--domain' || flag === '-d' || flag === '--extends') {
      const value = eq > 0 ? raw.slice(eq + 1) : argv[++i];
      if (value === undefined || value.trim() === '') throw usage(`${flag} needs a value`);
      if (flag === '--extends') {
        if (ext !== undefined) throw usage('--extends given twice');
        ext = value;
        continue;
      }
      const name = value.trim();
      if (name === 'global') throw usage('--domain global: the global layer is not a domain (it is copied unless --extends is given)');
      if (!DOMAIN.test(name)) {
        const hint = DOMAIN.test(name.toLowerCase()) ? ` (did you mean ${name.toLowerCase()}?)` : '';
        throw usage(`--domain ${JSON.stringify(value)}: a domain name is lower-case ASCII letters, digits, - or _, starting with a letter${hint}`);
      }
      if (!domains.includes(name)) domains.push(name);
    } else if (raw.startsWith('-') && raw !== '-') {
      throw usage(`unknown option ${raw}`);
    } else {
      positional.push(raw);
    }
  }
  if (positional.length > 1) throw usage(`expected one folder, got ${positional.join(' ')}`);
  if (domains.length === 0) throw usage('give at least one --domain <name> (the domain layer to create)');
  return { dir: positional[0] ?? '.', plan: { domains, extends: ext } };
}

/** Every file init would write (relative path → content, or a folder to copy). */
function filesOf(plan: InitPlan): Map<string, string | { copy: string }> {
  const files = new Map<string, string | { copy: string }>();
  if (plan.extends === undefined) {
    const shipped = dirname(defaultPolicyDir()); // the package's policies/ (sources beside dist/)
    for (const layer of ['global', 'lib']) {
      const src = join(shipped, layer);
      if (!existsSync(src)) throw new MeshgateError('MG_DEFAULT_POLICIES_MISSING', `the shipped Rego sources (${src}) are missing from the meshgate package`);
      for (const f of listTree(src)) files.set(join('policies', layer, f), { copy: join(src, f) });
    }
  }
  for (const d of plan.domains) {
    files.set(join('policies', 'domains', d, 'contract.rego'), domainContractRego(d));
    files.set(join('policies', 'domains', d, 'contract_test.rego'), domainContractTest(d));
  }
  files.set('meshgate.yaml', configYaml(plan));
  files.set(join('.github', 'workflows', 'meshgate.yml'), ciWorkflow(plan, { opaVersion: shippedOpaVersion() }));
  files.set(join('policies', 'README.md'), repoReadme(plan));
  files.set(join('contracts', `${plan.domains[0]!}-example.yaml`), exampleContract(plan.domains[0]!));
  return files;
}

/** The OPA version the shipped bundles were built with (their manifest's opa_version). */
function shippedOpaVersion(): string {
  const file = join(defaultPolicyDir(), 'manifest.json');
  const v = (JSON.parse(readFileSync(file, 'utf8')) as { opa_version?: unknown }).opa_version;
  if (typeof v !== 'string' || !/^\d+\.\d+\.\d+/.test(v)) throw new MeshgateError('MG_BUNDLE_MANIFEST_INVALID', `${file} names no OPA version`, { location: { file } });
  return v;
}

function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) out.push(...listTree(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** Writes the repository into `dir`; returns the relative paths written. Throws MG_INIT_EXISTS (nothing written) when any already exists. */
export function scaffold(dir: string, plan: InitPlan): string[] {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) throw usage(`${dir} is not a folder`);
  if (plan.extends !== undefined && plan.extends !== SHIPPED_GLOBAL) resolveExtends(plan.extends, root); // must exist (relative to the repository)
  const files = filesOf(plan);
  const existing = [...files.keys()].filter((f) => existsSync(join(root, f)));
  if (existing.length > 0) {
    throw new MeshgateError('MG_INIT_EXISTS', `nothing written: these files already exist in ${root}: ${existing.join(', ')}`, { location: { file: join(root, existing[0]!) } });
  }
  for (const [f, content] of files) {
    const target = join(root, f);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof content === 'string') writeFileSync(target, content, { flag: 'wx' });
    else cpSync(content.copy, target, { errorOnExist: true, force: false });
  }
  return [...files.keys()].map((f) => relative(root, join(root, f)));
}

/** Runs `meshgate init`. Returns 0 (scaffolded) or 2 (usage error, existing files). */
export async function runInit(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(INIT_HELP);
    return EXIT.ok;
  }
  try {
    const args = parseInitArgs(argv);
    const written = scaffold(args.dir, args.plan);
    const ext = args.plan.extends === undefined ? '' : ` --extends ${args.plan.extends}`;
    io.stdout(`meshgate init: wrote ${written.length} files in ${resolve(args.dir)}\n`);
    io.stdout(`next: npx meshgate build${ext} && npx meshgate test${ext} && npx meshgate check --config meshgate.yaml contracts\n`);
    return EXIT.ok;
  } catch (e) {
    const err = isMeshgateError(e) ? e : new MeshgateError('MG_INIT_FAILED', describeThrown(e), { cause: e });
    io.stderr(`meshgate init: ${err.toString()}\n`);
    if (err.code === 'MG_CLI_USAGE') io.stderr('run `meshgate init --help` for usage\n');
    return EXIT.usage;
  }
}
