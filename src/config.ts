/**
 * The config file `meshgate.yaml`: global and domain bundles, how Terraform subjects map to domains,
 * enforcement overrides per layer and rule, soft-failure overrides, waivers files and audit sinks.
 * Parsed with positions and validated with ajv: every error is a MeshgateError (`MG_CONFIG_INVALID`,
 * `MG_CONFIG_LOWERS_GLOBAL`, `MG_WAIVER_INVALID`) pointing to `file:line:col` of the offending key.
 * This module is an edge (it reads files); the layering logic it feeds is pure. See docs/layering.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { MeshgateError, isMeshgateError, type Location } from './errors.js';
import { isObject } from './is-object.js';
import { SHIPPED_GLOBAL, resolveExtends } from './policy/defaults.js';
import type { Enforcement } from './types.js';
import type { EngineOptions, Engine } from './engine.js';
import type { DomainMapping } from './subjects/terraform/domain.js';
import type { PolicyDeadlines } from './policy/wasm.js';
import type { AuditSink, JsonlSinkOptions } from './audit/index.js';
import { assertTightenOnly } from './layering/enforcement.js';
import { createLayeringPolicy, type Clock, type ConfiguredLayeringPolicy, type Override } from './layering/policy.js';
import { noPositions, parseLocated, type ValuePath } from './layering/source.js';
import { compileSchema, problemsError, validateOrThrow, type LazyValidator, type Problem } from './layering/validate.js';
import { validateConfig as validateConfigSchema } from './generated/validators.js';
import { expiryInstant, parseWaivers, SUBJECT_MATCH_SCHEMA, toWaivers, type Waiver, type WaiverEntry } from './layering/waivers.js';

/** How Terraform resources map to domains (the one domain-mapping type, shared with the Terraform subject). */
export type DomainMappingConfig = DomainMapping;

/** Audit sinks and masking. */
export interface AuditConfig {
  /** JSONL hash-chained log file (relative to the config file). */
  jsonl?: string;
  /** fsync the JSONL log after every event. Default false. */
  fsync?: boolean;
  /** Signed checkpoints in the JSONL log (issue 18): a private key PEM file (relative to the config file), as bundle keys are configured. */
  checkpoints?: { key: string; alg?: string; keyid?: string; everyEvents?: number; everySeconds?: number };
  /** An OPA-compatible decision-log collector. */
  http?: { url: string; headers?: Record<string, string>; batchSize?: number; maxQueue?: number; flushIntervalMs?: number; retries?: number; timeoutMs?: number };
  /** What a failing sink does: `drop` (count and go on, default) or `fail` (the decision becomes a denying error). */
  onSinkFailure?: 'drop' | 'fail';
  /** Extra input fields to mask in audit events (names or dot paths). */
  mask?: string[];
}

/** Engine settings that a config file holds as they are (paths in them resolved when loaded). */
export interface EngineSettings {
  /** WebAssembly memory limit per layer, in 64 KiB pages. */
  memoryMaxPages?: number;
  /** Access decision cache size (0 disables). */
  cacheSize?: number;
  /** Bundle signature verification: a public key (PEM file) or HMAC secret file path, with its algorithm. */
  verification?: { key: string; alg?: string; keyid?: string };
  /** Bundle servers to poll for live updates, per layer. */
  bundleService?: Array<{ layer?: string; url: string; pollSeconds?: number; headers?: Record<string, string> }>;
  /** Give the whole raw plan JSON to `meshgate/terraform_plan` as `input.raw` (for conftest-style policy sets). */
  rawPlan?: boolean;
  /** Domains known without a layer of their own (besides the domain bundles, the mapping and the global bundle's registry). */
  knownDomains?: string[];
  /** What a domain name that is not known does: `error` (default, an MG_DOMAIN_UNKNOWN decision) or `warn` (global only, with a warn finding). */
  unknownDomain?: 'error' | 'warn';
  /** Wall-clock limits of policy evaluations and loads in ms (see {@link PolicyDeadlines}; unset keys keep their defaults), or `false` for unmetered, unbounded runs. */
  deadlines?: PolicyDeadlines | false;
}

