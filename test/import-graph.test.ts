/**
 * The shape of the decision path (issue 16), read from the source: the import graph of src/** has no
 * cycle (type-only imports included), subjects import nothing from the policy part or the engine, and
 * the per-layer loop (evaluate every layer, then merge or combine) exists once, in src/layering/decide.ts.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths.js';

const SRC = join(ROOT, 'src');

/** Source modules: TypeScript, plus the JavaScript that the build generates into src/generated/ (committed). */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

/** Every relative module a file imports or re-exports (static, dynamic and `import('...')` types), as src-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out = new Set<string>();
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) {
    const asJs = resolve(dirname(file), m[1] as string);
    const target = existsSync(asJs) && asJs.endsWith('.js') ? asJs : resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts'));
    out.add(relative(ROOT, target).split('\\').join('/'));
  }
  return [...out];
}

const all = files(SRC).map((f) => relative(ROOT, f).split('\\').join('/'));
const graph = new Map(all.map((f) => [f, importsOf(join(ROOT, f))]));
const source = (f: string): string => readFileSync(join(ROOT, f), 'utf8');

describe('import graph of src/**', () => {
  it('resolves every relative import to a file (the graph is complete)', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${f} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('subjects import nothing from src/policy/** or src/engine.ts', () => {
    const bad = [...graph].filter(([f]) => f.startsWith('src/subjects/')).flatMap(([f, deps]) => deps.filter((d) => d.startsWith('src/policy/') || d === 'src/engine.ts').map((d) => `${f} -> ${d}`));
    expect(bad).toEqual([]);
  });

  it('the HTTP bundle source does not import the engine', () => {
    expect(graph.get('src/policy/http-source.ts')).not.toContain('src/engine.ts');
  });

  it('the per-layer loop exists once: only src/layering/decide.ts merges or combines layer results, or validates them inside a loop', () => {
    const merging = all.filter((f) => /\bmergeFindings\(|\bcombine\(/.test(source(f)) && !/export function (mergeFindings|combine)\(/.test(source(f)));
    expect(merging).toEqual(['src/layering/decide.ts']);
    const checking = all.filter((f) => /\bcheck(Compliance|Access)Result\(/.test(source(f)) && f !== 'src/policy/abi.ts');
    // engine.ts only has the low-level single-layer helpers (evaluateCompliance/evaluateAccess), no loop
    expect(checking.sort()).toEqual(['src/engine.ts', 'src/layering/decide.ts']);
    expect(source('src/engine.ts')).not.toMatch(/for \([^)]*\b(layerMap|layers)\b[^)]*\)[^{]*\{[^}]*check(Compliance|Access)Result/);
  });
});
