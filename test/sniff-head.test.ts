/**
 * `sniff` first looks at a 16 Ki-character head of a file and calls it a plan when the head already looks
 * like one; only otherwise does it decode the whole 1 Mi-character window. That is the same answer as
 * before only if a head that looks like a plan implies a window that does: held here on generated files
 * (wrapper lines, white space, keys on either side of the cut, multi-byte characters cut in half, UTF-16).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { headText, looksLikePlan, sniff } from '../src/cli/sniff.js';

const HEAD = 1 << 14;

const piece = fc.oneof(
  fc.constantFrom('{', '}', '\n', ' ', '\t', '::notice::x\n', '[command]/usr/bin/terraform show -json\n', '"format_version":', '"resource_changes" :', '"variables":', ':', '"', 'é', '€', '😀', 'kind: x\n'),
  fc.string({ maxLength: 8 }),
);
/** Text whose interesting parts sit around the head's end (a long filler moves them there). */
const text = fc.tuple(fc.array(piece, { maxLength: 6 }), fc.integer({ min: 0, max: HEAD + 64 }), fc.constantFrom(' ', 'a', 'é', '\n'), fc.array(piece, { maxLength: 6 })).map(([a, n, fill, b]) => a.join('') + fill.repeat(n) + b.join(''));

describe('sniff looks at a head first', () => {
  it('a head that looks like a plan means the whole window does (UTF-8 and UTF-16)', () => {
    fc.assert(
      fc.property(text, fc.constantFrom('utf8', 'utf16le'), (t, enc) => {
        const bytes = enc === 'utf8' ? Buffer.from(t, 'utf8') : Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]);
        if (looksLikePlan(headText(bytes, HEAD))) expect(looksLikePlan(headText(bytes))).toBe(true);
        // and sniff's answer is the one the whole window gives
        if (sniff(bytes, true).kind === 'plan') expect(looksLikePlan(headText(bytes))).toBe(true);
        else expect(looksLikePlan(headText(bytes))).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('a large plan is a plan, and a plan whose keys come only after the head is still found', () => {
    const plan = Buffer.from(`{"format_version":"1.2","resource_changes":[${'{"address":"a.b"},'.repeat(5000)}{}]}`);
    expect(sniff(plan, false).kind).toBe('plan');
    const late = Buffer.from(`{${' '.repeat(HEAD * 2)}"format_version":"1.2","planned_values":{}}`);
    expect(sniff(late, false).kind).toBe('plan');
    const contract = Buffer.from(`kind: DataContract\napiVersion: v3.0.0\n${'# x\n'.repeat(HEAD)}`);
    expect(sniff(contract, false).kind).toBe('contract');
  });
});
