/**
 * Masking of audit inputs: PII values never leave the process. A mask list holds field names (`email`,
 * matched at any depth) or dot paths from the root (`request.user.email`, `contract.fields.*.example`),
 * where `*` matches one key or array index and `**` any number of levels. Arrays are transparent: a
 * named segment applied to an array applies to each element. Independently of the list, a field
 * descriptor classified as PII (`pii: true`, `classification: PII | sensitive | restricted | confidential`)
 * has its sample values (`example`, `examples`, `sample`, `samples`, `default`, `value`, `values`) masked.
 * Pure, no I/O; the input is never modified.
 */

/** The text that replaces a masked value. */
export const MASKED = '***MASKED***';

/** The result of {@link maskWithReport}: the masked copy and the JSON pointers of what was masked. */
export interface MaskResult {
  /** A deep copy of the input with masked values replaced by {@link MASKED}. */
  value: unknown;
  /** JSON pointers (RFC 6901, relative to the input) of the masked values, at most {@link MAX_REPORTED} of them. */
  masked: string[];
  /** How many values were masked in total. */
  count: number;
  /**
   * The distinct string forms (3+ characters) of the masked leaf values, so that callers can scrub them
   * from other text (finding messages, subject ids). In-memory only: never serialise it.
   */
  secrets: string[];
}

/** How many masked pointers {@link maskWithReport} lists (the count is always exact). */
export const MAX_REPORTED = 200;

const SAMPLE_KEYS = new Set(['example', 'examples', 'sample', 'samples', 'default', 'value', 'values']);
const PII_CLASS = /^(pii|sensitive|restricted|confidential|secret|personal)$/i;
const CLASS_KEYS = ['classification', 'sensitivity', 'data_classification', 'dataClassification'];
const PII_FLAGS = ['pii', 'is_pii', 'isPii', 'personal_data'];

/** Returns a deep copy of `input` with every value matched by `maskPaths` (or classified PII samples) replaced by `"***MASKED***"`. */
export function maskInput(input: unknown, maskPaths: readonly string[]): unknown {
  return maskWithReport(input, maskPaths).value;
}

/** Like {@link maskInput}, and also reports which pointers were masked (for the event's `masked` field, as OPA does). */
export function maskWithReport(input: unknown, maskPaths: readonly string[]): MaskResult {
  const patterns = compile(maskPaths);
  const out: MaskResult = { value: undefined, masked: [], count: 0, secrets: [] };
  const initial: State[] = patterns.map((_, p) => ({ p, i: 0 }));
  const secrets = new Set<string>();
  out.value = walk(input, initial, patterns, '', out, [], secrets);
  out.secrets = [...secrets].sort((a, b) => b.length - a.length);
  return out;
}

interface State {
  p: number;
  i: number;
}

function compile(paths: readonly string[]): string[][] {
  const out: string[][] = [];
  for (const raw of paths) {
    const path = raw.trim();
    if (path === '') continue;
    const segs = path.split('.').filter((s) => s !== '');
    if (segs.length === 0) continue;
    out.push(segs.length === 1 && segs[0] !== '*' && segs[0] !== '**' ? ['**', segs[0]!] : segs);
  }
  return out;
}

/** Advances the pattern states over one key; `hit` when some pattern ends exactly here. */
const NO_STEP: { next: State[]; hit: boolean } = { next: [], hit: false };

function step(states: readonly State[], key: string, isIndex: boolean, patterns: string[][]): { next: State[]; hit: boolean } {
  if (states.length === 0) return NO_STEP;
  const next: State[] = [];
  const seen = new Set<string>();
  let hit = false;
  const push = (s: State): void => {
    const id = `${s.p}:${s.i}`;
    if (!seen.has(id)) {
      seen.add(id);
      next.push(s);
    }
  };
  const visit = (p: number, i: number): void => {
    const pat = patterns[p]!;
    if (i >= pat.length) {
      hit = true;
      return;
    }
    const seg = pat[i]!;
    if (seg === '**') {
      visit(p, i + 1); // zero levels
      push({ p, i }); // this key is one of the levels
      return;
    }
    if (seg === '*' || seg === key) {
      if (i + 1 === pat.length) hit = true;
      else push({ p, i: i + 1 });
      return;
    }
    if (isIndex && !/^\d+$/.test(seg)) push({ p, i }); // arrays are transparent to named segments
  };
  for (const s of states) visit(s.p, s.i);
  return { next, hit };
}

function pointerToken(k: string): string {
  return k.includes('~') || k.includes('/') ? k.replace(/~/g, '~0').replace(/\//g, '~1') : k;
}

function record(out: MaskResult, pointer: string, original: unknown, secrets: Set<string>): string {
  collectLeaves(original, secrets, 0);
  out.count++;
  if (out.masked.length < MAX_REPORTED) out.masked.push(pointer);
  return MASKED;
}

function collectLeaves(v: unknown, secrets: Set<string>, depth: number): void {
  if (depth > 32) return;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') {
    const s = String(v).trim();
    if (s.length >= 3) secrets.add(s);
  } else if (Array.isArray(v)) {
    for (const x of v) collectLeaves(x, secrets, depth + 1);
  } else if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v as Record<string, unknown>)) collectLeaves(x, secrets, depth + 1);
  }
}

function isPiiDescriptor(o: Record<string, unknown>): boolean {
  for (const k of PII_FLAGS) if (o[k] === true) return true;
  for (const k of CLASS_KEYS) {
    const v = o[k];
    if (typeof v === 'string' && PII_CLASS.test(v.trim())) return true;
  }
  return false;
}

function walk(v: unknown, states: State[], patterns: string[][], pointer: string, out: MaskResult, seen: object[], secrets: Set<string>): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    return v;
  }
  const asJson = v as { toJSON?: () => unknown };
  if (!Array.isArray(v) && typeof asJson.toJSON === 'function') {
    return walk(asJson.toJSON(), states, patterns, pointer, out, seen, secrets);
  }
  if (seen.includes(v)) return '[Circular]'; // ancestors only: shared (non-cyclic) references are fine
  seen.push(v);
  try {
    if (Array.isArray(v)) {
      return v.map((item: unknown, idx) => {
        const key = String(idx);
        const { next, hit } = step(states, key, true, patterns);
        if (hit) return record(out, `${pointer}/${key}`, item, secrets);
        if (item === null || (typeof item !== 'object' && typeof item !== 'bigint' && typeof item !== 'function' && typeof item !== 'symbol')) {
          return item === undefined ? null : item;
        }
        const r = walk(item, next, patterns, `${pointer}/${key}`, out, seen, secrets);
        return r === undefined ? null : r;
      });
    }
    const src = v as Record<string, unknown>;
    const pii = isPiiDescriptor(src);
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(src)) {
      const child = src[key];
      if (child === undefined) continue;
      const { next, hit } = step(states, key, false, patterns);
      if (hit || (pii && SAMPLE_KEYS.has(key))) {
        copy[key] = record(out, `${pointer}/${pointerToken(key)}`, child, secrets);
        continue;
      }
      if (child === null || typeof child === 'string' || typeof child === 'number' || typeof child === 'boolean') {
        copy[key] = child;
        continue;
      }
      const r = walk(child, next, patterns, `${pointer}/${pointerToken(key)}`, out, seen, secrets);
      if (r !== undefined) copy[key] = r;
    }
    return copy;
  } finally {
    seen.pop();
  }
}
