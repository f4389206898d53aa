/**
 * Enforcement overrides per layer and rule, and the tighten-only bound: a domain may raise the
 * enforcement of a global rule for its own subjects, never lower it. Pure: no I/O.
 */
import { MeshgateError, type Location } from '../errors.js';
import type { Enforcement, Level } from '../types.js';
import { ENFORCEMENT_RANK, defaultEnforcement } from './merge.js';

/** Enforcement overrides: layer (`global` or a domain) → rule id → enforcement. */
export type EnforcementTable = Readonly<Record<string, Readonly<Record<string, Enforcement>>>>;

/** An own property of a record (never an inherited one such as `constructor`). */
function own<T>(rec: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** An enforcement override from the table, if set. */
export function overrideOf(table: EnforcementTable, layer: string, rule: string): Enforcement | undefined {
  return own(own(table, layer), rule);
}

/** The stronger of two enforcements. */
export function strongest(a: Enforcement, b: Enforcement): Enforcement {
  return ENFORCEMENT_RANK[a] >= ENFORCEMENT_RANK[b] ? a : b;
}

/**
 * Throws MG_CONFIG_LOWERS_GLOBAL when a domain section sets a rule that the global section also sets to a
 * weaker enforcement (the message names the rule, the domain and both levels). `locate` gives the
 * position of `enforcement.<domain>.<rule>` when the table came from a file.
 */
export function assertTightenOnly(table: EnforcementTable, locate?: (domain: string, rule: string) => Location): void {
  const global = own(table, 'global') ?? {};
  for (const [domain, rules] of Object.entries(table)) {
    if (domain === 'global') continue;
    for (const [rule, e] of Object.entries(rules)) {
      const g = own(global, rule);
      if (g !== undefined && ENFORCEMENT_RANK[e] < ENFORCEMENT_RANK[g]) {
        const location = locate?.(domain, rule);
        throw new MeshgateError(
          'MG_CONFIG_LOWERS_GLOBAL',
          `domain "${domain}" lowers global rule "${rule}" from ${g} to ${e}: a domain may only raise a global rule's enforcement`,
          location ? { location, details: { domain, rule, global: g, domainEnforcement: e } } : { details: { domain, rule, global: g, domainEnforcement: e } },
        );
      }
    }
  }
}

/**
 * The effective enforcement of a finding: the layer's own override (or the level's default: deny → hard,
 * warn → advisory); for a global-layer finding about a subject in `domain`, that domain's override of the
 * same rule can only raise it (the stronger of the two wins, so a lower domain value never weakens it).
 */
export function effectiveEnforcement(table: EnforcementTable, layer: string, rule: string, level: Level, domain?: string): Enforcement {
  let e = overrideOf(table, layer, rule) ?? defaultEnforcement(level);
  if (layer === 'global' && domain !== undefined && domain !== 'global') {
    const raised = overrideOf(table, domain, rule);
    if (raised !== undefined) e = strongest(e, raised);
  }
  return e;
}
