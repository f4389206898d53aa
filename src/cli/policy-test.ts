/**
 * `meshgate test [policies-dir] [--extends meshgate|path] [--opa path]`: runs `opa test` once per layer —
 * the global layer alone, then each domain together with the global rules (domain rules are written to
 * read right beside them) — with the shared lib/ in each run, and the same OPA resolution as `build`.
 * A domain-only folder tests its domains with the shipped global Rego when it extends `meshgate`; a global
 * bundle given by path has no Rego sources to load, so its domains are tested on their own (and it says so).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MeshgateError, describeThrown, isMeshgateError } from '../errors.js';
import { discoverLayers, findOpa } from '../policy/build.js';
import { SHIPPED_GLOBAL, defaultPolicyDir } from '../policy/defaults.js';
import { EXIT, type CliIo } from './io.js';
import { extendsFor } from './project-config.js';

/** `meshgate test --help`. */
export const TEST_HELP = `usage: meshgate test [policies-dir] [--extends meshgate|path] [--config file] [--opa path]

Runs the Rego tests (*_test.rego) of a policies folder with \`opa test\`, once per layer: global/ alone, then
each domains/<name>/ together with the global rules; lib/ is loaded in every run.

options:
  [policies-dir]          the policies folder (default: policies)
      --extends <global>  for a folder with only domains/: meshgate tests them with the global rules shipped in
                          the package; a path to a global bundle has no Rego sources, so domains run alone.
                          Without it: \`extends\` of the config (below), if any
  -c, --config <file>     the meshgate.yaml to read \`extends\` from (default: meshgate.yaml next to the
                          policies folder, when there is one)
      --opa <path>        the OPA binary; without it: $MESHGATE_OPA, then opa on PATH, then .cache/bin/opa
                          (see "Installing OPA" in docs/authoring.md)
  -h, --help              this help

exit codes: 0 every test passed, 1 a test failed, 2 usage error, missing OPA or a Rego error
`;

/** One `opa test` run. */
export interface TestRun {
  /** What is tested (`global`, or a domain name). */
  layer: string;
  /** Paths given to `opa test`. */
  paths: string[];
}

/** The runs for a policies folder: global alone, then each domain with the global sources (when any), lib in each. */
export function planTestRuns(policiesDir: string, ext: string | undefined): { runs: TestRun[]; notes: string[] } {
  const layers = discoverLayers(policiesDir);
  const lib = (dir: string): string[] => (existsSync(join(dir, 'lib')) ? [join(dir, 'lib')] : []);
  const ownGlobal = layers.some((l) => l.name === 'global');
  if (ownGlobal && ext !== undefined) throw new MeshgateError('MG_CLI_USAGE', `${policiesDir} has its own global layer; --extends is for domain-only policies folders`);
  const notes: string[] = [];
  let global: string[] = [];
  if (ownGlobal) global = [join(policiesDir, 'global')];
  else if (ext === SHIPPED_GLOBAL) {
    const shipped = dirname(defaultPolicyDir());
    global = [join(shipped, 'global'), ...lib(shipped)];
  } else if (ext !== undefined) notes.push(`the global bundle ${ext} has no Rego sources here: domains are tested without the global rules`);
  else notes.push('no global layer and no --extends: domains are tested without the global rules');
  const runs: TestRun[] = [];
  if (ownGlobal) runs.push({ layer: 'global', paths: [...global, ...lib(policiesDir)] });
  for (const l of layers) if (l.name !== 'global') runs.push({ layer: l.name, paths: [join(policiesDir, l.dir), ...global, ...lib(policiesDir)] });
  return { runs, notes };
}

function parse(argv: readonly string[]): { dir: string; ext: string | undefined; opa: string | undefined; config: string | undefined } {
  let ext: string | undefined;
  let config: string | undefined;
  let opa: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    if (flag === '--extends' || flag === '--opa' || flag === '--config' || flag === '-c') {
      const value = eq > 0 ? raw.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new MeshgateError('MG_CLI_USAGE', `${flag} needs a value`);
      if (flag === '--extends') ext = value;
      else if (flag === '--opa') opa = value;
      else config = value;
    } else if (raw.startsWith('-') && raw !== '-') throw new MeshgateError('MG_CLI_USAGE', `unknown option ${raw}`);
    else positional.push(raw);
  }
  if (positional.length > 1) throw new MeshgateError('MG_CLI_USAGE', `expected one policies folder, got ${positional.join(' ')}`);
  return { dir: positional[0] ?? 'policies', ext, opa, config };
}

/** Runs `meshgate test`. Returns 0 (all passed), 1 (a test failed) or 2 (usage error, no OPA, Rego error). */
export async function runPolicyTest(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(TEST_HELP);
    return EXIT.ok;
  }
  try {
    const args = parse(argv);
    const dir = resolve(io.cwd, args.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MeshgateError('MG_BUILD_NO_POLICIES', `policies folder not found: ${dir}`, { location: { file: dir } });
    const ext = await extendsFor(dir, args.ext, args.config, io.cwd); // config mistakes first, before looking for OPA
    const opa = findOpa(args.opa, io.cwd);
    const { runs, notes } = planTestRuns(dir, ext);
    if (runs.length === 0) throw new MeshgateError('MG_BUILD_NO_POLICIES', `no layers (global/ or domains/<name>/) under ${dir}`);
    for (const n of notes) io.stderr(`meshgate test: note: ${n}\n`);
    let worst: number = EXIT.ok;
    for (const run of runs) {
      io.stdout(`meshgate test: ${run.layer}\n`);
      const r = spawnSync(opa, ['test', ...run.paths], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.error) throw new MeshgateError('MG_BUILD_OPA_FAILED', `${opa} test failed to run: ${describeThrown(r.error)}`, { cause: r.error });
      io.stdout(r.stdout);
      if (r.stderr) io.stderr(r.stderr);
      // opa test exits 0 when every test passed and non-zero otherwise; a run that got as far as a summary
      // (FAIL: n/m or ERROR: n/m) had failing tests, anything else (a parse or compile error) is an input error
      const code = r.status === 0 ? EXIT.ok : /^(FAIL|ERROR): \d+\/\d+$/m.test(r.stdout) ? EXIT.policy : EXIT.usage;
      worst = Math.max(worst, code);
    }
    return worst;
  } catch (e) {
    const err = isMeshgateError(e) ? e : new MeshgateError('MG_TEST_FAILED', describeThrown(e), { cause: e });
    io.stderr(`meshgate test: ${err.toString()}\n`);
    return EXIT.usage;
  }
}
