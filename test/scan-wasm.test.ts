/**
 * The WebAssembly scanner of all-ASCII plans (src/subjects/terraform/scan-wasm.ts) returns exactly what the
 * JavaScript scanner returns on the same text: the end of the top-level value, the depth cut and where it
 * happened, and the line and column of every `resource_changes` element. Held on arbitrary JSON (and
 * JSON-like) text, on truncated, wrapped and deeply nested text, on the fixtures' plans and on every plan
 * of the corpus; and a plan parsed through either path gives the same positions in its decision.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanAsciiJson } from '../src/subjects/terraform/scan-wasm.js';
import { lineAt, scanJson } from '../src/subjects/terraform/scan.js';
import { parsePlan } from '../src/subjects/terraform/parse.js';
import { CORPUS, FIXTURES, skipCorpus } from './helpers/paths.js';

const ascii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

/** Both scanners on `text` from `start` (the text must be ASCII). */
function both(text: string, start: number, maxDepth: number): { js: unknown; wasm: unknown } {
  const bytes = new TextEncoder().encode(text);
  const wasm = scanAsciiJson(bytes, start, lineAt(text, start), maxDepth);
  expect(wasm).toBeDefined(); // Node 20 on x64 runs WebAssembly SIMD
  return { js: scanJson(text, start, maxDepth), wasm };
}

function agree(text: string, start = 0, maxDepth = 256): void {
  const { js, wasm } = both(text, start, maxDepth);
  expect(wasm).toEqual(js);
}

const asciiJson = fc.json({ maxDepth: 6 }).filter(ascii);
const plan = fc
  .record({
    pre: fc.constantFrom('', '\n', '[command]terraform show -json\n', '  \n'),
    rcs: fc.array(fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }))), { maxLength: 6 }),
    other: fc.dictionary(fc.constantFrom('format_version', 'planned_values', 'resource_changes_x', 'resource\\"changes', 'a'), fc.jsonValue({ maxDepth: 3 })),
    pretty: fc.boolean(),
    post: fc.constantFrom('', '\n', '\n::debug::done\n'),
  })
  .map(({ pre, rcs, other, pretty, post }) => pre + JSON.stringify({ ...other, resource_changes: rcs }, null, pretty ? 1 : undefined) + post)
  .filter(ascii);

describe('the WebAssembly scanner', () => {
  it('agrees with scanJson on arbitrary ASCII JSON', () => {
    fc.assert(
      fc.property(asciiJson, (j) => agree(j)),
      { numRuns: 2000 },
    );
  });

  it('agrees on plan-shaped text: wrapper lines, pretty or compact, keys that look like resource_changes', () => {
    fc.assert(
      fc.property(plan, (text) => {
        const start = text.search(/[{[]/);
        agree(text, start < 0 ? 0 : start);
        expect(both(text, Math.max(0, start), 256).wasm).toHaveProperty('resourceChanges');
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees on every prefix of a plan (truncated files), and on text that is not JSON at all', () => {
    const text = JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'a["x\\"y"]', change: {} }, { address: 'b' }], z: [1, '\\\\'] }, null, 1);
    for (let n = 0; n <= text.length; n++) agree(text.slice(0, n));
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '\n', 'a', ' ') }), (s) => agree(s)),
      { numRuns: 2000 },
    );
  });

  it('cuts at the same depth and place as scanJson', () => {
    for (const depth of [1, 2, 3, 10, 255, 256, 257, 400]) {
      const text = `{"resource_changes":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      for (const max of [2, 3, 256]) agree(text, 0, max);
      agree(`\n\n  ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, 4, 256);
    }
  });

  it('agrees on the fixtures plans (the malformed one included)', () => {
    const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.plan.json'));
    let checked = 0;
    for (const f of files) {
      const text = readFileSync(join(FIXTURES, f), 'utf8');
      if (!ascii(text)) continue;
      agree(text, Math.max(0, text.search(/[{[]/)));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(7);
  });

  it('gives the plan parser the same positions (large ASCII bytes take the WebAssembly path)', () => {
    const rc = (k: number) => ({ address: `x.a${k}`, mode: 'managed', type: 'x', name: `a${k}`, change: { actions: ['create'], before: null, after: { pad: 'p'.repeat(200) } } });
    const text = JSON.stringify({ format_version: '1.2', resource_changes: Array.from({ length: 400 }, (_, k) => rc(k)) }, null, 2);
    expect(text.length).toBeGreaterThan(64 * 1024);
    const fromBytes = parsePlan(new TextEncoder().encode(text), { file: 'p.json' });
    const fromText = parsePlan(text, { file: 'p.json' });
    expect(fromBytes.positions).toHaveLength(400);
    expect(fromBytes.positions).toEqual(fromText.positions);
    expect(fromBytes.positions?.slice(0, 2).map((p) => p.line)).toEqual([4, 19]);
  });
});

describe.skipIf(skipCorpus('scan-wasm corpus'))('the WebAssembly scanner on the corpus', () => {
  it('agrees with scanJson on every ASCII plan of the corpus', () => {
    const dir = join(CORPUS, 'tfplan');
    let checked = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const text = readFileSync(join(dir, f), 'utf8');
      if (!ascii(text)) continue;
      agree(text, Math.max(0, text.search(/[{[]/)));
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});
