/** Unit tests of the CLI reporters' escaping and shapes (pure functions; the end-to-end runs are in cli.test.ts). */
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, renderGithub, renderJunit, toJsonReport, toSarif, toUri, xmlEscape, type Report } from '../src/report/index.js';
import type { Finding } from '../src/types.js';

const nasty = 'a <b> & "c" \'d\' 100% done,\r\nnext: line';

function finding(over: Partial<Finding> = {}): Finding {
  return { rule: 'r1', msg: nasty, level: 'deny', layer: 'global', enforcement: 'hard', waived: false, location: { file: 'dir/x y.yaml', line: 3, column: 2 }, ...over };
}

const report: Report = {
  failOn: 'soft',
  version: '9.9.9',
  results: [
    { file: 'dir/x y.yaml', kind: 'contract', allowed: false, findings: [finding(), finding({ rule: 'r2', level: 'warn', enforcement: 'advisory' }), finding({ rule: 'r3', waived: true })] },
    { file: 'ok.json', kind: 'plan', allowed: true, findings: [] },
    { file: 'bad.json', kind: 'plan', allowed: false, findings: [], error: { code: 'MG_PLAN_JSON_SYNTAX', message: 'bad <json>', location: { file: 'bad.json', line: 2, column: 1 } } },
  ],
};

describe('reporters', () => {
  it('github escapes %, CR, LF in messages and also : and , in properties', () => {
    expect(escapeData('50%\r\n')).toBe('50%25%0D%0A');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
    const lines = renderGithub(report).split('\n').filter((l) => l.startsWith('::'));
    expect(lines[0]).toBe(`::error file=dir/x y.yaml,line=3,col=2,title=meshgate global/r1::${escapeData(nasty)} [hard]`);
    expect(lines[1]).toMatch(/^::notice /);
    expect(lines[2]).toMatch(/^::notice .*waived/);
    expect(lines[3]).toMatch(/^::error file=bad.json,line=2,col=1,title=meshgate MG_PLAN_JSON_SYNTAX::bad <json>$/);
    for (const l of lines) expect(l).not.toMatch(/[\r]/);
  });

  it('junit escapes text and attributes so a parser gets the original back', () => {
    expect(xmlEscape('<&>"\'\u0001')).toBe('&lt;&amp;&gt;&quot;&apos;');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => ['testsuite', 'testcase'].includes(n), processEntities: true }).parse(renderJunit(report)) as {
      testsuites: { testsuite: Array<{ testcase: Array<{ '@_name': string; failure?: { '@_message': string }; 'system-out'?: string; error?: unknown }> }> };
    };
    const cases = doc.testsuites.testsuite[0]!.testcase;
    expect(cases.map((c) => c['@_name'])).toEqual(['global/r1', 'global/r2', 'global/r3']);
    expect(cases[0]!.failure?.['@_message']).toBe(nasty.replace(/\r\n/, '\n'));
    expect(cases[1]!.failure).toBeUndefined();
    expect(cases[2]!.failure).toBeUndefined();
    expect(doc.testsuites.testsuite[2]!.testcase[0]!.error).toBeDefined();
  });

  it('sarif: relative forward-slash URIs, levels by enforcement, suppressions for waivers', () => {
    expect(toUri('dir\\sub/x y.yaml')).toBe('dir/sub/x%20y.yaml');
    expect(toUri('./a.json')).toBe('a.json');
    const run = (toSarif(report)['runs'] as Array<{ results: Array<{ level: string; suppressions?: unknown[]; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }> }>)[0]!;
    expect(run.results.map((r) => r.level)).toEqual(['error', 'note', 'note']);
    expect(run.results[2]!.suppressions).toHaveLength(1);
    expect(run.results[0]!.locations[0]!.physicalLocation.region.startLine).toBe(3);
  });

  it('json: null for unknown values, summary counts', () => {
    const j = toJsonReport({ ...report, results: [{ file: 'a.yaml', kind: 'contract', allowed: true, findings: [finding({ enforcement: 'advisory', location: { file: 'a.yaml' } })] }] });
    expect(j.results[0]!.findings[0]).toMatchObject({ resource: null, location: { file: 'a.yaml', line: null, column: null } });
    expect(toJsonReport(report).summary).toEqual({ files: 3, passed: 1, failed: 1, errors: 1, findings: 3 });
  });
});