/** The config document (the YAML file, or the same shape as an object). Paths are relative to the config's directory. */
export interface MeshgateConfig extends EngineSettings {
  /** The global layer's bundle (give this or `extends`). */
  global?: string;
  /** Instead of `global`: the global bundle the domains layer on, `meshgate` (the one shipped in the package) or a path. */
  extends?: string;
  /** Domain layer bundles by domain name. */
  domains?: Record<string, string>;
  /** How Terraform resources map to domains. */
  mapping?: DomainMappingConfig;
  /** Enforcement overrides: layer (`global` or a domain) → rule id → advisory | soft | hard. */
  enforcement?: Record<string, Record<string, Enforcement>>;
  /** Recorded reasons that override soft failures. */
  overrides?: Override[];
  /** Waivers by scope (`global` or a domain): a file path, or the entries inline. */
  waivers?: Record<string, string | WaiverEntry[]>;
  /** Audit sinks. */
  audit?: AuditConfig;
}

/** A validated config with absolute paths and its waivers read. */
export interface LoadedConfig extends EngineSettings {
  /** The config file, when loaded from one. */
  file?: string;
  /** Directory relative paths were resolved against. */
  baseDir: string;
  /** Absolute path of the global bundle. */
  global: string;
  /** Absolute paths of domain bundles. */
  domains: Record<string, string>;
  /** Terraform domain mapping. */
  mapping?: DomainMappingConfig;
  /** Enforcement overrides (layer → rule → enforcement). */
  enforcement: Record<string, Record<string, Enforcement>>;
  /** Soft-failure overrides. */
  overrides: Override[];
  /** All waivers, each with its scope. */
  waivers: Waiver[];
  /** Waivers files read, by scope (absolute paths). */
  waiverFiles: Record<string, string>;
  /** Audit config with absolute paths. */
  audit?: AuditConfig;
}

const LAYER_NAME = '^[a-z][a-z0-9_-]*$';
const str = { type: 'string', minLength: 1 } as const;
const strMap = { type: 'object', additionalProperties: str } as const;
const posInt = { type: 'integer', minimum: 0 } as const;
/** A deadline in ms: at least 1, at most what a timer holds (2^31 - 1). */
const deadlineMs = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;

