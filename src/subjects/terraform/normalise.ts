/**
 * Normalises a parsed plan of any format_version into {@link NormalisedPlan}: flattens `planned_values`
 * child modules, joins `resource_changes` with the configuration (module-aware) and provider
 * `default_tags`, and records `resource_drift`. Pure.
 */
import type { ConfigResource, DriftRecord, NormalisedPlan, PlanAction, PlanResource } from './model.js';
import { isObject, type ParsedPlan } from './parse.js';
import { redactSensitive } from './values.js';

const INDEX_RE = /\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]/g;

/** Removes instance keys from a module address: `module.a["x"].module.b[0]` → `module.a.module.b`. */
export function stripIndices(address: string): string {
  return address.includes('[') ? address.replace(INDEX_RE, '') : address; // every match starts with `[`
}

/** Summarises raw change actions. */
export function summariseActions(actions: string[]): PlanAction {
  if (actions.length === 2 && actions.includes('delete') && actions.includes('create')) return 'replace';
  const a = actions[0];
  switch (a) {
    case 'create':
    case 'update':
    case 'delete':
    case 'read':
    case 'forget':
      return a;
    case 'no-op':
      return 'no-op';
    default:
      return 'unknown';
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function objOrNull(v: unknown): Record<string, unknown> | null {
  return isObject(v) ? v : null;
}

/** Splits a resource address into module instance address and the resource part. */
function splitAddress(address: string, type: string, name: string, mode: string): string {
  const marker = `${mode === 'data' ? 'data.' : ''}${type}.${name}`;
  const at = address.lastIndexOf(marker);
  if (at <= 0) return '';
  return address.slice(0, at - 1);
}

/** Collects configuration resources by module path + address, and provider default_tags by config key. */
function readConfiguration(configuration: unknown): { resources: Map<string, ConfigResource>; defaultTags: Map<string, Record<string, unknown>> } {
  const resources = new Map<string, ConfigResource>();
  const defaultTags = new Map<string, Record<string, unknown>>();
  if (!isObject(configuration)) return { resources, defaultTags };
  const providers = configuration['provider_config'];
  if (isObject(providers)) {
    for (const key of Object.keys(providers)) {
      const p = providers[key];
      if (!isObject(p) || !isObject(p['expressions'])) continue;
      const blocks = p['expressions']['default_tags'];
      const block = Array.isArray(blocks) ? blocks[0] : blocks;
      if (isObject(block) && isObject(block['tags']) && isObject(block['tags']['constant_value'])) {
        defaultTags.set(key, block['tags']['constant_value']);
      }
    }
  }
  const walk = (mod: unknown, prefix: string, depth: number, callers: Record<string, unknown>[] = []): void => {
    if (!isObject(mod) || depth > 64) return;
    const rs = mod['resources'];
    if (Array.isArray(rs)) {
      for (const r of rs) {
        if (!isObject(r)) continue;
        const addr = str(r['address']);
        if (addr === undefined) continue;
        const c: ConfigResource = { expressions: isObject(r['expressions']) ? r['expressions'] : {} };
        const pk = str(r['provider_config_key']);
        if (pk !== undefined) c.providerConfigKey = pk;
        if (callers.length > 0) c.moduleCalls = callers;
        resources.set(prefix + addr, c);
      }
    }
    const calls = mod['module_calls'];
    if (isObject(calls)) {
      for (const name of Object.keys(calls)) {
        const call = calls[name];
        if (isObject(call)) walk(call['module'], `${prefix}module.${name}.`, depth + 1, [isObject(call['expressions']) ? call['expressions'] : {}, ...callers]);
      }
    }
  };
  walk(configuration['root_module'], '', 0);
  return { resources, defaultTags };
}

/** Flattens planned_values (root and nested child modules) into address → values. */
function flattenPlannedValues(pv: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const walk = (mod: unknown, depth: number): void => {
    if (!isObject(mod) || depth > 64) return;
    const rs = mod['resources'];
    if (Array.isArray(rs)) {
      for (let i = 0; i < rs.length; i++) {
        const r: unknown = rs[i];
        if (isObject(r) && typeof r['address'] === 'string') out.set(r['address'], r);
      }
    }
    const kids = mod['child_modules'];
    if (Array.isArray(kids)) for (let i = 0; i < kids.length; i++) walk(kids[i], depth + 1);
  };
  if (isObject(pv)) walk(pv['root_module'], 0);
  return out;
}

function defaultTagsFor(key: string | undefined, all: Map<string, Record<string, unknown>>): Record<string, unknown> | undefined {
  if (all.size === 0) return undefined;
  if (key !== undefined) {
    const own = all.get(key);
    if (own) return own;
    // `module.x:aws` without its own provider block inherits the root `aws` configuration.
    const colon = key.lastIndexOf(':');
    if (colon !== -1) return all.get(key.slice(colon + 1));
    return undefined;
  }
  return all.get('aws');
}

function makeResource(
  entry: Record<string, unknown>,
  change: Record<string, unknown>,
  config: { resources: Map<string, ConfigResource>; defaultTags: Map<string, Record<string, unknown>> },
): PlanResource | undefined {
  const address = str(entry['address']);
  const type = str(entry['type']);
  const name = str(entry['name']);
  if (address === undefined || type === undefined || name === undefined) return undefined;
  const mode: 'managed' | 'data' =
    entry['mode'] === 'data' || (entry['mode'] === undefined && address.includes(`data.${type}.${name}`)) ? 'data' : 'managed';
  const moduleAddr = str(entry['module_address']) ?? splitAddress(address, type, name, mode);
  const modulePath = stripIndices(moduleAddr);
  const rawActions = change['actions'];
  const actions = Array.isArray(rawActions) ? rawActions.filter((a): a is string => typeof a === 'string') : ['no-op'];
  const action = summariseActions(actions);
  const r: PlanResource = {
    address,
    mode,
    type,
    name,
    module: moduleAddr,
    modulePath,
    actions,
    action,
    // Sensitive values are replaced by a marker here, once: nothing downstream ever sees them.
    before: objOrNull(redactSensitive(change['before'], change['before_sensitive'])),
    after: objOrNull(redactSensitive(change['after'], change['after_sensitive'])),
    afterUnknown: change['after_unknown'] ?? {},
    afterSensitive: change['after_sensitive'] ?? {},
    deleted: action === 'delete' || action === 'forget',
    drifted: false,
  };
  const index = entry['index'];
  if (typeof index === 'string' || typeof index === 'number') r.index = index;
  const provider = str(entry['provider_name']);
  if (provider !== undefined) r.provider = provider;
  const key = `${modulePath === '' ? '' : `${modulePath}.`}${mode === 'data' ? 'data.' : ''}${type}.${name}`;
  const c = config.resources.get(key);
  if (c) r.config = c;
  const dt = defaultTagsFor(c?.providerConfigKey, config.defaultTags);
  if (dt && type.startsWith('aws_')) r.defaultTags = dt;
  return r;
}

/** Normalises a parsed plan. */
export function normalisePlan(parsed: ParsedPlan): NormalisedPlan {
  const json = parsed.json;
  const redacted = typeof json['plan_format_version'] === 'string';
  const formatVersion = str(json['format_version']) ?? str(json['plan_format_version']) ?? 'unknown';
  const config = readConfiguration(json['configuration']);
  const planned = flattenPlannedValues(json['planned_values']);
  const resources: PlanResource[] = [];
  const seen = new Set<string>();
  const rcs = json['resource_changes'];
  if (Array.isArray(rcs)) {
    for (let i = 0; i < rcs.length; i++) {
      const rc = rcs[i];
      if (!isObject(rc)) continue;
      const change = isObject(rc['change']) ? rc['change'] : {};
      const r = makeResource(rc, change, config);
      if (!r) continue;
      const pos = parsed.positions?.[i];
      if (pos) r.position = pos;
      // Old formats may omit `after` for unchanged attributes that planned_values carries.
      if (r.after === null && !r.deleted) {
        const pv = planned.get(r.address);
        if (pv && isObject(pv['values'])) r.after = pv['values'];
      }
      resources.push(r);
      seen.add(r.address);
    }
  }
  // Resources present only in planned_values (plans without resource_changes entries for them).
  planned.forEach((pv, address) => {
    if (seen.has(address)) return;
    const r = makeResource(pv, { actions: ['no-op'], after: pv['values'], after_unknown: {}, after_sensitive: pv['sensitive_values'] ?? {} }, config);
    if (r) resources.push(r);
  });
  const drift: DriftRecord[] = [];
  const rd = json['resource_drift'];
  if (Array.isArray(rd)) {
    const byAddress = new Map(resources.map((r) => [r.address, r] as const));
    for (const d of rd) {
      if (!isObject(d) || typeof d['address'] !== 'string') continue;
      const ch = isObject(d['change']) ? d['change'] : {};
      const acts = Array.isArray(ch['actions']) ? ch['actions'].filter((a): a is string => typeof a === 'string') : [];
      drift.push({ address: d['address'], type: str(d['type']) ?? '', actions: acts });
      const r = byAddress.get(d['address']);
      if (r) r.drifted = true;
    }
  }
  const out: NormalisedPlan = { formatVersion, redacted, resources, drift };
  const tv = str(json['terraform_version']);
  if (tv !== undefined) out.terraformVersion = tv;
  if (parsed.file !== undefined) out.file = parsed.file;
  return out;
}

/** A module of `planned_values` / `prior_state.values` with its resources' values redacted (bounded depth). */
function redactModule(mod: unknown, depth: number): unknown {
  if (!isObject(mod) || depth > 64) return mod;
  const out: Record<string, unknown> = { ...mod };
  if (Array.isArray(mod['resources'])) {
    out['resources'] = mod['resources'].map((r) => (isObject(r) ? { ...r, values: redactSensitive(r['values'], r['sensitive_values']) } : r));
  }
  if (Array.isArray(mod['child_modules'])) out['child_modules'] = mod['child_modules'].map((c) => redactModule(c, depth + 1));
  return out;
}

/**
 * The plan JSON as given, with every value its sensitivity mirrors mark replaced by the marker (for the
 * opt-in `input.raw` of conftest-style adapters: a sensitive value never reaches a policy).
 */
export function redactPlanJson(json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...json };
  for (const key of ['resource_changes', 'resource_drift']) {
    const list = json[key];
    if (!Array.isArray(list)) continue;
    out[key] = list.map((rc) => {
      if (!isObject(rc) || !isObject(rc['change'])) return rc;
      const ch = rc['change'];
      return { ...rc, change: { ...ch, before: redactSensitive(ch['before'], ch['before_sensitive']), after: redactSensitive(ch['after'], ch['after_sensitive']) } };
    });
  }
  const pv = json['planned_values'];
  if (isObject(pv)) out['planned_values'] = { ...pv, root_module: redactModule(pv['root_module'], 0) };
  const ps = json['prior_state'];
  if (isObject(ps) && isObject(ps['values'])) out['prior_state'] = { ...ps, values: { ...ps['values'], root_module: redactModule(ps['values']['root_module'], 0) } };
  return out;
}
