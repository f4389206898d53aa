/**
 * Merging per-layer policy results into one list of findings: the union of all layers, each finding
 * naming its layer, rule, level and effective enforcement, with waivers applied. Pure: no I/O.
 */
import type { AppliedWaiver, Enforcement, Finding, Level, Location, RawFinding } from '../types.js';

/** One raw finding with where it came from, before enforcement and waivers. */
export interface LayerFinding {
  /** The layer that produced it. */
  layer: string;
  /** deny or warn. */
  level: Level;
  /** The normalised policy finding. */
  finding: RawFinding;
  /** Resource address the unit was about (Terraform). */
  resource?: string;
  /** Source location, when known. */
  location?: Location;
  /** Match keys for waivers. */
  match?: { contract_id?: string; file?: string };
  /**
   * The domain of the subject (unit) the finding is about, whatever layer produced it. For a global-layer
   * finding, the domain's enforcement override of the same rule can raise (never lower) its enforcement.
   */
  domain?: string;
}

/** Decides enforcement and waivers for findings; built from the engine config by the layering module. */
export interface LayeringPolicy {
  /** The effective enforcement of a rule in a layer for a level (without knowing the subject's domain). */
  enforcementFor(layer: string, rule: string, level: Level): Enforcement;
  /** The effective enforcement of one finding (knows its subject's domain); preferred over `enforcementFor` when present. */
  enforcementOf?(f: LayerFinding): Enforcement;
  /** The waiver covering this finding, if any (valid, in scope, not expired). */
  waiverFor(f: LayerFinding): AppliedWaiver | undefined;
  /** A recorded override reason for a soft failure of this finding, if any. */
  overrideFor?(f: LayerFinding): string | undefined;
}

/** Default enforcement: deny → hard, warn → advisory. */
export function defaultEnforcement(level: Level): Enforcement {
  return level === 'deny' ? 'hard' : 'advisory';
}

/** The layering policy with default enforcement and no waivers. */
export const DEFAULT_LAYERING: LayeringPolicy = {
  enforcementFor: (_layer, _rule, level) => defaultEnforcement(level),
  waiverFor: () => undefined,
};

/** Applies enforcement, overrides and waivers to every raw finding (the union of all layers). */
export function mergeFindings(items: readonly LayerFinding[], policy: LayeringPolicy = DEFAULT_LAYERING): Finding[] {
  const out: Finding[] = [];
  for (const item of items) {
    const enforcement = policy.enforcementOf ? policy.enforcementOf(item) : policy.enforcementFor(item.layer, item.finding.rule, item.level);
    const f: Finding = { ...item.finding, level: item.level, enforcement, layer: item.layer, waived: false };
    if (f.resource === undefined && item.resource !== undefined) f.resource = item.resource;
    if (item.location) f.location = item.location;
    const waiver = policy.waiverFor(item);
    if (waiver) {
      f.waived = true;
      f.waiver = waiver;
    } else if (enforcement === 'soft' && policy.overrideFor) {
      const reason = policy.overrideFor(item);
      if (reason) {
        f.overridden = true;
        f.override_reason = reason;
      }
    }
    out.push(f);
  }
  return out;
}

/** Order of enforcement strength. */
export const ENFORCEMENT_RANK: Record<Enforcement, number> = { advisory: 0, soft: 1, hard: 2 };

/**
 * True when a finding fails its subject at threshold `failOn` (default `soft`: hard and soft fail,
 * advisory never). Waived findings and overridden soft findings never fail.
 */
export function isFailing(f: Finding, failOn: Enforcement = 'soft'): boolean {
  if (f.waived) return false;
  if (f.enforcement === 'soft' && f.overridden) return false;
  return ENFORCEMENT_RANK[f.enforcement] >= ENFORCEMENT_RANK[failOn];
}