/** JSON Schema of `meshgate.yaml`. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    global: str,
    knownDomains: { type: 'array', items: str },
    unknownDomain: { type: 'string', enum: ['error', 'warn'] },
    extends: str,
    domains: { type: 'object', propertyNames: { type: 'string', pattern: LAYER_NAME, not: { const: 'global' } }, additionalProperties: str },
    mapping: {
      type: 'object',
      additionalProperties: false,
      properties: { byModule: strMap, byAddress: strMap, default: str },
    },
    enforcement: {
      type: 'object',
      propertyNames: { type: 'string', pattern: LAYER_NAME },
      additionalProperties: { type: 'object', additionalProperties: { type: 'string', enum: ['advisory', 'soft', 'hard'] } },
    },
    overrides: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'match', 'reason', 'by'],
        properties: {
          rule: str,
          layer: { type: 'string', pattern: LAYER_NAME },
          match: SUBJECT_MATCH_SCHEMA,
          reason: { type: 'string', minLength: 1, pattern: '\\S' },
          by: { type: 'string', minLength: 1, pattern: '\\S' },
          expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$' },
        },
      },
    },
    waivers: {
      type: 'object',
      propertyNames: { type: 'string', pattern: LAYER_NAME },
      additionalProperties: { anyOf: [str, { type: 'array' }] },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        jsonl: str,
        fsync: { type: 'boolean' },
        checkpoints: {
          type: 'object',
          additionalProperties: false,
          required: ['key'],
          properties: { key: str, alg: { type: 'string', enum: ['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512'] }, keyid: str, everyEvents: posInt, everySeconds: posInt },
        },
        http: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string', pattern: '^https?://' },
            headers: strMap,
            batchSize: posInt,
            maxQueue: posInt,
            flushIntervalMs: posInt,
            retries: posInt,
            timeoutMs: posInt,
          },
        },
        onSinkFailure: { type: 'string', enum: ['drop', 'fail'] },
        mask: { type: 'array', items: str },
      },
    },
    memoryMaxPages: { type: 'integer', minimum: 1 },
    deadlines: {
      anyOf: [
        { const: false },
        { type: 'object', additionalProperties: false, properties: { accessMs: deadlineMs, checkMs: deadlineMs, loadMs: deadlineMs } },
      ],
    },
    cacheSize: posInt,
    rawPlan: { type: 'boolean' },
    verification: {
      type: 'object',
      additionalProperties: false,
      required: ['key'],
      properties: { key: str, alg: { type: 'string', enum: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'] }, keyid: str },
    },
    bundleService: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: { layer: { type: 'string', pattern: LAYER_NAME }, url: { type: 'string', pattern: '^https?://' }, pollSeconds: { type: 'number', exclusiveMinimum: 0 }, headers: strMap },
      },
    },
  },
} as const;

/** {@link CONFIG_SCHEMA}'s validator, generated at build time (scripts/gen-validators.mjs). */
const validateConfig = validateConfigSchema as LazyValidator<MeshgateConfig>;

/** Options of {@link resolveConfig} and {@link loadConfig}. */
export interface ResolveOptions {
  /** The config file name, for error locations. */
  file?: string;
  /** Positions of keys (from the parsed file). */
  locate?: (path: ValuePath) => Location;
  /** Reads a waivers file (default: fs.readFileSync as UTF-8). */
  readText?: (path: string) => string;
}

function invalid(file: string | undefined, problems: Problem[]): MeshgateError {
  return problemsError('MG_CONFIG_INVALID', file === undefined ? 'config' : `config ${file}`, problems);
}

/**
 * Validates a config object and resolves it against `baseDir`: bundle and waivers paths become absolute,
 * waivers files are read and validated, layer names are cross-checked, and a domain lowering a global
 * rule's enforcement is refused (MG_CONFIG_LOWERS_GLOBAL, naming the rule and the domain).
 */
