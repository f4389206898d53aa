/**
 * The text report orders the findings of one file by line and column, then layer, then rule: names by
 * UTF-16 code unit, the same on every machine whatever its locale (no ICU collation at run time).
 */
import { describe, expect, it } from 'vitest';
import { renderFileText, type FileResult } from '../src/report/index.js';
import type { Finding } from '../src/types.js';

const at = (rule: string, layer: string, line?: number): Finding => ({
  msg: `${layer}/${rule}`,
  rule,
  level: 'deny',
  enforcement: 'hard',
  layer,
  waived: false,
  ...(line === undefined ? {} : { location: { file: 'c.yaml', line, column: 1 } }),
});

describe('text report order', () => {
  it('sorts by line, then layer and rule by code unit; findings without a line last', () => {
    const findings = [at('b_rule', 'global', 3), at('a-rule', 'global', 3), at('B_rule', 'global', 3), at('z', 'finance', 3), at('first', 'global', 1), at('nowhere', 'global')];
    const r: FileResult = { file: 'c.yaml', kind: 'contract', allowed: false, findings };
    const msgs = renderFileText(r, { color: false, failOn: 'soft' })
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => /(\S+\/\S+)\s*\[hard\]/.exec(l)?.[1]);
    expect(msgs).toEqual(['global/first', 'finance/z', 'global/B_rule', 'global/a-rule', 'global/b_rule', 'global/nowhere']);
  });
});
