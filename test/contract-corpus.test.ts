import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { MeshgateError } from '../src/errors.js';
import { parseContract } from '../src/subjects/contract/parse.js';
import { bundlePath, CORPUS, skipCorpus } from './helpers/paths.js';

const DIR = join(CORPUS, 'contracts');
let engine: Engine;

beforeAll(async () => {
  // Public contracts name domains this board does not know: they run global only, with a warn finding
  // (the default, an MG_DOMAIN_UNKNOWN error decision, is tested in federation.test.ts).
  engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') }, unknownDomain: 'warn' });
});
afterAll(async () => {
  await engine.close();
});

describe.skipIf(skipCorpus('contract corpus'))('corpus: every public contract gives a Decision or a coded MeshgateError', () => {
  it('runs every file in ../shared/corpus/contracts', async () => {
    expect(existsSync(DIR), `corpus not found at ${DIR}`).toBe(true);
    const files = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort();
    expect(files.length).toBeGreaterThan(40);
    const counts: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    for (const f of files) {
      const text = readFileSync(join(DIR, f), 'utf8');
      try {
        const { format } = parseContract(text, { file: f });
        const d = await engine.checkContract(text, { file: f });
        counts[format] = (counts[format] ?? 0) + 1;
        outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
        // A decision, never a policy runtime error, and every finding located in the file.
        expect(d.errors, f).toEqual([]);
        expect(d.outcome, f).not.toBe('error');
        for (const finding of d.findings) expect(finding.location?.file, `${f} ${finding.rule}`).toBe(f);
      } catch (e) {
        if (!(e instanceof MeshgateError)) throw new Error(`${f}: uncaught ${e instanceof Error ? e.stack : String(e)}`);
        expect(e.code, f).toMatch(/^MG_CONTRACT_[A-Z_]+$/);
        expect(e.location?.file, f).toBe(f);
        expect(e.location?.line, f).toBeGreaterThanOrEqual(1);
        counts[e.code] = (counts[e.code] ?? 0) + 1;
      }
    }
    console.log('contract corpus by detected format:', JSON.stringify(counts), 'outcomes:', JSON.stringify(outcomes));
    expect(counts['dcs']).toBeGreaterThan(10);
    expect(counts['odcs-v3']).toBeGreaterThan(10);
    expect(counts['odcs-v2']).toBeGreaterThanOrEqual(2);
  });
});
