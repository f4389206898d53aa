/**
 * Combining per-layer access results into one answer (docs/layering.md): default deny; allowed iff
 * the global layer or the owning domain's layer allows and no layer denies — a deny always wins, so a
 * domain grant never overrides a global deny. Obligations of all evaluated layers are merged (union,
 * sorted). Pure, no I/O.
 */
import type { AccessResult } from '../../core.js';
import type { DenialReason, Finding, Obligations } from '../../types.js';

/** One layer's validated result (`undefined`: the layer has no access entrypoint or no opinion). */
export interface LayerAccessResult {
  /** The layer name. */
  layer: string;
  /** Its result. */
  result: AccessResult | undefined;
}

/** The combined answer (without ids, bundles and metrics). */
export interface AccessVerdict {
  /** Allowed? */
  allowed: boolean;
  /** Why not, when denied. */
  reason?: DenialReason;
  /** Deny findings of every layer, each naming its layer and rule. */
  findings: Finding[];
  /** `layer:rule` of every rule that allowed it. */
  allowed_by: string[];
  /** Merged obligations (empty when denied). */
  obligations: Obligations;
}

const canon = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));

function dedupeSort(items: unknown[]): unknown[] {
  if (items.every((x) => typeof x === 'string')) return [...new Set(items as string[])].sort();
  const seen = new Map<string, unknown>();
  for (const it of items) seen.set(canon(it), it);
  return [...seen.keys()].sort().map((k) => seen.get(k));
}

/** Merges obligations of several layers: every key's values are unioned (de-duplicated) and sorted. */
export function mergeObligations(parts: readonly Obligations[]): Obligations {
  const out: Obligations = { mask: [], row_filters: [] };
  for (const p of parts) {
    for (const key in p) {
      const v = p[key];
      if (v === undefined) continue;
      const items: unknown[] = Array.isArray(v) ? (v as unknown[]) : [v];
      const prev = out[key] as unknown[] | undefined;
      out[key] = prev !== undefined && prev.length > 0 ? prev.concat(items) : items.slice();
    }
  }
  for (const key in out) {
    const arr = out[key] as unknown[];
    if (arr.length > 1) out[key] = dedupeSort(arr);
  }
  return out;
}

/** Combines the layers' results into the final verdict (on the hot path: plain loops, no spreads). */
export function combine(results: readonly LayerAccessResult[]): AccessVerdict {
  const findings: Finding[] = [];
  const allowedBy: string[] = [];
  const obligations: Obligations[] = [];
  for (let i = 0; i < results.length; i++) {
    const { layer, result } = results[i]!;
    if (!result) continue;
    for (const d of result.deny) findings.push(Object.assign({}, d, { level: 'deny' as const, enforcement: 'hard' as const, layer, waived: false }));
    if (result.allow) {
      const rules = result.allow_rules;
      if (rules.length === 0) allowedBy.push(`${layer}:allow`);
      else {
        const sorted = rules.length > 1 ? rules.slice().sort() : rules;
        for (let j = 0; j < sorted.length; j++) allowedBy.push(`${layer}:${sorted[j]}`);
      }
    }
    obligations.push(result.obligations);
  }
  if (findings.length > 0) return { allowed: false, reason: 'forbidden', findings, allowed_by: allowedBy, obligations: { mask: [], row_filters: [] } };
  if (allowedBy.length === 0) return { allowed: false, reason: 'not_permitted', findings, allowed_by: allowedBy, obligations: { mask: [], row_filters: [] } };
  return { allowed: true, findings, allowed_by: allowedBy, obligations: mergeObligations(obligations) };
}
