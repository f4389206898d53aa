/**
 * The adoption edges that need no packed package: finding OPA as a user would (`--opa`, MESHGATE_OPA, PATH,
 * then the project's own build) and saying where to get it, `meshgate build --help` describing every option,
 * `meshgate init` refusing careless input and never overwriting, and `meshgate test` planning one run per layer.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HELP, parseBuildArgs, runBuild } from '../src/cli/build.js';
import { parseInitArgs, scaffold } from '../src/cli/init.js';
import { planTestRuns } from '../src/cli/policy-test.js';
import { MeshgateError } from '../src/errors.js';
import { findOpa } from '../src/policy/build.js';
import { defaultPolicyDir } from '../src/policy/defaults.js';
import { ROOT } from './helpers/paths.js';

let tmp = '';
const saved = { PATH: process.env['PATH'], MESHGATE_OPA: process.env['MESHGATE_OPA'] };

/** An executable file standing in for opa (findOpa only locates it). */
function fakeOpa(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, 'opa');
  writeFileSync(p, '#!/bin/sh\necho fake\n');
  chmodSync(p, 0o755);
  return p;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-adoption-'));
});
afterEach(() => {
  process.env['PATH'] = saved.PATH;
  if (saved.MESHGATE_OPA === undefined) delete process.env['MESHGATE_OPA'];
  else process.env['MESHGATE_OPA'] = saved.MESHGATE_OPA;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('finding OPA', () => {
  it('tries --opa, MESHGATE_OPA, opa on PATH, then the project build (.cache/bin/opa), in that order', () => {
    const project = join(tmp, 'project');
    const cached = fakeOpa(join(project, '.cache', 'bin'));
    const onPath = fakeOpa(join(tmp, 'path-bin'));
    const env = fakeOpa(join(tmp, 'env-bin'));
    const flag = fakeOpa(join(tmp, 'flag-bin'));
    process.env['PATH'] = dirname(onPath);
    process.env['MESHGATE_OPA'] = env;
    expect(findOpa(flag, project)).toBe(flag);
    expect(findOpa(relative(project, flag), project)).toBe(flag); // a relative --opa is read from the working directory
    expect(findOpa(undefined, project)).toBe(env);
    delete process.env['MESHGATE_OPA'];
    expect(findOpa(undefined, project)).toBe(onPath); // PATH before the project's own build
    process.env['PATH'] = join(tmp, 'empty');
    expect(findOpa(undefined, project)).toBe(cached);
    expect(findOpa(undefined, join(project, 'deeper', 'still'))).toBe(cached); // or in a parent
  });

  it('a given path that is not a file is an error, not a silent fall-through to another opa', () => {
    process.env['PATH'] = dirname(fakeOpa(join(tmp, 'other-bin')));
    process.env['MESHGATE_OPA'] = join(tmp, 'no-such-opa');
    expect(() => findOpa()).toThrow(/MESHGATE_OPA is .*no-such-opa, which is not a file/);
    expect(() => findOpa(tmp)).toThrow(/--opa is .*, which is not a file/);
  });

  it('not found: the error lists every place tried and points at the install docs, not at a script of ours', () => {
    const empty = join(tmp, 'nowhere');
    mkdirSync(empty, { recursive: true });
    process.env['PATH'] = empty;
    delete process.env['MESHGATE_OPA'];
    let err: unknown;
    try {
      findOpa(undefined, empty);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MeshgateError);
    const e = err as MeshgateError;
    expect(e.code).toBe('MG_OPA_NOT_FOUND');
    for (const tried of ['--opa', 'MESHGATE_OPA', 'opa on PATH', '.cache/bin/opa']) expect(e.message).toContain(tried);
    expect(e.message).toMatch(/Installing OPA" in docs\/authoring\.md/);
    expect(e.message).not.toMatch(/npm run build:opa/);
  });

  it('docs/authoring.md tells a package user how to install OPA and how meshgate finds it', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'authoring.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Installing OPA'));
    expect(doc).toContain('## Installing OPA');
    for (const must of ['brew install opa', 'github.com/open-policy-agent/opa/releases', 'go install github.com/open-policy-agent/opa', 'MESHGATE_OPA', '--opa', 'PATH']) expect(section).toContain(must);
  });
});

describe('meshgate build --help', () => {
  it('describes every option the parser accepts', async () => {
    const out: string[] = [];
    expect(await runBuild(['--help'], { stdout: (s) => out.push(s), stderr: () => undefined })).toBe(0);
    const help = out.join('');
    expect(help).toBe(BUILD_HELP);
    const flags = [...new Set(help.split('\n')[0]!.match(/--[a-z0-9-]+/g))];
    expect(flags.length).toBeGreaterThanOrEqual(9);
    for (const flag of flags) expect(help, flag).toMatch(new RegExp(`^\\s+(-\\w, )?${flag}\\b.*\\S+\\s{2,}\\S`, 'm'));
    // and every one of them parses
    expect(parseBuildArgs(['p', '--out', 'o', '--extends', 'meshgate', '--check', '--v0', '--opa', 'x'])).toMatchObject({ policiesDir: 'p', outDir: 'o', extends: 'meshgate', check: true, v0: true, opa: 'x' });
    expect(() => parseBuildArgs(['--check', '--signing-key', 'k'])).toThrow(/--check compares unsigned builds/);
  });
});

