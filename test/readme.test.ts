/**
 * The README's library example, run as written (only the package import is pointed at the source and
 * the two inputs are given): it must compile, run, and print what the README says it prints.
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT } from './helpers/paths.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];

describe('README library example', () => {
  it('runs as written against the shipped policies', async () => {
    expect(block).toBeDefined();
    const dir = join(ROOT, 'test', '.generated');
    mkdirSync(dir, { recursive: true });
    const prelude = [
      `import { readFileSync } from 'node:fs';`,
      `const yamlText = readFileSync(${JSON.stringify(join(FIXTURES, 'contracts', 'failing', 'customer-profile-parquet.yaml'))}, 'utf8');`,
      `const planJson = readFileSync(${JSON.stringify(join(FIXTURES, 'plans', 'data-product-foundation.plan.json'))}, 'utf8');`,
    ].join('\n');
    const body = block!.replace(`from 'meshgate'`, `from '../../src/index.js'`);
    expect(body).not.toBe(block); // the example imports the package by name
    const file = join(dir, 'readme-example.ts');
    writeFileSync(file, `${prelude}\n${body}\nexport const results = { contract, plan, d };\n`);
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
    try {
      const mod = (await import(/* @vite-ignore */ file)) as { results: { contract: { allowed: boolean }; plan: { allowed: boolean }; d: { allowed: boolean; reason?: string } } };
      expect(mod.results.contract.allowed).toBe(false);
      expect(mod.results.plan.allowed).toBe(true);
      expect(mod.results.d.allowed).toBe(true);
    } finally {
      spy.mockRestore();
    }
    // the finding line the example prints: "<line> <layer>/<rule>: <msg>"
    expect(logs.some((l) => /^\d+ global\/contract_output_format: /.test(l))).toBe(true);
  });
});

describe('README links', () => {
  /** Every relative link target of the README: inline `[text](target)` and reference `[id]: target` links, and src/href attributes. */
  const targets = [
    ...[...readme.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...readme.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
    ...[...readme.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!),
  ].filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'));

  it('has relative links to check (the extraction works)', () => {
    expect(targets.length).toBeGreaterThan(10);
    expect(targets).toContain('docs/api/README.md');
  });

  it('every relative link resolves to a file or folder in the repository', () => {
    const missing = targets.filter((t) => !existsSync(join(ROOT, decodeURIComponent(t.split('#')[0]!))));
    expect(missing).toEqual([]);
  });
});
