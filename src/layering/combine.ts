/**
 * Combining per-layer access results into one answer (docs/layering.md): default deny; allowed iff
 * the global layer or the owning domain's layer allows and no layer denies — a deny always wins, so a
 * domain grant never overrides a global deny. Obligations of all evaluated layers are merged (union,
 * sorted) into null-prototype maps holding only the obligation kinds the ABI defines. Pure, no I/O.
 */
import type { AccessResult } from '../types.js';
import type { DenialReason, Finding, Obligations } from '../types.js';

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

/** The obligation kinds the policy ABI defines; every other key is refused. */
export const OBLIGATION_KINDS: readonly string[] = ['mask', 'row_filters'];
const KINDS = new Set(OBLIGATION_KINDS);

/** Empty obligations: a null-prototype map with every ABI kind present. */
export function emptyObligations(): Obligations {
  const o = Object.create(null) as Obligations;
  o.mask = [];
  o.row_filters = [];
  return o;
}

/** The obligation keys of a layer's result that the ABI does not define (own keys, `__proto__` included). */
export function unknownObligationKinds(o: Readonly<Record<string, unknown>>): string[] {
  let out: string[] | undefined;
  for (const k of Object.keys(o)) if (!KINDS.has(k)) (out ??= []).push(k);
  return out ?? [];
}

/** Merges obligations of several layers: each ABI kind's values are unioned (de-duplicated) and sorted; other keys are ignored. */
export function mergeObligations(parts: readonly Obligations[]): Obligations {
  const out = emptyObligations();
  for (const kind of OBLIGATION_KINDS) {
    const all = new Set<string>();
    for (const p of parts) {
      if (!Object.prototype.hasOwnProperty.call(p, kind)) continue;
      const v = p[kind];
      if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') all.add(x);
    }
    out[kind] = [...all].sort();
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
  if (findings.length > 0) return { allowed: false, reason: 'forbidden', findings, allowed_by: allowedBy, obligations: emptyObligations() };
  if (allowedBy.length === 0) return { allowed: false, reason: 'not_permitted', findings, allowed_by: allowedBy, obligations: emptyObligations() };
  return { allowed: true, findings, allowed_by: allowedBy, obligations: mergeObligations(obligations) };
}
