/**
 * The CLI's edges (issue 17) and cosmetics (issue 20): every command refuses FIFOs and devices where it
 * expects a regular file (no hang), every I/O failure is coded (`--output /dev/full`, stdout on a full
 * disk), text output escapes control characters, ANSI escapes and workflow commands, errors carry their
 * position once, summaries count in the right number, SARIF rules are described by the rule, and a
 * mistyped command gets a suggestion. Pure functions are called directly; the CLI is spawned where the
 * process is the point (hangs, exit codes, stdout).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshgateError } from '../src/errors.js';
import { readInputFile, writeOutputFile } from '../src/cli/io.js';
import { closest } from '../src/cli/suggest.js';
import { escapeData } from '../src/report/github.js';
import { logSafe, logSafeLines } from '../src/report/escape.js';
import { renderFileText, renderGithub, renderJunit, toSarif, type FileResult, type Report } from '../src/report/index.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import type { Finding } from '../src/types.js';
import { CLI, ensureBuilt } from './helpers/cli.js';
import { FIXTURES } from './helpers/paths.js';

let tmp: string;
const HAVE_MKFIFO = spawnSync('mkfifo', ['--version']).status === 0;
const HAVE_DEV_FULL = existsSync('/dev/full');

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-edges-'));
  if (HAVE_MKFIFO) spawnSync('mkfifo', [join(tmp, 'pipe.json')]);
  const contract = readFileSync(join(FIXTURES, 'contracts', 'customer-profile.yaml'), 'utf8');
  writeFileSync(join(tmp, 'new.yaml'), contract);
  // an old version with a field whose name carries an ANSI escape and a workflow command after a newline
  writeFileSync(join(tmp, 'old.yaml'), contract.replace('    - name: first_engagement_date\n', '    - name: "evil\\e[31m\\n::error::pwned"\n      type: string\n    - name: first_engagement_date\n'));
  mkdirSync(join(tmp, 'evil'));
  writeFileSync(join(tmp, 'evil', '\u001b[2J\n::error title=x::pwned.yaml'), contract);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], options: { stdout?: number } = {}): { status: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: r.signal === 'SIGTERM' };
}

/** No line a CI runner would take as a workflow command, and no raw control character. */
function expectLogSafe(text: string): void {
  for (const line of text.split('\n')) {
    expect(line.trimStart().startsWith('::'), line).toBe(false);
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(line), JSON.stringify(line)).toBe(false);
  }
}

describe.skipIf(!HAVE_MKFIFO)('FIFOs are refused, never read forever', () => {
  for (const args of [['authorize', 'pipe.json'], ['diff', 'pipe.json', 'new.yaml'], ['audit', 'verify', 'pipe.json'], ['check', 'pipe.json'], ['authorize', '-', '--contracts', 'pipe.json'], ['check', 'new.yaml', '--config', 'pipe.json']]) {
    it(`meshgate ${args.join(' ')} exits 2 with MG_INPUT_NOT_A_FILE`, () => {
      const r = cli(args);
      expect(r.timedOut).toBe(false);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('MG_INPUT_NOT_A_FILE');
    });
  }

  it('readInputFile refuses a FIFO and a device, and names a folder', () => {
    const code = (path: string): string => {
      try {
        readInputFile(path, path);
        return 'read';
      } catch (e) {
        return e instanceof MeshgateError ? e.code : 'uncoded';
      }
    };
    expect(code(join(tmp, 'pipe.json'))).toBe('MG_INPUT_NOT_A_FILE');
    expect(code('/dev/zero')).toBe('MG_INPUT_NOT_A_FILE');
    expect(code(tmp)).toBe('MG_INPUT_IS_DIRECTORY');
    expect(code(join(tmp, 'missing.json'))).toBe('MG_INPUT_UNREADABLE');
  });

  it('--output to a FIFO nobody reads is MG_OUTPUT_WRITE, not a hang', () => {
    expect(() => writeOutputFile(join(tmp, 'pipe.json'), 'pipe.json', 'x')).toThrow(expect.objectContaining({ code: 'MG_OUTPUT_WRITE' }));
  });
});

