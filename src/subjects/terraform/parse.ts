/**
 * Reads Terraform/OpenTofu plan JSON (`terraform show -json plan.out`, every `format_version` 0.x–1.x,
 * and HCP Terraform's redacted JSON plan) from text, bytes or an already parsed object, keeping the
 * line/column of each `resource_changes` entry. Awkward but real forms are accepted (BOM, UTF-16 with
 * BOM, the setup-terraform wrapper's extra lines); everything else is a coded {@link MeshgateError}.
 */
import { isObject } from '../../is-object.js';

export { isObject } from '../../is-object.js';
import { MeshgateError, type Location } from '../../errors.js';
import { decodePlanBytes, stripBom } from './decode.js';
import { lineAt, scanJson, type ScanResult, type TextPosition } from './scan.js';
import { scanAsciiJson } from './scan-wasm.js';

/** Limits and naming for {@link parsePlan}. */
export interface ParsePlanOptions {
  /** The file name, for error locations. */
  file?: string;
  /** Largest accepted input in bytes/characters (default 512 MiB). */
  maxBytes?: number;
  /** Deepest accepted JSON nesting (default 256). */
  maxDepth?: number;
}

/** A parsed plan: the JSON object and where each `resource_changes` entry starts. */
export interface ParsedPlan {
  /** The plan object as produced by `terraform show -json`. */
  json: Record<string, unknown>;
  /** Line/column of `resource_changes[i]`, when parsed from text. */
  positions: TextPosition[] | undefined;
  /** The file, when given. */
  file?: string;
  /** Which awkward form was accepted, if any (`utf-8-bom`, `utf-16le`, `utf-16be`, `wrapper`, `redacted`). */
  notes: string[];
}

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 256;

function loc(file: string | undefined, pos?: TextPosition): Location {
  const l: Location = {};
  if (file !== undefined) l.file = file;
  if (pos) {
    l.line = pos.line;
    l.column = pos.column;
  }
  return l;
}

/** True when a line is output of the setup-terraform wrapper or a GitHub workflow command, not JSON. */
function isWrapperLine(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('::') || t.startsWith('[command]');
}

/** Index of the first character of the JSON value, skipping leading wrapper lines; -1 when none is found. */
function findJsonStart(text: string): { start: number; wrapped: boolean } {
  let i = 0;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  const c = text[i];
  if (c === '{' || (c === '[' && !text.startsWith('[command]', i))) return { start: i, wrapped: false };
  let lineStart = 0;
  while (lineStart < text.length) {
    let nl = text.indexOf('\n', lineStart);
    if (nl === -1) nl = text.length;
    const line = text.slice(lineStart, nl);
    const t = line.trimStart();
    if (t.startsWith('{')) return { start: lineStart + (line.length - t.length), wrapped: true };
    if (!isWrapperLine(line)) return { start: -1, wrapped: false };
    lineStart = nl + 1;
  }
  return { start: -1, wrapped: false };
}

