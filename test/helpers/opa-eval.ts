/**
 * Runs the real OPA (`opa eval`) over many inputs in one process, for differential tests against the
 * WASM engine: `data.<package>` is evaluated once per input with `with input as`.
 */
import { execFileSync } from 'node:child_process';
import { OPA } from './paths.js';

/**
 * Evaluates `data.<pkg>` (e.g. `meshgate.terraform`) for each input with the Rego sources in `dirs`.
 * Returns one result per input (`undefined` when the package is undefined for it).
 */
export function opaEvalMany(dirs: string[], pkg: string, inputs: unknown[]): unknown[] {
  const query = `x := [r | some i; c := input.cases[i]; r := {"i": i, "v": data.${pkg}} with input as c]`;
  const args = ['eval', '--format', 'json', '--stdin-input', '--ignore', '*_test.rego'];
  for (const d of dirs) args.push('-d', d);
  args.push(query);
  const out = execFileSync(OPA, args, { input: JSON.stringify({ cases: inputs }), encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const parsed = JSON.parse(out) as { result?: Array<{ bindings: { x: Array<{ i: number; v: unknown }> } }> };
  const rows = parsed.result?.[0]?.bindings.x ?? [];
  const results: unknown[] = new Array(inputs.length).fill(undefined);
  for (const row of rows) results[row.i] = row.v;
  return results;
}

/** Keeps only the ABI keys of a package document, so helper rules do not count as differences. */
export function abiView(doc: unknown, keys: string[]): Record<string, unknown> | undefined {
  if (doc === undefined || doc === null || typeof doc !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (doc as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