export async function resolveConfig(object: unknown, baseDir: string, options: ResolveOptions = {}): Promise<LoadedConfig> {
  const file = options.file;
  const locate = options.locate ?? noPositions(file);
  validateOrThrow(validateConfig, object, locate, 'MG_CONFIG_INVALID', file === undefined ? 'config' : `config ${file}`);
  const cfg = object;
  const abs = (p: string): string => nodePath.resolve(baseDir, p);
  const domains = Object.keys(cfg.domains ?? {});
  const layers = new Set(['global', ...domains]);
  const problems: Problem[] = [];
  const needLayer = (name: string, path: Array<string | number>, what: string, allowGlobal = true): void => {
    if (!layers.has(name) || (!allowGlobal && name === 'global')) {
      problems.push({ path: path.join('.'), message: `${what} "${name}" is not a configured domain (domains: ${domains.join(', ') || 'none'})`, location: locate(path) });
    }
  };
  for (const layer of Object.keys(cfg.enforcement ?? {})) needLayer(layer, ['enforcement', layer], 'layer');
  for (const scope of Object.keys(cfg.waivers ?? {})) needLayer(scope, ['waivers', scope], 'waivers scope');
  (cfg.overrides ?? []).forEach((o, i) => {
    if (o.layer !== undefined) needLayer(o.layer, ['overrides', i, 'layer'], 'layer');
    if (o.expires !== undefined && Number.isNaN(expiryInstant(o.expires))) {
      problems.push({ path: `overrides.${i}.expires`, message: `not a real date: ${o.expires}`, location: locate(['overrides', i, 'expires']) });
    }
  });
  const mapping = cfg.mapping;
  if (mapping) {
    for (const key of ['byModule', 'byAddress'] as const) {
      for (const [k, d] of Object.entries(mapping[key] ?? {})) needLayer(d, ['mapping', key, k], 'domain', false);
    }
    if (mapping.default !== undefined) needLayer(mapping.default, ['mapping', 'default'], 'domain', false);
  }
  const bundleProblem = (p: string, path: Array<string | number>): void => {
    if (!existsSync(abs(p))) problems.push({ path: path.join('.'), message: `bundle not found: ${abs(p)}`, location: locate(path) });
  };
  if ((cfg.global === undefined) === (cfg.extends === undefined)) {
    const message = cfg.global === undefined ? 'give `global` (the global bundle) or `extends` (`meshgate` for the shipped global rules, or a global bundle path)' : 'give either `global` or `extends`, not both';
    problems.push({ path: cfg.global === undefined ? '' : 'extends', message, location: locate(cfg.global === undefined ? [] : ['extends']) });
  }
  if (cfg.global !== undefined) bundleProblem(cfg.global, ['global']);
  for (const [d, p] of Object.entries(cfg.domains ?? {})) bundleProblem(p, ['domains', d]);
  if (problems.length > 0) throw invalid(file, problems);

  const enforcement = cfg.enforcement ?? {};
  assertTightenOnly(enforcement, (domain, rule) => locate(['enforcement', domain, rule]));

  const read = options.readText ?? ((p: string) => readFileSync(p, 'utf8'));
  const waivers: Waiver[] = [];
  const waiverFiles: Record<string, string> = {};
  for (const [scope, src] of Object.entries(cfg.waivers ?? {})) {
    if (typeof src === 'string') {
      const path = abs(src);
      let text: string;
      try {
        text = read(path);
      } catch (e) {
        throw new MeshgateError('MG_CONFIG_INVALID', `cannot read ${scope} waivers file ${path}: ${e instanceof Error ? e.message : String(e)}`, { location: locate(['waivers', scope]), cause: e });
      }
      waiverFiles[scope] = path;
      waivers.push(...parseWaivers(text, scope, path));
    } else {
      waivers.push(...toWaivers(src, scope, (p) => locate(['waivers', scope, ...p])));
    }
  }

  let global: string;
  try {
    global = cfg.global !== undefined ? abs(cfg.global) : resolveExtends(cfg.extends!, baseDir);
  } catch (e) {
    throw isMeshgateError(e) ? new MeshgateError(e.code, e.message, { location: locate(['extends']), cause: e }) : e;
  }
  const out: LoadedConfig = {
    baseDir,
    global,
    domains: Object.fromEntries(Object.entries(cfg.domains ?? {}).map(([d, p]) => [d, abs(p)])),
    enforcement,
    overrides: cfg.overrides ?? [],
    waivers,
    waiverFiles,
  };
  if (file !== undefined) out.file = file;
  if (mapping) out.mapping = mapping;
  if (cfg.audit) {
    const audit: AuditConfig = { ...cfg.audit };
    if (audit.jsonl !== undefined) audit.jsonl = abs(audit.jsonl);
    if (audit.checkpoints !== undefined) audit.checkpoints = { ...audit.checkpoints, key: abs(audit.checkpoints.key) };
    out.audit = audit;
  }
  if (cfg.memoryMaxPages !== undefined) out.memoryMaxPages = cfg.memoryMaxPages;
  if (cfg.deadlines !== undefined) out.deadlines = cfg.deadlines === false ? false : { ...cfg.deadlines };
  if (cfg.cacheSize !== undefined) out.cacheSize = cfg.cacheSize;
  if (cfg.verification) out.verification = { ...cfg.verification, key: abs(cfg.verification.key) };
  if (cfg.bundleService) out.bundleService = cfg.bundleService.map((b) => ({ ...b }));
  if (cfg.rawPlan !== undefined) out.rawPlan = cfg.rawPlan;
  if (cfg.knownDomains !== undefined) out.knownDomains = [...cfg.knownDomains];
  if (cfg.unknownDomain !== undefined) out.unknownDomain = cfg.unknownDomain;
  // build the policy once so that every check of createLayeringPolicy also runs at load time
  createLayeringPolicy(out);
  return out;
}

