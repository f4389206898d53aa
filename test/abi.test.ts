/** The policy ABI checks: the hand-written fast check of access results accepts exactly what the ajv schema accepts. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ajvAccessShape, ajvComplianceShape, checkAccessResult, quickAccessShape, quickComplianceShape } from '../src/policy/abi.js';

const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true }));
const finding = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.record({ msg: fc.oneof(fc.string(), scalar), rule: fc.oneof(fc.string(), scalar), path: fc.oneof(fc.string(), scalar) }, { requiredKeys: [] }),
  scalar,
);
const strings = fc.oneof(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), fc.array(scalar, { maxLength: 3 }), scalar);
const result = fc.oneof(
  fc.record(
    {
      allow: fc.oneof(fc.boolean(), scalar),
      allow_rules: strings,
      deny: fc.oneof(fc.array(finding, { maxLength: 3 }), scalar),
      obligations: fc.oneof(fc.record({ mask: strings, row_filters: strings, extra: scalar }, { requiredKeys: [] }), scalar, fc.array(scalar)),
      other: scalar,
    },
    { requiredKeys: [] },
  ),
  scalar,
  fc.array(scalar, { maxLength: 2 }),
);

describe('access result shape', () => {
  it('quickAccessShape agrees with the ajv schema on 20 000 generated results', () => {
    let accepted = 0;
    fc.assert(
      fc.property(result, (r) => {
        const quick = quickAccessShape(r);
        expect(quick).toBe(ajvAccessShape(r));
        if (quick) accepted++;
      }),
      { numRuns: 20_000, seed: 42 },
    );
    expect(accepted).toBeGreaterThan(100); // both branches are exercised
  });

  it('a wrong shape is a coded error naming the layer, never an allow', () => {
    expect(() => checkAccessResult({ allow: 'yes' }, 'finance')).toThrowError(expect.objectContaining({ code: 'MG_POLICY_RESULT_SHAPE', message: expect.stringContaining('finance') }));
    expect(checkAccessResult({ deny: ['no'] }, 'global')).toMatchObject({ allow: false, deny: [{ msg: 'no', rule: 'meshgate.access' }] });
  });
});

describe('compliance result shape', () => {
  const compliance = fc.oneof(
    fc.record({ deny: fc.oneof(fc.array(finding, { maxLength: 3 }), scalar), warn: fc.oneof(fc.array(finding, { maxLength: 3 }), scalar), other: scalar }, { requiredKeys: [] }),
    scalar,
    fc.array(scalar, { maxLength: 2 }),
  );
  it('quickComplianceShape agrees with the ajv schema on 20 000 generated results', () => {
    let accepted = 0;
    fc.assert(
      fc.property(compliance, (r) => {
        const quick = quickComplianceShape(r);
        expect(quick).toBe(ajvComplianceShape(r));
        if (quick) accepted++;
      }),
      { numRuns: 20_000, seed: 7 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
