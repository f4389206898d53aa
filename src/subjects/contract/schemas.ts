/**
 * Readers of embedded schema languages into canonical fields: JSON Schema `properties` and Avro records
 * (the seed's streaming product carries its Avro schema as an embedded JSON string).
 */
import { MeshgateError } from '../../errors.js';
import { asBool, asString, asStrings, Builder, newField, readCommonFieldKeys } from './builder.js';
import type { ContractField } from './model.js';
import { isTreeObject, parseSource } from './tree.js';
import type { RawPath, TreeValue } from './tree.js';

/** Reads JSON Schema `properties` (with `required`) at `raw` into fields. */
export function readJsonSchema(b: Builder, raw: RawPath, canon: string, depth = 0): ContractField[] {
  const props = b.obj([...raw, 'properties']);
  if (!props || depth > 50) return [];
  const required = new Set(asStrings(b.get([...raw, 'required'])));
  const out: ContractField[] = [];
  for (const name of Object.keys(props)) {
    const p: RawPath = [...raw, 'properties', name];
    const c = `${canon}.${out.length}`;
    const f = newField(name);
    b.mark(c, p);
    b.mark(`${c}.name`, p);
    const t = b.get([...p, 'type']);
    const types = asStrings(t);
    const main = types.filter((x) => x !== 'null');
    if (main.length) {
      f.type = main.join('|');
      b.mark(`${c}.type`, [...p, 'type']);
    }
    f.required = required.has(name);
    if (f.required) b.mark(`${c}.required`, [...raw, 'required']);
    f.nullable = types.includes('null') || (!f.required && types.length === 0);
    if (!types.includes('null') && f.required) f.nullable = false;
    if (asBool(b.get([...p, 'nullable'])) === true) f.nullable = true;
    if (asBool(b.get([...p, 'uniqueItems'])) === true) f.unique = true;
    readCommonFieldKeys(b, f, p, c);
    if (b.obj([...p, 'properties'])) f.fields = readJsonSchema(b, p, `${c}.fields`, depth + 1);
    else if (b.obj([...p, 'items', 'properties'])) f.fields = readJsonSchema(b, [...p, 'items'], `${c}.fields`, depth + 1);
    out.push(f);
  }
  return out;
}

/** Where an embedded text starts in its file, when it can be mapped (a block scalar `|` or `>`). */
function embeddedShift(b: Builder, raw: RawPath): { lineShift: number; colShift: number } | undefined {
  const loc = b.tree.locate(raw);
  const text = b.tree.text;
  if (!loc?.line || text === undefined) return undefined;
  const lines = text.split(/\r?\n/);
  const header = lines[loc.line - 1] ?? '';
  if (!/:\s*[|>][-+0-9]*\s*(#.*)?$/.test(header)) return undefined;
  let i = loc.line;
  while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
  const first = lines[i] ?? '';
  const indent = first.length - first.trimStart().length;
  return { lineShift: i, colShift: indent };
}

/**
 * Reads an Avro schema given as embedded JSON text (or an object) at `raw`. Positions inside a block
 * scalar are mapped back to the file; otherwise fields point at the embedding key.
 */
export function readAvro(b: Builder, raw: RawPath, canon: string): ContractField[] {
  const v = b.get(raw);
  let sub: Builder;
  let base: RawPath;
  if (typeof v === 'string') {
    const shift = embeddedShift(b, raw);
    const opts: { file?: string; lineShift?: number; colShift?: number } = {};
    if (b.tree.file !== undefined) opts.file = b.tree.file;
    if (shift) Object.assign(opts, shift);
    let tree;
    try {
      tree = parseSource(v, opts);
    } catch (e) {
      if (e instanceof MeshgateError && !shift) {
        throw new MeshgateError(e.code, `embedded Avro schema: ${e.reason}`, { cause: e, location: b.tree.nearest(raw) ?? {} });
      }
      throw e instanceof MeshgateError ? new MeshgateError(e.code, `embedded Avro schema: ${e.reason}`, { cause: e, location: e.location ?? {} }) : e;
    }
    if (!shift) {
      // Positions inside a quoted string cannot be mapped: every embedded value points at the key.
      const keyLoc = b.tree.nearest(raw);
      tree = { ...tree, locate: () => keyLoc, nearest: () => keyLoc };
    }
    sub = new Builder(tree);
    base = [];
  } else {
    sub = b;
    base = raw;
  }
  if (!isTreeObject(sub.get(base))) {
    throw new MeshgateError('MG_CONTRACT_AVRO', 'the Avro schema_definition is not a JSON object', { location: b.tree.nearest(raw) ?? {} });
  }
  const fields = readAvroRecord(sub, base, canon, 0);
  for (const [k, loc] of Object.entries(sub.locations)) if (sub !== b) b.locations[k] = loc;
  return fields;
}

function readAvroRecord(b: Builder, raw: RawPath, canon: string, depth: number): ContractField[] {
  const list = b.arr([...raw, 'fields']);
  if (!list || depth > 50) return [];
  const out: ContractField[] = [];
  list.forEach((item, i) => {
    const p: RawPath = [...raw, 'fields', i];
    if (!isTreeObject(item)) return;
    const name = asString(item['name']);
    if (name === undefined) return;
    const c = `${canon}.${out.length}`;
    const f = newField(name);
    b.mark(c, p);
    b.mark(`${c}.name`, [...p, 'name']);
    const hasDefault = Object.prototype.hasOwnProperty.call(item, 'default');
    let t: TreeValue | undefined = item['type'];
    let tPath: RawPath = [...p, 'type'];
    let nullable = false;
    if (Array.isArray(t)) {
      nullable = t.includes('null');
      const idx = t.findIndex((x) => x !== 'null');
      t = idx >= 0 ? t[idx] : 'null';
      tPath = [...tPath, idx >= 0 ? idx : 0];
    }
    b.mark(`${c}.type`, [...p, 'type']);
    f.nullable = nullable;
    f.required = !nullable && !hasDefault;
    if (typeof t === 'string') f.type = t;
    else if (isTreeObject(t)) {
      const kind = asString(t['type']) ?? 'unknown';
      const logical = asString(t['logicalType']);
      f.type = logical ?? kind;
      if (kind === 'enum') {
        f.enum = asStrings(t['symbols']);
        b.mark(`${c}.enum`, [...tPath, 'symbols']);
      } else if (kind === 'record') {
        f.fields = readAvroRecord(b, tPath, `${c}.fields`, depth + 1);
      } else if (kind === 'array') {
        const items = t['items'];
        if (isTreeObject(items) && asString(items['type']) === 'record') f.fields = readAvroRecord(b, [...tPath, 'items'], `${c}.fields`, depth + 1);
        else if (typeof items === 'string') f.type = `array<${items}>`;
      } else if (kind === 'map') {
        const values = asString(t['values']);
        if (values !== undefined) f.type = `map<${values}>`;
      }
    }
    readCommonFieldKeys(b, f, p, c);
    out.push(f);
  });
  return out;
}
