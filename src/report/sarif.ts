/**
 * The SARIF 2.1.0 reporter (accepted by GitHub code scanning): one run, the rules met in this run with
 * their layer and default level, one result per finding with a physical location (relative URI, region),
 * waived findings as suppressed results, and input errors as tool execution notifications.
 */
import type { Enforcement, Finding } from '../types.js';
import type { FileResult, Report } from './model.js';
import { ruleId, severityOf } from './model.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFO_URI = 'https://github.com/meshgate/meshgate';

type SarifLevel = 'error' | 'warning' | 'note';

const defaultLevel = (e: Enforcement): SarifLevel => (e === 'hard' ? 'error' : e === 'soft' ? 'warning' : 'note');

/** A relative URI with forward slashes (SARIF artifactLocation.uri). */
export function toUri(file: string): string {
  const s = file.replace(/\\/g, '/').replace(/^\.\//, '');
  return s
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%40/g, '@'))
    .join('/');
}

function region(line: number | undefined, column: number | undefined): Record<string, number> | undefined {
  if (line === undefined || line < 1) return undefined;
  const r: Record<string, number> = { startLine: line };
  if (column !== undefined && column >= 1) r['startColumn'] = column;
  return r;
}

function physical(file: string, line: number | undefined, column: number | undefined): Record<string, unknown> {
  const loc: Record<string, unknown> = { artifactLocation: { uri: toUri(file) } };
  const reg = region(line, column);
  if (reg) loc['region'] = reg;
  return { physicalLocation: loc };
}

function resultOf(f: Finding, r: FileResult, failOn: Enforcement, index: number): Record<string, unknown> {
  const text = f.resource ? `${f.msg} (${f.resource})` : f.msg;
  const out: Record<string, unknown> = {
    ruleId: ruleId(f),
    ruleIndex: index,
    level: severityOf(f, failOn),
    message: { text },
    locations: [physical(f.location?.file ?? r.file, f.location?.line, f.location?.column)],
    properties: { layer: f.layer, enforcement: f.enforcement, kind: r.kind, ...(f.resource ? { resource: f.resource } : {}) },
  };
  if (f.waived) {
    out['suppressions'] = [{ kind: 'external', status: 'accepted', justification: f.waiver?.reason ?? 'waived' }];
  }
  return out;
}

/**
 * A rule's description, from what is known of the rule itself (never one finding's message, which names
 * one resource or field): its id, layer, enforcement and severity, and its remediation when it gives one.
 */
function ruleDescription(f: Finding): string {
  const base = `Policy rule ${f.rule} of the ${f.layer} layer (${f.enforcement} enforcement${f.severity ? `, severity ${f.severity}` : ''}).`;
  return f.remediation ? `${base} ${f.remediation}` : `${base} Each result's message says what it found.`;
}

/** Builds the SARIF log object. */
export function toSarif(report: Report): Record<string, unknown> {
  const rules: Array<Record<string, unknown>> = [];
  const ruleIndex = new Map<string, number>();
  const results: Array<Record<string, unknown>> = [];
  const notifications: Array<Record<string, unknown>> = [];
  for (const r of report.results) {
    if (r.error) {
      notifications.push({
        level: 'error',
        descriptor: { id: r.error.code },
        message: { text: `${r.error.message} [${r.error.code}]` },
        locations: [physical(r.error.location?.file ?? r.file, r.error.location?.line, r.error.location?.column)],
      });
      continue;
    }
    for (const f of r.findings) {
      const id = ruleId(f);
      let idx = ruleIndex.get(id);
      if (idx === undefined) {
        idx = rules.length;
        ruleIndex.set(id, idx);
        rules.push({
          id,
          name: f.rule,
          shortDescription: { text: `${f.rule} (${f.layer} layer)` },
          fullDescription: { text: ruleDescription(f) },
          ...(f.remediation ? { help: { text: f.remediation } } : {}),
          defaultConfiguration: { level: defaultLevel(f.enforcement) },
          properties: { layer: f.layer, enforcement: f.enforcement, ...(f.severity ? { severity: f.severity } : {}) },
        });
      }
      results.push(resultOf(f, r, report.failOn, idx));
    }
  }
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'meshgate', version: report.version, semanticVersion: report.version, informationUri: INFO_URI, rules } },
        invocations: [{ executionSuccessful: notifications.length === 0, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
}

/** Renders the SARIF log (pretty-printed, trailing newline). */
export function renderSarif(report: Report): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}
