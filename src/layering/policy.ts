/**
 * createLayeringPolicy(): the LayeringPolicy the engine applies to every merged finding, built from the
 * config's enforcement table, soft-failure overrides and waivers. Keeps a usage record of waivers so that
 * expired, unused and wrongly scoped waivers can be reported ({@link waiverReport}). Pure: time comes
 * from the injectable `now`.
 */
import { MeshgateError, type Location } from '../errors.js';
import type { AppliedWaiver, Enforcement, Level } from '../types.js';
import { assertTightenOnly, effectiveEnforcement, type EnforcementTable } from './enforcement.js';
import type { LayerFinding, LayeringPolicy } from './merge.js';
import { expiryInstant, matchesSubject, toWaivers, type SubjectMatch, type Waiver, type WaiverEntry } from './waivers.js';

/** A recorded reason that overrides SOFT failures of a rule on matching subjects (never hard ones). */
export interface Override {
  /** The rule id. */
  rule: string;
  /** Only findings of this layer (default: any layer). */
  layer?: string;
  /** Which subjects (at least one key). */
  match: SubjectMatch;
  /** Why the soft failure is accepted (required, recorded on the finding). */
  reason: string;
  /** Who decided. */
  by: string;
  /** Optional expiry (same format as waivers). */
  expires?: string;
}

/** What a layering policy is built from (a loaded config has this shape). */
export interface LayeringConfig {
  /** Configured domain names (keys of `domains`), used to check that waivers and overrides name real layers. */
  domains?: Readonly<Record<string, unknown>> | readonly string[];
  /** Enforcement overrides: layer → rule → enforcement. */
  enforcement?: EnforcementTable;
  /** Soft-failure overrides. */
  overrides?: readonly Override[];
  /** Waivers: already scoped ones (from a loaded config), or entries by scope (`{global: [...], finance: [...]}`). */
  waivers?: readonly Waiver[] | Readonly<Record<string, readonly WaiverEntry[]>>;
}

/** The clock: a fixed instant or a function read at each use. */
export type Clock = Date | number | (() => Date | number);

/** Options of {@link createLayeringPolicy}. */
export interface LayeringPolicyOptions {
  /** The current time (default: the system clock). Waivers and overrides expire against it. */
  now?: Clock;
}

/** One waiver in a {@link WaiverReport}. */
export interface WaiverReportItem {
  /** Waiver id. */
  id: string;
  /** The waivers file (layer) it came from. */
  scope: string;
  /** The rule it names. */
  rule: string;
  /** Its expiry as written. */
  expires: string;
  /** Who approved it. */
  approved_by: string;
  /** How many findings it matched since the policy was created. */
  matches: number;
  /** Why it is listed (for wrong scope). */
  problem?: string;
  /** Where it was written. */
  location?: Location;
}

/** Waivers that need attention. */
export interface WaiverReport {
  /** Waivers past their expiry: they no longer apply. */
  expired: WaiverReportItem[];
  /** Valid, correctly scoped waivers that matched no finding. */
  unused: WaiverReportItem[];
  /** Domain waivers that name a global rule or another layer: never applied. */
  wrongScope: WaiverReportItem[];
}

/** A LayeringPolicy built from a config, with its waiver report. */
export interface ConfiguredLayeringPolicy extends LayeringPolicy {
  /** The effective enforcement of one finding (subject's domain aware). */
  enforcementOf(f: LayerFinding): Enforcement;
  /** A recorded override reason for a soft finding, if any. */
  overrideFor(f: LayerFinding): string | undefined;
  /** Expired, unused and wrongly scoped waivers (usage counted since creation or the last reset). */
  waiverReport(): WaiverReport;
  /** Forgets usage counts (for example between CI runs in one process). */
  resetUsage(): void;
  /** The waivers in force, in evaluation order (global first). */
  readonly waivers: readonly Waiver[];
}

interface Usage {
  matches: number;
  /** Set at creation: the waiver can never apply (it targets another layer). */
  invalid: string | undefined;
  /** Set when it matched a global finding it may not waive. */
  wrongScope: string | undefined;
}

function clockMs(now: Clock | undefined): number {
  const v = typeof now === 'function' ? now() : now ?? Date.now();
  return typeof v === 'number' ? v : v.getTime();
}

function scopedWaivers(w: LayeringConfig['waivers']): Waiver[] {
  if (w === undefined) return [];
  if (Array.isArray(w)) return [...(w as readonly Waiver[])];
  const out: Waiver[] = [];
  for (const [scope, entries] of Object.entries(w as Readonly<Record<string, readonly WaiverEntry[]>>)) out.push(...toWaivers([...entries], scope));
  return out;
}

/**
 * Builds the layering policy. Throws MG_CONFIG_LOWERS_GLOBAL when a domain lowers a global rule's
 * enforcement, MG_CONFIG_INVALID when a waiver, override or enforcement section names an unknown layer.
 */
