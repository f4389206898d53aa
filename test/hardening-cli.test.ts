/**
 * Hostile file-system inputs of `meshgate check`: a folder or a dangling symbolic link given as a file,
 * devices and FIFOs, glob patterns over symbolic-link loops, binary and UTF-16 files. Driven through the
 * file functions the CLI uses (expandOperands, checkFile) and through the built CLI process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { expandOperands } from '../src/cli/expand.js';
import { checkFile, type CheckTask } from '../src/cli/check-file.js';
import { bundlePath, FIXTURES, ROOT } from './helpers/paths.js';

let engine: Engine;
let tmp: string;
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

beforeAll(async () => {
  engine = await createEngine({ global: bundlePath('global') });
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-hostile-cli-'));
  mkdirSync(join(tmp, 'd', 'sub'), { recursive: true });
  copyFileSync(join(FIXTURES, 'contracts', 'customer-profile.yaml'), join(tmp, 'd', 'sub', 'c.yaml'));
  symlinkSync('..', join(tmp, 'd', 'sub', 'loop')); // d/sub/loop -> d
  symlinkSync(join(tmp, 'd'), join(tmp, 'd', 'sub', 'loop-abs'));
  symlinkSync('loop-b', join(tmp, 'd', 'loop-a')); // a two-link cycle: ELOOP
  symlinkSync('loop-a', join(tmp, 'd', 'loop-b'));
  symlinkSync('nowhere.yaml', join(tmp, 'dangling.yaml'));
  symlinkSync('/dev/zero', join(tmp, 'zero.yaml'));
  mkdirSync(join(tmp, 'folder.yaml'));
  mkdirSync(join(tmp, 'empty'));
  writeFileSync(join(tmp, 'binary.yaml'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0xff, 0xd8]));
  writeFileSync(join(tmp, 'utf16.yaml'), Buffer.from('domain: a\ndata_product: b\n', 'utf16le'));
  writeFileSync(join(tmp, 'empty.yaml'), '');
});
afterAll(async () => {
  await engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

function task(name: string): CheckTask {
  return { index: 0, path: join(tmp, name), display: name, explicit: true };
}

async function expandCode(ops: string[]): Promise<string> {
  try {
    await expandOperands(ops, tmp);
    return 'NO_ERROR';
  } catch (e) {
    if (e instanceof MeshgateError) return e.code;
    throw e;
  }
}

describe('the file functions of `meshgate check`', () => {
  it('a dangling symbolic link named as a file is MG_INPUT_NOT_FOUND', async () => {
    expect(await expandCode(['dangling.yaml'])).toBe('MG_INPUT_NOT_FOUND');
    const r = await checkFile(engine, task('dangling.yaml'), { failOn: 'soft' });
    expect(r.result?.allowed).toBe(false);
    expect(r.result?.error?.code).toBe('MG_INPUT_UNREADABLE');
  });

  it('a folder read as a file is MG_INPUT_IS_DIRECTORY', async () => {
    const r = await checkFile(engine, task('folder.yaml'), { failOn: 'soft' });
    expect(r.result?.allowed).toBe(false);
    expect(r.result?.error?.code).toBe('MG_INPUT_IS_DIRECTORY');
  });

  it('a device or FIFO named as a file is MG_INPUT_NOT_A_FILE (never read forever)', async () => {
    expect(await expandCode(['zero.yaml'])).toBe('MG_INPUT_NOT_A_FILE');
  });

  it('glob patterns and folders over symbolic-link loops terminate and find each file once', async () => {
    for (const op of ['d/**/*.yaml', 'd/**', '**/c.yaml', 'd']) {
      const { tasks } = await expandOperands([op], tmp);
      expect(tasks.map((t) => t.display)).toEqual(['d/sub/c.yaml']);
    }
  });

  it('binary, UTF-16 without a BOM and empty files are coded errors, not crashes', async () => {
    const codes: Record<string, string | undefined> = {};
    for (const name of ['binary.yaml', 'utf16.yaml', 'empty.yaml']) {
      const r = await checkFile(engine, task(name), { failOn: 'soft' });
      expect(r.result?.allowed).toBe(false);
      codes[name] = r.result?.error?.code;
    }
    expect(codes).toEqual({ 'binary.yaml': 'MG_CONTRACT_ENCODING', 'utf16.yaml': 'MG_CONTRACT_ENCODING', 'empty.yaml': 'MG_INPUT_EMPTY' });
  });
});

const haveCli = existsSync(CLI);
if (!haveCli) console.log('hardening-cli: the CLI process cases need dist/ (run `npx tsup`); the file-function cases above still run');

describe.skipIf(!haveCli)('the CLI process', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'check', ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });

  it('exits 2 with a coded message for a dangling link, a device and binary input', () => {
    const dangling = run('dangling.yaml');
    expect(dangling.status).toBe(2);
    expect(dangling.stderr).toContain('MG_INPUT_NOT_FOUND');
    const zero = run('zero.yaml');
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain('MG_INPUT_NOT_A_FILE');
    const bin = run('binary.yaml', '--format', 'json');
    expect(bin.status).toBe(2);
    expect(`${bin.stdout}${bin.stderr}`).toContain('MG_CONTRACT_ENCODING');
  });

  it('a glob over a symbolic-link loop finishes and checks the one real file', () => {
    const r = run('d/**/*.yaml');
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 file checked');
  });
});
