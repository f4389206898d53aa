/**
 * `meshgate check <folder>` lists the folder's candidate files with a plain directory walk instead of
 * loading fast-glob: it must find exactly what fast-glob found with the options the CLI used (regular
 * files only, dot names, node_modules and .git skipped, symbolic links neither followed nor returned,
 * extensions matched case-sensitively), in the same order once sorted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fg from 'fast-glob';
import { expandOperands, findCandidates } from '../src/cli/expand.js';

let tmp: string;
let tree: string;

const fastGlob = (cwd: string): string[] =>
  fg.sync('**/*.{json,yaml,yml}', { cwd, absolute: true, onlyFiles: true, dot: false, ignore: ['**/node_modules/**', '**/.git/**'], followSymbolicLinks: false }).sort();

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-walk-'));
  tree = join(tmp, 'tree');
  const dirs = ['sub/deep/deeper', '.hidden', 'node_modules/pkg', 'sub/node_modules', '.git', 'dist', 'folder.json', 'sp ace', 'ünï'];
  for (const d of dirs) mkdirSync(join(tree, d), { recursive: true });
  const files = [
    'a.json', 'b.yaml', 'c.yml', 'd.JSON', 'e.Yaml', 'f.txt', 'g.json.bak', '.dot.json', 'sub/h.json', 'sub/deep/deeper/i.yaml',
    '.hidden/j.json', 'node_modules/pkg/k.json', 'sub/node_modules/l.json', '.git/m.json', 'dist/n.json', 'sp ace/o p.yml',
    'ünï/ß.json', '[x].json', '{y}.yaml', 'z*.yml', 'q?.json', 'json', 'yaml.', 'sub/deep/.r.yaml',
  ];
  for (const f of files) writeFileSync(join(tree, f), '{}');
  mkdirSync(join(tmp, 'outside'));
  writeFileSync(join(tmp, 'outside', 'o.json'), '{}');
  symlinkSync('a.json', join(tree, 'link.json'));
  symlinkSync(join(tmp, 'outside'), join(tree, 'linkdir'));
  symlinkSync('..', join(tree, 'sub', 'loop'));
  symlinkSync('nowhere.yaml', join(tree, 'dangling.yaml'));
  symlinkSync('/dev/null', join(tree, 'null.json'));
  spawnSync('mkfifo', [join(tree, 'fifo.json')]);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('folder walk without fast-glob', () => {
  it('finds exactly what fast-glob finds', () => {
    const expected = fastGlob(tree);
    expect(expected.length).toBeGreaterThan(8); // the fixture really exercises the walk
    expect(findCandidates(tree).sort()).toEqual(expected);
  });

  it('agrees on every sub-folder and through a symbolic link given as the folder', () => {
    for (const d of ['sub', 'sub/deep', 'dist', 'node_modules', '.hidden', 'linkdir', 'sp ace']) {
      expect(findCandidates(join(tree, d)).sort()).toEqual(fastGlob(join(tree, d)));
    }
  });

  it('expandOperands lists a folder in the same sorted order as before', async () => {
    const { tasks, warnings } = await expandOperands(['tree'], tmp);
    expect(warnings).toEqual([]);
    expect(tasks.map((t) => t.path)).toEqual(fastGlob(tree));
    expect(tasks.every((t) => !t.explicit)).toBe(true);
  });

  it('an empty folder still warns', async () => {
    mkdirSync(join(tmp, 'empty'));
    const { tasks, warnings } = await expandOperands(['empty'], tmp);
    expect(tasks).toEqual([]);
    expect(warnings).toEqual(['empty: no .json, .yaml or .yml files in this folder']);
  });
});