/** Reads and parses a config file keeping positions (MG_CONFIG_INVALID when unreadable or not YAML). */
function parseConfigFile(path: string): ReturnType<typeof parseLocated> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MeshgateError('MG_CONFIG_INVALID', `cannot read config ${path}: ${e instanceof Error ? e.message : String(e)}`, { location: { file: path }, cause: e });
  }
  return parseLocated(text, path, 'MG_CONFIG_INVALID');
}

/** Reads, parses (keeping positions) and resolves a `meshgate.yaml` file. Paths in it are relative to its directory. */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const src = parseConfigFile(path);
  return resolveConfig(src.value ?? {}, nodePath.dirname(nodePath.resolve(path)), { file: path, locate: src.locate });
}

/** The `extends` of a config file, for tools that run before its bundles exist (`meshgate build`, `meshgate test`). */
export interface ConfigExtends {
  /** `meshgate` (the shipped global rules), or the absolute path it names (relative paths resolve against the config's folder). */
  value: string;
  /** Where the key stands in the config file. */
  location: Location;
}

/**
 * Reads only `extends` from a `meshgate.yaml` (its bundles may not be built yet, so the rest is not resolved
 * here; `loadConfig` checks it all when the config is used). Undefined when the file has no `extends`.
 * Throws MG_CONFIG_INVALID with file:line for an unreadable file, bad YAML, or an `extends` that is not a
 * non-empty string.
 */
export function readConfigExtends(path: string): ConfigExtends | undefined {
  const src = parseConfigFile(path);
  const doc: unknown = src.value ?? {};
  if (!isObject(doc)) throw new MeshgateError('MG_CONFIG_INVALID', `invalid config ${path}: (root): must be a mapping`, { location: src.locate([]) });
  if (!Object.prototype.hasOwnProperty.call(doc, 'extends')) return undefined;
  const raw = doc['extends'];
  const location = src.locate(['extends']);
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new MeshgateError('MG_CONFIG_INVALID', `invalid config ${path}: extends: must be \`meshgate\` or the path of a global bundle (got ${JSON.stringify(raw)})`, { location });
  }
  return { value: raw === SHIPPED_GLOBAL ? raw : nodePath.resolve(nodePath.dirname(nodePath.resolve(path)), raw), location };
}

/** Options of {@link toEngineOptions}. */
export interface ToEngineOptions {
  /** The clock for waiver and override expiry (default: system time). */
  now?: Clock;
  /** Extra audit sinks (added after the configured ones). */
  sinks?: AuditSink[];
}

/** Engine options built from a config, with the configured layering policy (for its waiver report). */
export type ConfiguredEngineOptions = EngineOptions & { layering: ConfiguredLayeringPolicy };

/** The JSONL sink's checkpoint options of an audit config: the private key file read here (MG_CONFIG_INVALID when unreadable). */
function checkpointOptions(c: NonNullable<AuditConfig['checkpoints']>, file: string | undefined): NonNullable<JsonlSinkOptions['checkpoints']> {
  let key: string;
  try {
    key = readFileSync(c.key, 'utf8');
  } catch (e) {
    throw new MeshgateError('MG_CONFIG_INVALID', `cannot read the audit checkpoint key ${c.key}: ${e instanceof Error ? e.message : String(e)}`, { location: { file: file ?? c.key }, cause: e });
  }
  return {
    key,
    ...(c.alg === undefined ? {} : { alg: c.alg }),
    ...(c.keyid === undefined ? {} : { keyid: c.keyid }),
    ...(c.everyEvents === undefined ? {} : { everyEvents: c.everyEvents }),
    ...(c.everySeconds === undefined ? {} : { everyMs: c.everySeconds * 1000 }),
  };
}

