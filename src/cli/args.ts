/**
 * Argument parsing for every command (node:util parseArgs, strict): unknown options and missing values
 * become a usage error (exit 2) instead of being ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MeshgateError } from '../errors.js';

/** Options spec passed to parseArgs. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed arguments. */
export interface Parsed {
  /** Option values by name. */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Positional arguments. */
  positionals: string[];
}

/** Parses `argv` against `options`; throws MG_CLI_USAGE on anything unknown or malformed. */
export function parse(argv: string[], options: OptionSpec): Parsed {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    throw new MeshgateError('MG_CLI_USAGE', e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/** A string option's value (the last one when repeated). */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values. */
export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

/** A boolean flag. */
export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** Checks a value is one of `allowed`. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new MeshgateError('MG_CLI_USAGE', `--${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}
