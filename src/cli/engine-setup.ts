/**
 * Builds the engine the CLI uses, from a serialisable spec (so worker threads can build the same one):
 * a config file (`--config`) or, with none, the default bundles shipped in the package (global plus every
 * domain layer of `policies/dist/manifest.json`). Audit sinks are split off: the CLI's main thread owns
 * them and writes events in input order, workers only collect events.
 */
import { resolve } from 'node:path';
import type { AuditSink } from '../audit/index.js';
import { loadConfig, toEngineOptions, type LoadedConfig } from '../config.js';
import { createEngine, type Engine, type EngineOptions } from '../engine.js';
import { MeshgateError } from '../errors.js';
import { bundlePaths } from '../policy/defaults.js';
import type { Enforcement } from '../types.js';
import { assertNotSpecialFile } from './io.js';

/** What is needed to build the CLI's engine (plain data, structured-clone safe). */
export interface EngineSpec {
  /** Absolute path of a config file, if any. */
  configPath?: string;
  /** Absolute path of a built policies folder (with manifest.json) to use instead of the shipped one. */
  policiesDir?: string;
  /** `--domain`: checked to exist as a layer. */
  domain?: string;
  /** `--raw-plan`: give plan-level policies the raw plan JSON as `input.raw`. */
  rawPlan?: boolean;
  /** `--fail-on`: the engine's threshold, recorded on every Decision (the CLI reads `allowed`, never re-judges). */
  failOn?: Enforcement;
}

/**
 * The spec's paths from `--config` and `--policies` as given (relative to `cwd`); a FIFO or device as
 * `--config` is refused (MG_INPUT_NOT_A_FILE) before the config loader would read it forever.
 */
export function specPaths(config: string | undefined, policies: string | undefined, cwd: string): Pick<EngineSpec, 'configPath' | 'policiesDir'> {
  const out: Pick<EngineSpec, 'configPath' | 'policiesDir'> = {};
  if (config !== undefined) {
    out.configPath = resolve(cwd, config);
    assertNotSpecialFile(out.configPath, config);
  }
  if (policies !== undefined) out.policiesDir = resolve(cwd, policies);
  return out;
}

async function loadSpecConfig(spec: EngineSpec): Promise<LoadedConfig | undefined> {
  return spec.configPath === undefined ? undefined : loadConfig(spec.configPath);
}

/** Engine options for a spec, with the given audit sinks in place of any configured ones (masking is kept). */
export async function engineOptions(spec: EngineSpec, sinks: AuditSink[]): Promise<EngineOptions> {
  const config = await loadSpecConfig(spec);
  let options: EngineOptions;
  if (config) {
    const stripped: LoadedConfig = { ...config };
    if (config.audit) {
      const { jsonl: _j, http: _h, fsync: _f, ...rest } = config.audit;
      stripped.audit = rest;
    }
    options = await toEngineOptions(stripped, { sinks });
  } else {
    const paths = bundlePaths(spec.policiesDir);
    options = { global: paths.global, domains: paths.domains };
    if (sinks.length > 0) options.audit = sinks;
  }
  if (spec.failOn !== undefined) options.failOn = spec.failOn;
  options.lazyLayers = true; // one short run compiles only the layers its inputs need
  if (spec.rawPlan) options.subjects = { ...options.subjects, rawPlan: true };
  if (spec.domain !== undefined) {
    const known = Object.keys(options.domains ?? {});
    if (!known.includes(spec.domain)) {
      throw new MeshgateError('MG_CLI_USAGE', `--domain ${spec.domain}: no such domain layer (available: ${known.join(', ') || 'none'})`);
    }
    options.subjects = { ...options.subjects, domainMapping: { ...options.subjects?.domainMapping, default: spec.domain } };
  }
  return options;
}

/** The audit sinks the main thread owns: those of the config file, then `--audit-log`. */
export async function ownedSinks(spec: EngineSpec, auditLog: string | undefined, cwd: string): Promise<AuditSink[]> {
  const extra: AuditSink[] = [];
  if (auditLog !== undefined) {
    const { jsonlSink } = await import('../audit/index.js');
    extra.push(jsonlSink(resolve(cwd, auditLog)));
  }
  const config = await loadSpecConfig(spec);
  if (!config?.audit) return extra;
  const only: LoadedConfig = { ...config, audit: config.audit };
  return (await toEngineOptions(only, { sinks: extra })).audit ?? [];
}

/** Creates the engine for a spec. */
export async function createCliEngine(spec: EngineSpec, sinks: AuditSink[]): Promise<Engine> {
  return createEngine(await engineOptions(spec, sinks));
}