describe('meshgate init', () => {
  it('normalises nothing silently: upper case, look-alikes, global and no domain are refused; duplicates collapse', () => {
    expect(() => parseInitArgs(['--domain', 'Sales'])).toThrow(/did you mean sales\?/);
    expect(() => parseInitArgs(['--domain', 'sаles'])).toThrow(/lower-case ASCII/); // Cyrillic а
    expect(() => parseInitArgs(['--domain', 'global'])).toThrow(/not a domain/);
    expect(() => parseInitArgs(['--domain', '../x'])).toThrow(MeshgateError);
    expect(() => parseInitArgs([])).toThrow(/at least one --domain/);
    expect(() => parseInitArgs(['--domain', 'sales', '--bogus'])).toThrow(/unknown option --bogus/);
    expect(parseInitArgs(['repo', '-d', 'sales', '--domain=sales', '--domain', ' hr '])).toEqual({ dir: 'repo', plan: { domains: ['sales', 'hr'], extends: undefined } });
  });

  it('copies the shipped global rules with their tests byte for byte, and never overwrites: an existing file stops it before writing anything', () => {
    const repo = join(tmp, 'repo');
    const written = scaffold(repo, { domains: ['sales', 'hr'], extends: undefined });
    const shipped = dirname(defaultPolicyDir());
    for (const f of ['global/contract.rego', 'global/contract_test.rego', 'global/meshgate_config/access/data.json', 'lib/access.rego']) {
      expect(readFileSync(join(repo, 'policies', f), 'utf8'), f).toBe(readFileSync(join(shipped, f), 'utf8'));
    }
    expect(written).toContain(join('policies', 'domains', 'hr', 'contract.rego'));
    // CI installs the OPA the shipped bundles were built with (a revision includes it, so build --check needs it)
    const manifest = JSON.parse(readFileSync(join(defaultPolicyDir(), 'manifest.json'), 'utf8')) as { opa_version: string };
    expect(readFileSync(join(repo, '.github', 'workflows', 'meshgate.yml'), 'utf8')).toContain(`version: ${manifest.opa_version}\n`);
    expect(readFileSync(join(repo, 'meshgate.yaml'), 'utf8')).toMatch(/^global: policies\/dist\/global\.tar\.gz\ndomains:\n {2}sales: policies\/dist\/sales\.tar\.gz\n {2}hr: policies\/dist\/hr\.tar\.gz\n$/m);

    const other = join(tmp, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'meshgate.yaml'), 'mine\n');
    expect(() => scaffold(other, { domains: ['sales'], extends: 'meshgate' })).toThrow(/nothing written: these files already exist .*meshgate\.yaml/);
    expect(readFileSync(join(other, 'meshgate.yaml'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(other, 'policies'))).toBe(false);
    expect(() => scaffold(join(tmp, 'x'), { domains: ['sales'], extends: './no/such/bundle.tar.gz' })).toThrow(/no such global bundle/);
  });
});

describe('meshgate test runs', () => {
  it('global alone, then each domain with the global sources; lib in each; a domain-only folder with the shipped global when it extends meshgate', () => {
    scaffold(join(tmp, 'runs-repo'), { domains: ['sales', 'hr'], extends: undefined });
    const repo = join(tmp, 'runs-repo', 'policies');
    const { runs, notes } = planTestRuns(repo, undefined);
    expect(runs).toEqual([
      { layer: 'global', paths: [join(repo, 'global'), join(repo, 'lib')] },
      { layer: 'hr', paths: [join(repo, 'domains', 'hr'), join(repo, 'global'), join(repo, 'lib')] },
      { layer: 'sales', paths: [join(repo, 'domains', 'sales'), join(repo, 'global'), join(repo, 'lib')] },
    ]);
    expect(notes).toEqual([]);
    expect(() => planTestRuns(repo, 'meshgate')).toThrow(/has its own global layer/);

    const only = join(tmp, 'domain-only', 'policies');
    mkdirSync(join(only, 'domains', 'sales'), { recursive: true });
    const shipped = dirname(defaultPolicyDir());
    expect(planTestRuns(only, 'meshgate').runs).toEqual([{ layer: 'sales', paths: [join(only, 'domains', 'sales'), join(shipped, 'global'), join(shipped, 'lib')] }]);
    const byPath = planTestRuns(only, 'global.tar.gz');
    expect(byPath.runs).toEqual([{ layer: 'sales', paths: [join(only, 'domains', 'sales')] }]);
    expect(byPath.notes[0]).toMatch(/tested without the global rules/);
  });
});

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = (title: string): string => {
    const start = readme.indexOf(`## ${title}\n`);
    expect(start, title).toBeGreaterThanOrEqual(0);
    const end = readme.indexOf('\n## ', start + 1);
    return readme.slice(start, end < 0 ? undefined : end).trimEnd();
  };
  const commands = (text: string): string[] =>
    [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#')));

  it('still has exactly two set-up commands', () => {
    expect(commands(section('Set up'))).toHaveLength(2);
  });

  it('"Your own policies" is at most 15 lines and runs the same steps as the packed-package test, in order', () => {
    const own = section('Your own policies');
    expect(own.split('\n').length).toBeLessThanOrEqual(15);
    const steps = commands(own).map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(steps).toEqual(['npm install meshgate', 'npx meshgate init --domain sales', 'npx meshgate build', 'npx meshgate test', 'npx meshgate check --config meshgate.yaml contracts']);
  });
});