function syntaxError(text: string, index: number, file: string | undefined, detail: string, cause?: unknown): MeshgateError {
  const pos = lineAt(text, Math.max(0, Math.min(index, text.length)));
  return new MeshgateError('MG_PLAN_JSON_SYNTAX', `plan is not valid JSON: ${detail}`, {
    location: loc(file, pos),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Below this size the JavaScript scanner is as quick as the WebAssembly one's first use (≈ 2 ms to set up). */
const WASM_SCAN_MIN_BYTES = 64 * 1024;
/** Above this size the JavaScript scanner runs (the WebAssembly one needs about five times the input in memory). */
const WASM_SCAN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * scanJson, over the bytes of a large ASCII text (as many characters as bytes) with the WebAssembly scanner
 * (see scan-wasm.ts; in the CLI, 8-12 ms instead of 14-19 ms for a 1 000-resource plan, 38-46 ms instead of
 * 55 ms for 10 000).
 */
function scan(text: string, start: number, maxDepth: number, bytes: Uint8Array | undefined): ScanResult {
  if (bytes !== undefined && bytes.length === text.length && bytes.length >= WASM_SCAN_MIN_BYTES && bytes.length <= WASM_SCAN_MAX_BYTES) {
    const fast = scanAsciiJson(bytes, start, lineAt(text, start), maxDepth);
    if (fast !== undefined) return fast;
  }
  return scanJson(text, start, maxDepth);
}

function parseText(text: string, options: ParsePlanOptions, notes: string[], bytes?: Uint8Array): ParsedPlan {
  const file = options.file;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (text.trim() === '') throw new MeshgateError('MG_PLAN_EMPTY', 'plan file is empty', { location: loc(file) });
  const { start, wrapped } = findJsonStart(text);
  if (start === -1) return nativeParse(text, 0, text.length, file, notes, undefined);
  if (wrapped) notes.push('wrapper');
  const scanned = scan(text, start, maxDepth, bytes);
  if (scanned.tooDeep) {
    throw new MeshgateError('MG_PLAN_TOO_DEEP', `plan JSON nests deeper than ${maxDepth} levels`, { location: loc(file, scanned.deepAt) });
  }
  if (scanned.end === -1) {
    // Let JSON.parse name the exact problem where it can; otherwise report the end of the text.
    try {
      JSON.parse(text.slice(start));
    } catch (e) {
      throw toSyntaxError(text, start, file, e, 'truncated or unterminated JSON');
    }
    throw syntaxError(text, text.length, file, 'truncated or unterminated JSON');
  }
  const rest = text.slice(scanned.end);
  const trailingOk = rest.split('\n').every(isWrapperLine);
  if (!trailingOk) return nativeParse(text, start, text.length, file, notes, undefined);
  if (rest.trim() !== '') notes.push('wrapper');
  return nativeParse(text, start, scanned.end, file, notes, scanned.resourceChanges);
}

function toSyntaxError(text: string, offset: number, file: string | undefined, e: unknown, fallback: string): MeshgateError {
  const message = e instanceof Error ? e.message : String(e);
  const m = /position (\d+)/.exec(message);
  if (m?.[1] !== undefined) return syntaxError(text, offset + Number(m[1]), file, message.replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, ''), e);
  return syntaxError(text, text.length, file, /end of JSON/i.test(message) ? fallback : message, e);
}

function nativeParse(text: string, start: number, end: number, file: string | undefined, notes: string[], positions: TextPosition[] | undefined): ParsedPlan {
  let value: unknown;
  try {
    value = JSON.parse(start === 0 && end === text.length ? text : text.slice(start, end));
  } catch (e) {
    throw toSyntaxError(text, start, file, e, 'truncated or unterminated JSON');
  }
  const json = classify(value, file, notes);
  const rc = json['resource_changes'];
  const aligned = positions !== undefined && Array.isArray(rc) && rc.length === positions.length ? positions : undefined;
  return file === undefined ? { json, positions: aligned, notes } : { json, positions: aligned, file, notes };
}

/** True when `v` looks like a plan (`terraform show -json` of a plan, or HCP's redacted JSON plan). */
function looksLikePlan(v: Record<string, unknown>): boolean {
  if (typeof v['plan_format_version'] === 'string') return true;
  return typeof v['format_version'] === 'string' && ('planned_values' in v || 'resource_changes' in v || ('configuration' in v && !('values' in v)));
}

function findWrappedPlan(v: unknown, path: string, depth: number): string | undefined {
  if (depth > 3) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && i < 20; i++) {
      const hit = findWrappedPlan(v[i], `${path}[${i}]`, depth + 1);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (!isObject(v)) return undefined;
  if (depth > 0 && looksLikePlan(v)) return path;
  for (const k of Object.keys(v)) {
    const hit = findWrappedPlan(v[k], path === '' ? k : `${path}.${k}`, depth + 1);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Checks that a parsed value is a plan of a supported format; throws a coded error naming what it is instead. */
function classify(value: unknown, file: string | undefined, notes: string[]): Record<string, unknown> {
  const where = { location: loc(file) };
  if (!isObject(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw new MeshgateError('MG_PLAN_NOT_A_PLAN', `expected a Terraform plan JSON object, got ${kind}`, where);
  }
  if (!looksLikePlan(value)) {
    if (typeof value['format_version'] === 'string' && 'values' in value) {
      throw new MeshgateError('MG_PLAN_IS_STATE', 'this is Terraform state JSON (`values`, no `planned_values`/`resource_changes`), not a plan: run `terraform show -json plan.out` on a saved plan', where);
    }
    if (typeof value['version'] === 'number' && Array.isArray(value['resources']) && ('lineage' in value || 'serial' in value)) {
      throw new MeshgateError('MG_PLAN_IS_STATE', 'this is a raw terraform.tfstate file, not a plan: run `terraform show -json plan.out` on a saved plan', where);
    }
    const wrapped = findWrappedPlan(value, '', 0);
    if (wrapped !== undefined) {
      throw new MeshgateError('MG_PLAN_WRAPPED', `a plan is wrapped inside \`${wrapped}\` (a test mock or tool payload?), pass the plan JSON itself`, { ...where, details: { path: wrapped } });
    }
    const keys = Object.keys(value).slice(0, 6).join(', ');
    throw new MeshgateError('MG_PLAN_NOT_A_PLAN', `not a Terraform plan: no format_version with planned_values/resource_changes (top-level keys: ${keys || 'none'})`, where);
  }
  const fv = typeof value['format_version'] === 'string' ? value['format_version'] : value['plan_format_version'];
  const major = typeof fv === 'string' ? Number(fv.split('.')[0]) : NaN;
  if (!(major === 0 || major === 1)) {
    throw new MeshgateError('MG_PLAN_FORMAT_UNSUPPORTED', `plan format_version ${String(fv)} is not supported (0.x and 1.x are)`, where);
  }
  if (typeof value['plan_format_version'] === 'string') notes.push('redacted');
  return value;
}

/**
 * Parses plan JSON from text, bytes or an object. Throws MeshgateError: MG_PLAN_JSON_SYNTAX (with line),
 * MG_PLAN_IS_STATE, MG_PLAN_WRAPPED, MG_PLAN_NOT_A_PLAN, MG_PLAN_FORMAT_UNSUPPORTED, MG_PLAN_TOO_LARGE,
 * MG_PLAN_TOO_DEEP, MG_PLAN_ENCODING, MG_PLAN_EMPTY.
 */
export function parsePlan(source: string | Uint8Array | Record<string, unknown>, options: ParsePlanOptions = {}): ParsedPlan {
  const file = options.file;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const notes: string[] = [];
  if (typeof source === 'string') {
    if (source.length > maxBytes) throw new MeshgateError('MG_PLAN_TOO_LARGE', `plan is larger than the limit of ${maxBytes} characters`, { location: loc(file) });
    if (source.charCodeAt(0) === 0xfeff) notes.push('utf-8-bom');
    return parseText(stripBom(source), options, notes);
  }
  if (source instanceof Uint8Array) {
    if (source.length > maxBytes) throw new MeshgateError('MG_PLAN_TOO_LARGE', `plan is larger than the limit of ${maxBytes} bytes`, { location: loc(file) });
    if (source[0] === 0xff && source[1] === 0xfe) notes.push('utf-16le');
    else if (source[0] === 0xfe && source[1] === 0xff) notes.push('utf-16be');
    else if (source[0] === 0xef && source[1] === 0xbb && source[2] === 0xbf) notes.push('utf-8-bom');
    return parseText(decodePlanBytes(source, file), options, notes, source);
  }
  const json = classify(source, file, notes);
  return file === undefined ? { json, positions: undefined, notes } : { json, positions: undefined, file, notes };
}
