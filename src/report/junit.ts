/**
 * The JUnit XML reporter: one `<testsuite>` per file, one `<testcase>` per file and rule (a file with no
 * findings gets one passing `compliance` case), `<failure>` for failing findings, `<error>` when the file
 * could not be judged, and non-failing findings in `<system-out>`. All text is XML-escaped.
 */
import type { Finding } from '../types.js';
import type { FileResult, Report } from './model.js';
import { fails, plural, ruleId, summarise } from './model.js';

/** Escapes text for XML content and attribute values (also drops characters XML 1.0 forbids). */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function where(f: Finding, r: FileResult): string {
  const file = f.location?.file ?? r.file;
  return f.location?.line !== undefined ? `${file}:${f.location.line}${f.location.column !== undefined ? `:${f.location.column}` : ''}` : file;
}

function line(f: Finding, r: FileResult): string {
  return `${where(f, r)} ${f.level.toUpperCase()} [${f.enforcement}${f.waived ? ', waived' : ''}] ${ruleId(f)}: ${f.msg}${f.resource ? ` (${f.resource})` : ''}`;
}

function suite(r: FileResult, report: Report): { xml: string; tests: number; failures: number; errors: number } {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  const cls = xmlEscape(r.file);
  if (r.error) {
    errors = 1;
    const loc = r.error.location;
    const at = loc?.line !== undefined ? `${loc.file ?? r.file}:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}: ` : '';
    cases.push(
      `    <testcase classname="${cls}" name="${xmlEscape(`${r.kind} input`)}">\n      <error type="${xmlEscape(r.error.code)}" message="${xmlEscape(r.error.message)}">${xmlEscape(`${at}${r.error.message} [${r.error.code}]`)}</error>\n    </testcase>`,
    );
  } else if (r.findings.length === 0) {
    cases.push(`    <testcase classname="${cls}" name="compliance"/>`);
  } else {
    const byRule = new Map<string, Finding[]>();
    for (const f of r.findings) {
      const id = ruleId(f);
      const list = byRule.get(id) ?? [];
      list.push(f);
      byRule.set(id, list);
    }
    for (const [id, list] of byRule) {
      const failing = list.filter((f) => fails(f, report.failOn));
      const others = list.filter((f) => !fails(f, report.failOn));
      let body = '';
      if (failing.length > 0) {
        failures++;
        const first = failing[0] as Finding;
        body += `\n      <failure type="${xmlEscape(`${first.level}:${first.enforcement}`)}" message="${xmlEscape(first.msg)}">${xmlEscape(failing.map((f) => line(f, r)).join('\n'))}</failure>`;
      }
      if (others.length > 0) body += `\n      <system-out>${xmlEscape(others.map((f) => line(f, r)).join('\n'))}</system-out>`;
      cases.push(`    <testcase classname="${cls}" name="${xmlEscape(id)}">${body}\n    </testcase>`);
    }
  }
  const xml = `  <testsuite name="${cls}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0">\n${cases.join('\n')}\n  </testsuite>`;
  return { xml, tests: cases.length, failures, errors };
}

/** Renders the JUnit XML document. */
export function renderJunit(report: Report): string {
  const suites = report.results.map((r) => suite(r, report));
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const errors = suites.reduce((n, s) => n + s.errors, 0);
  const s = summarise(report.results);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="meshgate" tests="${tests}" failures="${failures}" errors="${errors}">\n` +
    `  <!-- ${plural(s.files, 'file')}: ${s.passed} passed, ${s.failed} failed, ${plural(s.errors, 'error')} -->\n` +
    suites.map((x) => x.xml).join('\n') +
    `${suites.length ? '\n' : ''}</testsuites>\n`
  );
}