export function createLayeringPolicy(config: LayeringConfig = {}, options: LayeringPolicyOptions = {}): ConfiguredLayeringPolicy {
  const table: EnforcementTable = config.enforcement ?? {};
  assertTightenOnly(table);
  const known = config.domains === undefined ? undefined : new Set(['global', ...(Array.isArray(config.domains) ? config.domains : Object.keys(config.domains))]);
  const checkLayer = (layer: string, what: string): void => {
    if (known && !known.has(layer)) throw new MeshgateError('MG_CONFIG_INVALID', `${what} names layer "${layer}", which is not configured (layers: ${[...known].join(', ')})`);
  };
  for (const layer of Object.keys(table)) checkLayer(layer, 'enforcement');
  const waivers = scopedWaivers(config.waivers).sort((a, b) => (a.scope === 'global' ? 0 : 1) - (b.scope === 'global' ? 0 : 1));
  const overrides = [...(config.overrides ?? [])];
  for (const o of overrides) {
    if (o.layer !== undefined) checkLayer(o.layer, `override of ${o.rule}`);
    if (!o.reason.trim() || !o.by.trim()) throw new MeshgateError('MG_CONFIG_INVALID', `override of ${o.rule} needs a recorded reason and who decided (by)`);
    if (o.expires !== undefined && Number.isNaN(expiryInstant(o.expires))) throw new MeshgateError('MG_CONFIG_INVALID', `override of ${o.rule}: expires is not a real date: ${o.expires}`);
  }
  const usage = new Map<Waiver, Usage>();
  const reset = (): void => {
    usage.clear();
    for (const w of waivers) {
      checkLayer(w.scope, `waiver ${w.id}`);
      const target = w.layer ?? w.scope;
      checkLayer(target, `waiver ${w.id}`);
      const wrong = w.scope !== 'global' && target !== w.scope ? `a ${w.scope} waiver cannot waive findings of layer ${target}` : undefined;
      usage.set(w, { matches: 0, invalid: wrong, wrongScope: undefined });
    }
  };
  reset();

  const enforcementOf = (f: LayerFinding): Enforcement => effectiveEnforcement(table, f.layer, f.finding.rule, f.level, f.domain);

  const waiverFor = (f: LayerFinding): AppliedWaiver | undefined => {
    const t = clockMs(options.now);
    let applied: AppliedWaiver | undefined;
    for (const w of waivers) {
      if (w.rule !== f.finding.rule || !matchesSubject(w.match, f)) continue;
      const u = usage.get(w) as Usage;
      if (u.invalid !== undefined) continue;
      const target = w.layer ?? w.scope;
      if (f.layer !== target) {
        if (w.scope !== 'global') {
          u.wrongScope =
            f.layer === 'global'
              ? `rule ${w.rule} is a global rule: only the global waivers file can waive it`
              : `rule ${w.rule} is a ${f.layer} rule: a ${w.scope} waiver cannot waive it`;
        }
        continue;
      }
      u.matches++;
      if (t >= w.expiresAt) continue; // expired: stops applying, reported
      applied ??= { id: w.id, reason: w.reason, approved_by: w.approved_by, expires: w.expires, scope: w.scope };
    }
    return applied;
  };

  const overrideFor = (f: LayerFinding): string | undefined => {
    const t = clockMs(options.now);
    for (const o of overrides) {
      if (o.rule !== f.finding.rule) continue;
      if (o.layer !== undefined && o.layer !== f.layer) continue;
      if (o.expires !== undefined && t >= expiryInstant(o.expires)) continue;
      if (!matchesSubject(o.match, f)) continue;
      return `${o.reason} (by ${o.by})`;
    }
    return undefined;
  };

  const waiverReport = (): WaiverReport => {
    const t = clockMs(options.now);
    const report: WaiverReport = { expired: [], unused: [], wrongScope: [] };
    for (const w of waivers) {
      const u = usage.get(w) as Usage;
      const item: WaiverReportItem = { id: w.id, scope: w.scope, rule: w.rule, expires: w.expires, approved_by: w.approved_by, matches: u.matches };
      if (w.location) item.location = w.location;
      const wrong = u.invalid ?? u.wrongScope;
      if (wrong !== undefined) report.wrongScope.push({ ...item, problem: wrong });
      else if (t >= w.expiresAt) report.expired.push(item);
      else if (u.matches === 0) report.unused.push(item);
    }
    return report;
  };

  return {
    enforcementFor: (layer: string, rule: string, level: Level) => effectiveEnforcement(table, layer, rule, level),
    enforcementOf,
    waiverFor,
    overrideFor,
    waiverReport,
    resetUsage: reset,
    waivers,
  };
}

/** The waiver report of a configured layering policy (expired, unused, wrong scope). */
export function waiverReport(policy: ConfiguredLayeringPolicy): WaiverReport {
  return policy.waiverReport();
}
