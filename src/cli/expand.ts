/**
 * Expands the `check` command's operands into files, in a stable order: a file is taken as named
 * (explicit), a folder is searched for `*.json`, `*.yaml`, `*.yml` (skipping node_modules, .git and dot
 * files; by a plain directory walk, other candidate patterns by fast-glob), anything with glob characters
 * goes to fast-glob. Results are de-duplicated; expanded files are sorted.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MeshgateError } from '../errors.js';
import type { CheckTask } from './check-file.js';
import { HCL_HINT } from './sniff.js';

const CANDIDATES = '**/*.{json,yaml,yml}';
const IGNORE = ['**/node_modules/**', '**/.git/**'];

/** Folder names never searched (as fast-glob's `IGNORE` patterns above). */
const IGNORED_DIRS = new Set(['node_modules', '.git']);
/** The file names {@link CANDIDATES} matches (case-sensitive, as fast-glob). */
const CANDIDATE_NAME = /\.(?:json|yaml|yml)$/;

/**
 * The files {@link CANDIDATES} finds under `dir`, as fast-glob finds them with the options used here
 * (regular files only; names starting with a dot, `node_modules` and `.git` skipped; symbolic links
 * neither followed nor returned), without loading fast-glob: the common `meshgate check <folder>`.
 * Absolute paths, unsorted.
 */
export function findCandidates(dir: string): string[] {
  const out: string[] = [];
  const pending = [dir];
  for (let d = pending.pop(); d !== undefined; d = pending.pop()) {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(e.name)) pending.push(join(d, e.name));
      } else if (e.isFile() && CANDIDATE_NAME.test(e.name)) out.push(join(d, e.name));
    }
  }
  return out;
}

/** The name shown for a path: relative to `cwd` with forward slashes (absolute when outside `cwd`). */
export function displayName(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  return shown.split(sep).join('/');
}

/**
 * Expands operands into check tasks (folders searched for `candidates`, default JSON and YAML files).
 * Throws MG_INPUT_NOT_FOUND for a named path that does not exist.
 */
export async function expandOperands(operands: string[], cwd: string, candidates: string = CANDIDATES): Promise<{ tasks: CheckTask[]; warnings: string[] }> {
  // fast-glob is loaded only when a folder or pattern has to be expanded (not for files named explicitly)
  let glob: typeof import('fast-glob') | undefined;
  const fgLib = async (): Promise<typeof import('fast-glob')> => (glob ??= (await import('fast-glob')).default);
  const seen = new Set<string>();
  const tasks: CheckTask[] = [];
  const warnings: string[] = [];
  const add = (abs: string, explicit: boolean): void => {
    if (seen.has(abs)) return;
    seen.add(abs);
    tasks.push({ index: tasks.length, path: abs, display: displayName(abs, cwd), explicit });
  };
  for (const op of operands) {
    const abs = resolve(cwd, op);
    let st;
    try {
      st = statSync(abs);
    } catch {
      st = undefined;
    }
    if (st?.isFile()) {
      add(abs, true);
      continue;
    }
    if (st?.isDirectory()) {
      const found = candidates === CANDIDATES ? findCandidates(abs) : await (await fgLib())(candidates, { cwd: abs, absolute: true, onlyFiles: true, dot: false, ignore: IGNORE, followSymbolicLinks: false });
      found.sort();
      for (const f of found) add(resolve(f), false);
      if (found.length === 0) {
        const tf = await (await fgLib())('**/*.tf', { cwd: abs, onlyFiles: true, dot: false, ignore: IGNORE, followSymbolicLinks: false, deep: 3 });
        warnings.push(`${op}: no ${candidates === CANDIDATES ? '.json, .yaml or .yml' : candidates} files in this folder${tf.length > 0 ? ` (it holds Terraform source: ${HCL_HINT.replace(/^this is Terraform source; /, '')})` : ''}`);
      }
      continue;
    }
    if (st) {
      throw new MeshgateError('MG_INPUT_NOT_A_FILE', 'not a regular file or folder (a device, FIFO or socket)', { location: { file: op } });
    }
    if ((await fgLib()).isDynamicPattern(op)) {
      const pattern = op.split(sep).join('/');
      // Symbolic links to folders are not followed (as for folders): fast-glob has no loop detection.
      const found = await (await fgLib())(pattern, { cwd, absolute: true, onlyFiles: true, dot: false, ignore: IGNORE, followSymbolicLinks: false });
      found.sort();
      for (const f of found) add(resolve(f), false);
      if (found.length === 0) warnings.push(`${op}: the pattern matched no files`);
      continue;
    }
    throw new MeshgateError('MG_INPUT_NOT_FOUND', `no such file or directory`, { location: { file: op } });
  }
  return { tasks, warnings };
}
