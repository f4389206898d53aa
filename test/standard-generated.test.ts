/**
 * The vendored contract schemas' validators generated at build time (scripts/gen-standard-validators.mjs,
 * loaded by the built library and CLI from dist/standard/): each accepts and rejects exactly what
 * compiling the same schema at run time (src/ajv.ts publishedSchemaAjv, what the sources use) does, with
 * the same errors, and the build ships one for every vendored schema.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { publishedSchemaAjv } from '../src/ajv.js';
import { SCHEMAS, standaloneFile } from '../src/subjects/contract/standard.js';
import { yaml } from '../src/yaml.js';
import { ensureBuilt } from './helpers/cli.js';
import { FIXTURES, ROOT } from './helpers/paths.js';

const require = createRequire(import.meta.url);
const files = [...new Map(Object.values(SCHEMAS).map((s) => [s.file, s])).values()];

/** Documents of every standard, valid and broken in the usual ways. */
function documents(s: (typeof files)[number]): unknown[] {
  const odcs = yaml().parse(readFileSync(join(FIXTURES, 'contracts', 'standards', 'odcs-v3.2-orders.odcs.yaml'), 'utf8')) as Record<string, unknown>;
  const odcs2 = yaml().parse(readFileSync(join(FIXTURES, 'contracts', 'standards', 'odcs-v2-postgres.yaml'), 'utf8')) as Record<string, unknown>;
  const base = { ...(s.versionKey === 'apiVersion' ? (s.versionValue.startsWith('v2') ? odcs2 : odcs) : { id: 'orders', info: { title: 'Orders', version: '1.0.0' } }), [s.versionKey]: s.versionValue };
  return [
    base,
    {},
    { ...base, unknownTopLevelKey: true },
    { ...base, id: 5, info: 'not an object', status: ['x'] },
    { ...base, schema: [{ name: 7, properties: [{ name: 'a', logicalType: 'nonsense', required: 'yes' }] }], models: { m: { fields: { f: { type: 12 } } } } },
    { ...base, servers: { prod: { type: 'postgres', port: 'x' } }, quality: [{ type: 'sql' }] },
  ];
}

describe('build-time validators of the vendored contract schemas', () => {
  let dir: string;
  const generated = new Map<string, ValidateFunction>();
  beforeAll(async () => {
    // inside the project, so the generated code's require('ajv/dist/runtime/…') resolves as it does from dist/
    dir = mkdtempSync(join(ROOT, 'node_modules', '.meshgate-standard-test-'));
    const { generateStandard } = (await import(join(ROOT, 'scripts', 'gen-standard-validators.mjs'))) as { generateStandard: (out: string) => Promise<string[]> };
    await generateStandard(dir);
    for (const s of files) generated.set(s.file, require(join(dir, standaloneFile(s.file))) as ValidateFunction);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('each generated validator gives the verdict and the errors of the run-time compile', () => {
    for (const s of files) {
      const reference = publishedSchemaAjv(s.draft).compile(JSON.parse(readFileSync(join(ROOT, 'src', 'subjects', 'contract', 'schemas', s.file), 'utf8')) as object);
      const mine = generated.get(s.file) as ValidateFunction;
      let invalid = 0;
      for (const doc of documents(s)) {
        const ok = reference(doc);
        expect(mine(doc), `${s.file}: ${JSON.stringify(doc).slice(0, 80)}`).toBe(ok);
        expect(mine.errors ?? null, s.file).toEqual(reference.errors ?? null);
        if (!ok) invalid++;
      }
      expect(invalid, `${s.file}: the broken documents are rejected`).toBeGreaterThan(0);
    }
  });

  it('the build ships one for every vendored schema, beside the library', () => {
    ensureBuilt();
    for (const s of files) expect(existsSync(join(ROOT, 'dist', standaloneFile(s.file))), s.file).toBe(true);
  });
});
