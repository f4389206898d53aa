/**
 * `meshgate diff <old> <new>`: lists the schema changes between two versions of a data contract (each
 * compatible or breaking, with locations in both files) and lets the `contract_change` policies judge
 * them (a breaking change without a major version bump fails). Exit 0 / 1 (policy failure) / 2.
 */
import { resolve } from 'node:path';
import { MeshgateError, type Location } from '../errors.js';
import { diffContracts } from '../subjects/contract/diff.js';
import type { Enforcement } from '../types.js';
import { logSafe, renderFileText, toJsonReport, type FileResult } from '../report/index.js';
import { flag, oneOf, parse, str } from './args.js';
import { createCliEngine, specPaths, type EngineSpec } from './engine-setup.js';
import { displayName } from './expand.js';
import { DIFF_HELP } from './help.js';
import { EXIT, readInputFile, type CliIo } from './io.js';

const at = (l: Location | undefined): string => (l?.file === undefined ? '' : `${l.file}${l.line !== undefined ? `:${l.line}${l.column !== undefined ? `:${l.column}` : ''}` : ''}`);


/** Runs `diff`; resolves to the exit code. */
export async function runDiff(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, {
    config: { type: 'string', short: 'c' },
    policies: { type: 'string' },
    domain: { type: 'string', short: 'd' },
    format: { type: 'string', short: 'f' },
    'fail-on': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flag(p, 'help')) {
    io.stdout(DIFF_HELP);
    return EXIT.ok;
  }
  if (p.positionals.length !== 2) throw new MeshgateError('MG_CLI_USAGE', 'diff needs two operands: <old contract> <new contract>');
  const format = oneOf('format', str(p, 'format'), ['text', 'json'] as const, 'text');
  const failOn: Enforcement = oneOf('fail-on', str(p, 'fail-on'), ['hard', 'soft', 'advisory'] as const, 'soft');
  const [oldOp, newOp] = p.positionals as [string, string];
  const oldPath = resolve(io.cwd, oldOp);
  const newPath = resolve(io.cwd, newOp);
  const oldFile = displayName(oldPath, io.cwd);
  const newFile = displayName(newPath, io.cwd);
  const oldSrc = readInputFile(oldPath, oldFile);
  const newSrc = readInputFile(newPath, newFile);
  const diff = diffContracts(oldSrc, newSrc, { oldFile, newFile });

  const spec: EngineSpec = { failOn, ...specPaths(str(p, 'config'), str(p, 'policies'), io.cwd) };
  const engine = await createCliEngine(spec, []);
  let result: FileResult;
  try {
    const domain = str(p, 'domain');
    const d = await engine.checkContractChange(oldSrc, newSrc, domain === undefined ? { oldFile, newFile } : { oldFile, newFile, domain });
    result = { file: newFile, kind: 'contract', allowed: d.allowed, findings: d.findings };
    const e = d.errors[0];
    if (d.outcome === 'error' && e) result.error = { code: e.code, message: d.errors.map((x) => x.message).join('; '), location: { file: newFile } };
  } finally {
    await engine.close();
  }
  const breaking = diff.changes.filter((c) => c.classification === 'breaking').length;
  if (format === 'json') {
    const json = {
      old: oldFile,
      new: newFile,
      old_version: diff.oldVersion ?? null,
      new_version: diff.newVersion ?? null,
      version_bump_ok: diff.versionBumpOk,
      changes: diff.changes.map((c) => ({ kind: c.kind, field: c.field, classification: c.classification, message: c.message, old: c.old ?? null, new: c.new ?? null })),
      result: toJsonReport({ results: [result], failOn, version: '' }).results[0],
    };
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const lines = [logSafe(`${oldFile} (${diff.oldVersion ?? 'no version'}) → ${newFile} (${diff.newVersion ?? 'no version'})`)];
    if (diff.changes.length === 0) lines.push('  no schema changes');
    for (const c of diff.changes) {
      const where = at(c.new ?? c.old);
      lines.push(`  ${c.classification === 'breaking' ? 'BREAKING  ' : 'compatible'}  ${where ? `${logSafe(where)}  ` : ''}${c.kind}  ${logSafe(c.field)}: ${logSafe(c.message)}`);
    }
    lines.push(`  ${diff.changes.length} change${diff.changes.length === 1 ? '' : 's'}, ${breaking} breaking; version bump ${diff.versionBumpOk ? 'ok' : 'insufficient (breaking changes need a major bump)'}`);
    io.stdout(`${lines.join('\n')}\n\npolicy verdict:\n${renderFileText(result, { color: io.stdoutIsTTY && io.env['NO_COLOR'] === undefined, failOn })}`);
  }
  if (result.error) return EXIT.usage;
  return result.allowed ? EXIT.ok : EXIT.policy;
}
