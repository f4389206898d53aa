/**
 * The GitHub Actions reporter: one workflow command per finding (`::error file=…,line=…,col=…,title=…::msg`),
 * `error` for failing findings and input errors, `warning` for non-failing deny/soft findings, `notice` for
 * advisory or waived ones, then a summary line. Values are escaped as the Actions runner expects.
 */
import type { Location } from '../types.js';
import type { Report } from './model.js';
import { plural, ruleId, severityOf, summarise } from './model.js';
import { escapeControls } from './escape.js';

/** Escapes a workflow command message: `%`, CR and LF percent-encoded, other control characters made visible. */
export function escapeData(s: string): string {
  return escapeControls(s, '\r\n').replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command property value (`%`, CR, LF, `:`, `,`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(kind: 'error' | 'warning' | 'notice', file: string, loc: Location | undefined, title: string, msg: string): string {
  const props = [`file=${escapeProperty(loc?.file ?? file)}`];
  if (loc?.line !== undefined) props.push(`line=${loc.line}`);
  if (loc?.line !== undefined && loc.column !== undefined) props.push(`col=${loc.column}`);
  props.push(`title=${escapeProperty(title)}`);
  return `::${kind} ${props.join(',')}::${escapeData(msg)}`;
}

/** Renders the annotations, one per line, and a closing summary line. */
export function renderGithub(report: Report): string {
  const out: string[] = [];
  for (const r of report.results) {
    if (r.error) {
      out.push(command('error', r.file, r.error.location, `meshgate ${r.error.code}`, r.error.message));
      continue;
    }
    for (const f of r.findings) {
      const sev = severityOf(f, report.failOn);
      const kind = sev === 'note' ? 'notice' : sev;
      const msg = `${f.msg}${f.resource ? ` (${f.resource})` : ''} [${f.enforcement}${f.waived ? ', waived' : ''}]`;
      out.push(command(kind, r.file, f.location, `meshgate ${ruleId(f)}`, msg));
    }
  }
  const s = summarise(report.results);
  out.push(`meshgate: ${plural(s.files, 'file')}, ${s.passed} passed, ${s.failed} failed, ${plural(s.errors, 'error')}, ${plural(s.findings, 'finding')}`);
  return `${out.join('\n')}\n`;
}