describe.skipIf(!HAVE_DEV_FULL)('I/O errors are coded', () => {
  it('check --output /dev/full exits 2 with MG_OUTPUT_WRITE', () => {
    const r = cli(['check', 'new.yaml', '--format', 'json', '--output', '/dev/full']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot write: ENOSPC.*\[MG_OUTPUT_WRITE\]/);
    expect(r.stderr).not.toContain('internal error');
  });

  it('stdout on a full disk exits 2 with MG_OUTPUT_WRITE (not an uncaught exception, which exits 1 = "failed")', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = cli(['check', 'new.yaml'], { stdout: fd });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('[MG_OUTPUT_WRITE]');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      closeSync(fd);
    }
  });
});

describe('text output cannot inject into a terminal or a CI log', () => {
  const finding = (msg: string, resource?: string): Finding => ({ msg, rule: 'r', level: 'deny', enforcement: 'hard', layer: 'global', waived: false, ...(resource ? { resource } : {}) });

  it('logSafe escapes controls, ANSI, bidi and defuses workflow commands; logSafeLines indents continuation lines', () => {
    expect(logSafe('a\u001b[31mb\r\nc\u0007\u202e')).toBe('a\\e[31mb\\r\\nc\\x07\\u202e');
    expect(logSafe('::error::x')).toBe('\\::error::x');
    expect(logSafe('  ##[error]x')).toBe('  \\##[error]x');
    expect(logSafe('tab\tstays')).toBe('tab\tstays');
    expect(logSafeLines('first\n::warning::x\n  b\u001b', '    ')).toBe('first\n    \\::warning::x\n      b\\e');
  });

  it('renderFileText escapes findings, file names and error messages', () => {
    const evil = '\u001b]8;;http://x\u0007click\u001b]8;;\u0007\n::error file=a::pwned';
    const results: FileResult[] = [
      { file: `f${evil}.yaml`, kind: 'contract', allowed: false, findings: [finding(evil, evil)] },
      { file: 'g.yaml', kind: 'contract', allowed: false, findings: [], error: { code: 'MG_CONTRACT_SYNTAX', message: `bad ${evil}`, location: { file: 'g.yaml', line: 1 } } },
    ];
    for (const r of results) {
      const text = renderFileText(r, { color: false, failOn: 'soft' });
      expectLogSafe(text);
      expect(text).toContain('\\e]8;;http://x\\x07click');
    }
  });

  it('the GitHub reporter keeps its percent-encoding and also escapes other control characters', () => {
    expect(escapeData('50%\r\n\u001b[1m')).toBe('50%25%0D%0A\\e[1m');
  });

  it('check: a file name with a newline and a workflow command is printed escaped', () => {
    const r = cli(['check', 'evil']);
    expect(r.status).toBe(0);
    expectLogSafe(r.stdout);
    expectLogSafe(r.stderr);
    expect(r.stdout).toContain('\\e[2J\\n::error title=x::pwned.yaml');
  });

  it('diff: a field name with an ANSI escape and a workflow command is printed escaped', () => {
    const r = cli(['diff', 'old.yaml', 'new.yaml']);
    expect(r.stdout).toContain('evil\\e[31m\\n::error::pwned');
    expectLogSafe(r.stdout);
  });
});

