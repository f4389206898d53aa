/**
 * ajv validation that reports every problem with `file:line:col` of the offending key, as one
 * MeshgateError (the first problem's position, all problems in the message and in `details.problems`).
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { newAjv } from '../ajv.js';
import { MeshgateError, formatLocation, type ErrorCode, type Location } from '../errors.js';
import { pointerToPath, type ValuePath } from './source.js';

/** One validation problem with its position. */
export interface Problem {
  /** Path of the offending key, dot separated (`enforcement.finance.rule`). */
  path: string;
  /** What is wrong. */
  message: string;
  /** Where. */
  location: Location;
}

let ajv: Ajv | undefined;

/** A validator of `schema`, compiled with the shared ajv instance on first use (start-up stays fast). */
export type LazyValidator<T> = ((data: unknown) => data is T) & { errors?: ErrorObject[] | null | undefined };

/** Compiles a JSON Schema with the shared ajv instance, lazily: on the first validation, not at import. */
export function compileSchema<T>(schema: object): LazyValidator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const lazy = ((data: unknown): data is T => {
    compiled ??= (ajv ??= newAjv({ allErrors: true, strict: true })).compile<T>(schema);
    const ok = compiled(data);
    lazy.errors = compiled.errors;
    return ok;
  }) as LazyValidator<T>;
  return lazy;
}

function problemPath(e: ErrorObject): Array<string | number> {
  const p: Array<string | number> = pointerToPath(e.instancePath);
  if (e.keyword === 'additionalProperties') p.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return p;
}

function problemMessage(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'enum':
      return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return e.message ?? e.keyword;
  }
}

/** Builds one MeshgateError from a list of problems (the first gives the location). */
export function problemsError(code: ErrorCode, what: string, problems: Problem[]): MeshgateError {
  const first = problems[0];
  const lines = problems.slice(0, 10).map((p) => `${formatLocation(p.location)}${p.path || '(root)'}: ${p.message}`);
  const more = problems.length > 10 ? `\n  … and ${problems.length - 10} more` : '';
  const message = problems.length === 1 && first ? `invalid ${what}: ${first.path || '(root)'}: ${first.message}` : `invalid ${what} (${problems.length} problems):\n  ${lines.join('\n  ')}${more}`;
  return new MeshgateError(code, message, first ? { location: first.location, details: { problems } } : { details: { problems } });
}

/** Validates `value`; on failure throws `code` with positions from `locate`. */
export function validateOrThrow<T>(validate: LazyValidator<T>, value: unknown, locate: (p: ValuePath) => Location, code: ErrorCode, what: string): asserts value is T {
  if (validate(value)) return;
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of validate.errors ?? []) {
    // anyOf/oneOf wrappers repeat their branches' errors; keep the specific ones
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const path = problemPath(e);
    const p: Problem = { path: path.join('.'), message: problemMessage(e), location: locate(path) };
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  if (problems.length === 0) problems.push({ path: '', message: 'does not match the schema', location: locate([]) });
  throw problemsError(code, what, problems);
}
