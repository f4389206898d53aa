/**
 * The README's library example, run as written (only the package import is pointed at the source and
 * the two inputs are given): it must compile, run, and print what the README says it prints.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