describe('cosmetics', () => {
  it('MeshgateError.message carries file:line once; String(e) adds only the code', () => {
    const e = new MeshgateError('MG_X_Y', 'broken', { location: { file: 'a.yaml', line: 3, column: 1 } });
    expect(e.message).toBe('a.yaml:3:1: broken');
    expect(e.reason).toBe('broken');
    expect(String(e)).toBe('a.yaml:3:1: broken [MG_X_Y]');
    expect(e.toJSON()).toEqual({ code: 'MG_X_Y', message: 'broken', location: { file: 'a.yaml', line: 3, column: 1 } });
  });

  it('a plan syntax error names its position once on stderr', () => {
    writeFileSync(join(tmp, 'broken.plan.json'), readFileSync(join(FIXTURES, 'cli', 'malformed', 'broken.plan.json')));
    const r = cli(['check', 'broken.plan.json', '--format', 'json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^meshgate: broken\.plan\.json:5:36: plan is not valid JSON: [^\n]*\[MG_PLAN_JSON_SYNTAX\]\n/);
    expect(r.stderr).not.toMatch(/line \d+, column/);
  });

  it('"ODCS 2.3.0 is not supported" points at the apiVersion line', () => {
    const src = '# an ODCS v2 contract\ndomain: sales\nid: orders\nkind: DataContract\nstatus: active\ndataset:\n  - table: orders\napiVersion: v2.3.0\n';
    try {
      parseContract(src, { file: 'orders.yaml' });
      expect.unreachable('parsed');
    } catch (e) {
      expect(e).toBeInstanceOf(MeshgateError);
      expect((e as MeshgateError).code).toBe('MG_CONTRACT_VERSION_UNSUPPORTED');
      expect((e as MeshgateError).location?.line).toBe(8);
      expect((e as MeshgateError).message).toMatch(/^orders\.yaml:8:\d+: ODCS v2\.3\.0 is not supported/);
    }
  });

  const oneFile = (findings: Finding[], error?: FileResult['error']): Report => ({
    results: [{ file: 'a.yaml', kind: 'contract', allowed: false, findings, ...(error ? { error } : {}) }],
    failOn: 'soft',
    version: '0.0.0',
  });

  it('github and junit summaries say "1 file", "1 error", "1 finding"', () => {
    const broken = oneFile([], { code: 'MG_CONTRACT_SYNTAX', message: 'bad', location: { file: 'a.yaml' } });
    expect(renderGithub(broken)).toContain('meshgate: 1 file, 0 passed, 0 failed, 1 error, 0 findings');
    expect(renderJunit(broken)).toContain('<!-- 1 file: 0 passed, 0 failed, 1 error -->');
    const f: Finding = { msg: 'm', rule: 'r', level: 'deny', enforcement: 'hard', layer: 'global', waived: false };
    expect(renderGithub(oneFile([f]))).toContain('meshgate: 1 file, 0 passed, 1 failed, 0 errors, 1 finding');
  });

  it("a SARIF rule's fullDescription describes the rule, not its first finding", () => {
    const mk = (resource: string): Finding => ({ msg: `bucket ${resource} is not encrypted`, rule: 'pii_bucket_encryption', level: 'deny', enforcement: 'hard', layer: 'global', waived: false, resource });
    const sarif = toSarif(oneFile([mk('aws_s3_bucket.a'), mk('aws_s3_bucket.b')])) as { runs: Array<{ tool: { driver: { rules: Array<{ fullDescription: { text: string } }> } } }> };
    const rules = sarif.runs[0]!.tool.driver.rules;
    expect(rules).toHaveLength(1);
    expect(rules[0]!.fullDescription.text).not.toContain('aws_s3_bucket.a');
    expect(rules[0]!.fullDescription.text).toContain('pii_bucket_encryption');
  });

  it('a mistyped command gets "did you mean"', () => {
    expect(closest('chek', ['check', 'authorize', 'diff'])).toBe('check');
    expect(closest('authorise', ['check', 'authorize', 'diff'])).toBe('authorize');
    expect(closest('xyz', ['check', 'authorize', 'diff'])).toBeUndefined();
    const r = cli(['chek', '.']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "chek" — did you mean check?');
    const audit = cli(['audit', 'verfy', 'x.jsonl']);
    expect(audit.status).toBe(2);
    expect(audit.stderr).toContain('unknown subcommand "verfy" — did you mean verify?');
  });
});

