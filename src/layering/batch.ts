/**
 * Batched evaluation of a request's many small units (a plan's resources) before the decision path walks
 * them: for each layer with a generated batch view (`meshgate build`, see types.ts batchViewEntrypoint),
 * the units it applies to are evaluated many per call instead of one per call. Each unit's input inside
 * the batch is made by the view exactly as the decision path makes it for one evaluation
 * (`{resource, plan, layer, domain}`), and each result is then checked against the ABI by the decision path
 * like any other, so a batch changes cost, not outcome: one serialisation, one call into WebAssembly, one
 * result to parse per batch, where a 1 000-resource plan spent as long around its 1 000 evaluations as in
 * them.
 *
 * Nothing here decides. A batch that fails (a deadline, a policy error, a result without some unit) leaves
 * its units without a result, and the decision path evaluates them one by one as before, which attributes
 * each error to its unit; after a batch that threw, the layer's later units are not batched either. A unit is batched only when its input is exactly `{resource, plan}` with the plan
 * shared by the whole batch, so every unit's input in a batch differs from its single evaluation in nothing.
 */
import { BATCHED_ENTRYPOINTS, type Entrypoint } from '../types.js';
import { jsonString } from '../json-string.js';
import { domainLayerOf, resolveDomain } from './names.js';

/** What batching needs of a layer (a decide.ts BatchLayer has it). */
export interface BatchLayer {
  has(entrypoint: Entrypoint): boolean;
  hasBatch?(entrypoint: Entrypoint): boolean;
  evaluateBatch?(entrypoint: Entrypoint, json: string): unknown;
}

/** What batching reads of a unit (a decide.ts BatchUnit has it). */
export interface BatchUnit {
  readonly entrypoint: Entrypoint;
  readonly input: Readonly<Record<string, unknown>>;
  readonly inputJson?: string;
  readonly domains?: readonly string[];
}

/** Most units in one batch. */
export const BATCH_MAX_UNITS = 256;
/** Most characters of unit JSON in one batch (large resources make smaller batches). */
export const BATCH_MAX_CHARS = 1 << 20;
/** Fewest units of one layer worth a batch (below it the units are evaluated one by one). */
export const BATCH_MIN_UNITS = 4;

/** Results of batched units: by unit index, then by layer name. */
export type BatchResults = Map<number, Map<string, unknown>>;

/** A unit's own domain layers, as the decision path resolves them (canonical names, first one first, no repeats; no notes or errors: the decision path reports those). */
function ownDomains(unit: BatchUnit, known: ReadonlySet<string>, cache: Map<string, string | undefined>): string[] {
  const own: string[] = [];
  const domains = unit.domains;
  if (domains === undefined) return own;
  for (let i = 0; i < domains.length; i++) {
    const d = domains[i] as string;
    let c = cache.get(d);
    if (c === undefined && !cache.has(d)) {
      c = domainLayerOf(resolveDomain(d, known));
      cache.set(d, c);
    }
    if (c !== undefined && !own.includes(c)) own.push(c);
  }
  return own;
}

/** One unit of one layer's batch: its index in the request and its JSON inside the batch. */
interface Item {
  index: number;
  json: string;
}

/** Evaluates one batch into `out`; false when it threw (its units, and the layer's later ones, go one by one). */
function evaluateBatch(name: string, layer: BatchLayer, entrypoint: Entrypoint, items: readonly Item[], planJson: string, out: BatchResults): boolean {
  const text = `{"units":[${items.map((i) => i.json).join(',')}],"plan":${planJson},"layer":${jsonString(name)}}`;
  let result: unknown;
  try {
    result = layer.evaluateBatch?.(entrypoint, text);
  } catch {
    return false; // the units are evaluated one by one, which reports the error on its unit
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return true;
  const byIndex = result as Record<string, unknown>;
  if (!items.every((_, k) => Object.hasOwn(byIndex, String(k)))) return true;
  items.forEach((item, k) => {
    let m = out.get(item.index);
    if (m === undefined) out.set(item.index, (m = new Map()));
    m.set(name, byIndex[String(k)]);
  });
  return true;
}

/**
 * Evaluates, batch by batch, every unit of `units` that a layer with a batch view applies to; returns the
 * raw results by unit index and layer (units or layers missing from it are evaluated one by one).
 */
export function batchResults(layers: ReadonlyMap<string, BatchLayer>, units: readonly BatchUnit[], knownDomains: ReadonlySet<string>): BatchResults {
  const out: BatchResults = new Map();
  const first = units[0];
  if (units.length < BATCH_MIN_UNITS || first === undefined) return out;
  const plan = first.input['plan'];
  const cache = new Map<string, string | undefined>();
  // per entrypoint and layer: the units to batch, in request order
  const groups = new Map<string, { name: string; layer: BatchLayer; entrypoint: Entrypoint; items: Item[] }>();
  units.forEach((unit, index) => {
    const ep = unit.entrypoint;
    if (!BATCHED_ENTRYPOINTS.includes(ep) || unit.inputJson !== undefined) return;
    const input = unit.input;
    const keys = Object.keys(input);
    if (keys.length !== 2 || !Object.hasOwn(input, 'resource') || input['plan'] !== plan || plan === undefined) return;
    const own = ownDomains(unit, knownDomains, cache);
    let resourceJson: string | undefined; // serialised once for all its layers
    for (let j = -1; j < own.length; j++) {
      const name = j < 0 ? 'global' : (own[j] as string);
      const layer = layers.get(name);
      if (layer === undefined || !layer.has(ep) || layer.hasBatch?.(ep) !== true) continue;
      const domain = name === 'global' ? own[0] : name;
      try {
        resourceJson ??= JSON.stringify(input['resource']);
      } catch {
        return; // not serialisable: its single evaluation reports it
      }
      if (resourceJson === undefined) return;
      // what JSON.stringify({ resource, domain }) writes
      const json = `{"resource":${resourceJson},"domain":${domain === undefined ? 'null' : jsonString(domain)}}`;
      const key = `${ep}\u0000${name}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { name, layer, entrypoint: ep, items: [] }));
      g.items.push({ index, json });
    }
  });
  let planJson: string | undefined;
  try {
    planJson = JSON.stringify(plan);
  } catch {
    return out;
  }
  if (planJson === undefined) return out;
  for (const { name, layer, entrypoint, items } of groups.values()) {
    if (items.length < BATCH_MIN_UNITS) continue;
    let start = 0;
    let chars = 0;
    for (let k = 0; k <= items.length; k++) {
      const item = items[k];
      if (item === undefined || k - start >= BATCH_MAX_UNITS || (k > start && chars + item.json.length > BATCH_MAX_CHARS)) {
        // a batch that threw (a deadline, say) ends batching for this layer: every later unit is evaluated
        // alone, so a policy that loops costs at most one deadline more than without batches
        if (k > start && !evaluateBatch(name, layer, entrypoint, items.slice(start, k), planJson, out)) break;
        start = k;
        chars = 0;
      }
      if (item !== undefined) chars += item.json.length;
    }
  }
  return out;
}
