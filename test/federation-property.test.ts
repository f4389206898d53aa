/**
 * Property test of issue 16 through the real compiled bundles: requests, plans and contracts generated
 * with random casing, whitespace, confusable characters, sensitive markers and duplicate ids. No generated
 * variant of a denied input is allowed, and no sensitive value reaches any sink (decision or audit event).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEngine, type Engine } from '../src/engine.js';
import { memorySink } from '../src/audit/index.js';
import { bundlePath } from './helpers/paths.js';
import { bucketPlan } from './helpers/plans.js';

/** Confusable replacements (Cyrillic and Greek look-alikes of Latin letters). */
const CONFUSABLE: Record<string, string> = { a: '\u0430', e: '\u0435', o: '\u043e', p: '\u0440', c: '\u0441', x: '\u0445', i: '\u0456', n: '\u03b7' };
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'];
const SPACES = ['', ' ', '  ', '\t', '\u00a0', '\u3000'];

/** A spelling variant of `word`: random case per letter, surrounding whitespace, and maybe one confusable or invisible character. */
function variant(word: string): fc.Arbitrary<string> {
  return fc
    .record({
      cases: fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }),
      lead: fc.constantFrom(...SPACES),
      trail: fc.constantFrom(...SPACES),
      trick: fc.option(fc.record({ at: fc.nat(word.length - 1), kind: fc.constantFrom('confusable', 'invisible'), which: fc.nat(INVISIBLE.length - 1) })),
    })
    .map(({ cases, lead, trail, trick }) => {
      const chars = [...word].map((ch, i) => (cases[i] ? ch.toUpperCase() : ch));
      if (trick) {
        const at = trick.at;
        if (trick.kind === 'confusable') {
          const c = CONFUSABLE[(word[at] ?? '').toLowerCase()];
          if (c !== undefined) chars[at] = c;
        } else chars.splice(at, 0, INVISIBLE[trick.which] as string);
      }
      return `${lead}${chars.join('')}${trail}`;
    });
}

const SECRET = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((s) => `S3CR3T-${s}`);

describe('issue 16 properties: no variant of a denied input is allowed; no sensitive value reaches a sink', () => {
  let engine: Engine;
  const sink = memorySink();
  beforeAll(async () => {
    engine = await createEngine({ global: bundlePath('global'), domains: { finance: bundlePath('finance'), marketing: bundlePath('marketing') }, audit: [sink], subjects: { cacheSize: 0 } });
    engine.registerContract('data_product: fin.secret\nversion: 1.0.0\ndomain: finance\nowner: fin@company.com\nschema:\n  entry_id:\n    type: string\n    classification: restricted\n', { file: 'fin.yaml' });
  });

  it('access: a restricted product under any spelling of its id and domain is never allowed without clearance', () => {
    fc.assert(
      fc.property(variant('fin.secret'), fc.option(variant('finance')), fc.constantFrom('public', 'internal', ' Public '), fc.constantFrom('read', 'query'), (id, domain, classification, action) => {
        const product: Record<string, unknown> = { id, classification };
        if (domain !== null) product['domain'] = domain;
        const d = engine.authorize({ user: { id: 'u', department: 'finance', roles: ['analyst'], clearance: 'internal' }, action, dataProduct: product as { id: string } });
        expect(d.allowed).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('access: a duplicate contract under any spelling of the id never replaces the registered one without a higher version', () => {
    fc.assert(
      fc.property(variant('fin.secret'), fc.constantFrom('1.0.0', '0.1.0', undefined), (id, version) => {
        const text = `data_product: "${id.replace(/"/g, '')}"\n${version === undefined ? '' : `version: ${version}\n`}domain: finance\nowner: x@company.com\nschema:\n  entry_id:\n    type: string\n    classification: public\n`;
        try {
          engine.registerContract(text, { file: 'dup.yaml' });
        } catch {
          // refused (duplicate, or an id that is not a name): fine
        }
        const d = engine.authorize({ user: { id: 'u', department: 'finance', roles: ['analyst'] }, action: 'read', dataProduct: { id: 'fin.secret', classification: 'public' } });
        expect(d.allowed).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('plans: an unencrypted PII bucket is never allowed, whatever the spelling or sensitivity of its tags; sensitive values never reach a sink', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(variant('PII'), variant('personal data'), variant('sensitive-pii')),
        fc.boolean(),
        variant('finance'),
        SECRET,
        SECRET,
        async (classification, sensitiveTag, domain, secretAlg, secretName) => {
          sink.events.length = 0;
          const plan = bucketPlan(
            {
              bucket: secretName,
              tags: { Domain: domain, DataProduct: 'p', CostCenter: '1', ManagedBy: 'terraform', DataClassification: classification },
              logging: [{ target_bucket: secretName }],
              server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: secretAlg }] }] }],
            },
            {
              bucket: true,
              logging: [{ target_bucket: true }],
              server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: true }] }] }],
              ...(sensitiveTag ? { tags: { DataClassification: true } } : {}),
            },
          );
          const d = await engine.checkPlan(plan, { file: 'p.json' });
          expect(d.allowed).toBe(false);
          const all = JSON.stringify(d) + JSON.stringify(sink.events);
          expect(all).not.toContain(secretAlg);
          expect(all).not.toContain(secretName);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('contracts: a finance ledger with 5-year retention or an unencrypted PII field is never allowed, whatever the spelling of its domain or classification', async () => {
    await fc.assert(
      fc.asyncProperty(variant('finance'), fc.oneof(variant('pii'), variant('personal data')), fc.boolean(), async (domain, cls, shortRetention) => {
        const text = `data_product: ledger\ndomain: "${domain}"\nowner: fin@company.com\nversion: 1.0.0\n${shortRetention ? 'retention: P5Y\nencryption_protocol: AES256_GCM\n' : 'retention: P7Y\n'}schema:\n  holder:\n    type: string\n    classification: "${cls}"\n`;
        const d = await engine.checkContract(text, { file: 'c.yaml' });
        expect(d.allowed).toBe(false);
      }),
      { numRuns: 80 },
    );
  });
});