/**
 * Turns a loaded config into {@link EngineOptions}: bundles, the layering policy (enforcement, overrides,
 * waivers), Terraform domain mapping and audit sinks (`jsonlSink`, `httpSink`, created here).
 */
export async function toEngineOptions(config: LoadedConfig, options: ToEngineOptions = {}): Promise<ConfiguredEngineOptions> {
  const layering = createLayeringPolicy(config, options.now === undefined ? {} : { now: options.now });
  const out: ConfiguredEngineOptions = { global: config.global, domains: { ...config.domains }, layering };
  if (config.memoryMaxPages !== undefined) out.memoryMaxPages = config.memoryMaxPages;
  if (config.deadlines !== undefined) out.deadlines = config.deadlines === false ? false : { ...config.deadlines };
  if (config.knownDomains !== undefined) out.knownDomains = [...config.knownDomains];
  if (config.unknownDomain !== undefined) out.unknownDomain = config.unknownDomain;
  if (config.verification) {
    let key: string;
    try {
      key = readFileSync(config.verification.key, 'utf8');
    } catch (e) {
      throw new MeshgateError('MG_CONFIG_INVALID', `cannot read the verification key ${config.verification.key}: ${e instanceof Error ? e.message : String(e)}`, {
        location: { file: config.file ?? config.verification.key },
        cause: e,
      });
    }
    out.verification = { ...config.verification, key };
  }
  if (config.bundleService) out.bundleService = config.bundleService.map((b) => ({ ...b }));
  const subjects: NonNullable<EngineOptions['subjects']> = {};
  if (config.mapping) subjects.domainMapping = config.mapping;
  if (config.cacheSize !== undefined) subjects.cacheSize = config.cacheSize;
  if (config.rawPlan !== undefined) subjects.rawPlan = config.rawPlan;
  if (Object.keys(subjects).length > 0) out.subjects = subjects;
  const sinks: AuditSink[] = [];
  const a = config.audit;
  if (a && (a.jsonl !== undefined || a.http !== undefined)) {
    const { jsonlSink, httpSink } = await import('./audit/index.js');
    if (a.jsonl !== undefined) sinks.push(jsonlSink(a.jsonl, { fsync: a.fsync === true, ...(a.checkpoints ? { checkpoints: checkpointOptions(a.checkpoints, config.file) } : {}) }));
    if (a.http !== undefined) {
      const { url, ...rest } = a.http;
      sinks.push(httpSink(url, rest));
    }
  }
  sinks.push(...(options.sinks ?? []));
  if (sinks.length > 0) out.audit = sinks;
  if (a?.onSinkFailure !== undefined) out.onSinkFailure = a.onSinkFailure;
  if (a?.mask !== undefined) out.maskFields = [...a.mask];
  return out;
}

/**
 * Creates an engine from a config file path or a config object (relative paths resolve against
 * `baseDir`, default the current directory). Returns the engine and its layering policy (for the waiver report).
 */
export async function createEngineFromConfig(
  source: string | MeshgateConfig,
  options: ToEngineOptions & { baseDir?: string } = {},
): Promise<{ engine: Engine; layering: ConfiguredLayeringPolicy; config: LoadedConfig }> {
  const config = typeof source === 'string' ? await loadConfig(source) : await resolveConfig(source, options.baseDir ?? process.cwd());
  const engineOptions = await toEngineOptions(config, options);
  const { createEngine } = await import('./engine.js');
  return { engine: await createEngine(engineOptions), layering: engineOptions.layering, config };
}
