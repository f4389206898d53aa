/**
 * The file digests of OPA's bundle signatures. OPA hashes a plain file over its bytes, but a structured
 * file (`data.json`, `data.yaml`, `.manifest`) over a normalised form of its JSON value, so that the
 * signature does not depend on whitespace or key order: objects with keys sorted by UTF-8 bytes, no
 * whitespace, strings in Go's `encoding/json` form without HTML escaping, and numbers exactly as written
 * in the source (OPA decodes them as `json.Number`). This module reproduces that form. Pure, no I/O.
 */
import { yaml } from '../yaml.js';
import { MeshgateError, describeThrown } from '../errors.js';
import { sha256Hex } from '../sha256.js';

/** True when OPA hashes the file over its normalised JSON value instead of its bytes. */
export function isStructuredBundleFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === '.manifest' || base === '.signatures.json';
}

/** A JSON value whose numbers keep their source text. */
type JsonNode =
  | { t: 'num'; v: string }
  | { t: 'str'; v: string }
  | { t: 'lit'; v: 'true' | 'false' | 'null' }
  | { t: 'arr'; v: JsonNode[] }
  | { t: 'obj'; v: Map<string, JsonNode> };

class JsonReader {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(why: string): never {
    throw new SyntaxError(`${why} at offset ${this.i}`);
  }

  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  document(): JsonNode {
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected trailing data');
    return v;
  }

  value(depth: number): JsonNode {
    if (depth > 1000) this.fail('nesting too deep');
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { t: 'str', v: this.string() };
    for (const lit of ['true', 'false', 'null'] as const) {
      if (this.s.startsWith(lit, this.i)) {
        this.i += lit.length;
        return { t: 'lit', v: lit };
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 1024));
    if (!m || m[0] === '' || m[0] === '-') this.fail('unexpected character');
    this.i += m[0].length;
    return { t: 'num', v: m[0] };
  }

  object(depth: number): JsonNode {
    this.i++;
    const members = new Map<string, JsonNode>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { t: 'obj', v: members };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected :');
      this.i++;
      this.ws();
      members.set(key, this.value(depth + 1)); // a repeated key: the last one wins, as in Go
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === '}') {
        this.i++;
        return { t: 'obj', v: members };
      }
      this.fail('expected , or }');
    }
  }

  array(depth: number): JsonNode {
    this.i++;
    const items: JsonNode[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { t: 'arr', v: items };
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === ']') {
        this.i++;
        return { t: 'arr', v: items };
      }
      this.fail('expected , or ]');
    }
  }

  string(): string {
    const start = ++this.i;
    let out = '';
    let chunk = start;
    for (;;) {
      if (this.i >= this.s.length) this.fail('unterminated string');
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        out += this.s.slice(chunk, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += this.s.slice(chunk, this.i);
      const e = this.s[this.i + 1];
      this.i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = this.s.slice(this.i, this.i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 4;
          break;
        }
        default:
          this.fail('bad escape');
      }
      chunk = this.i;
    }
  }
}

/** Compares two strings by their UTF-8 bytes (code point order), as Go's sort of string keys does. */
function compareUtf8(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

const HEX = '0123456789abcdef';

/** Encodes a string as Go's encoding/json does with SetEscapeHTML(false). */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\ufffd';
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd';
      continue;
    }
    switch (c) {
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
      case 0x08: out += '\\b'; continue;
      case 0x0c: out += '\\f'; continue;
      case 0x2028: out += '\\u2028'; continue;
      case 0x2029: out += '\\u2029'; continue;
      default:
        if (c < 0x20) out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
        else out += s[i]!;
    }
  }
  return `${out}"`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses a string holding a lone surrogate (a `\ud800` escape): Go would hash it as U+FFFD, so a signature
 * over `"\ufffd"` would also cover `"\ud800"` while JavaScript loads a different value. Signed JSON must
 * mean one thing.
 */
function checkUnicode(s: string): string {
  if (LONE_SURROGATE.test(s)) {
    throw new MeshgateError('MG_BUNDLE_UNICODE_INVALID', `a signed JSON string holds a lone UTF-16 surrogate (${JSON.stringify(s.slice(0, 40))}): refused rather than hashed as U+FFFD`);
  }
  return s;
}

function writeNode(n: JsonNode, out: string[]): void {
  switch (n.t) {
    case 'num':
    case 'lit':
      out.push(n.v);
      return;
    case 'str':
      out.push(goJsonString(checkUnicode(n.v)));
      return;
    case 'arr':
      out.push('[');
      n.v.forEach((x, i) => {
        if (i > 0) out.push(',');
        writeNode(x, out);
      });
      out.push(']');
      return;
    case 'obj': {
      out.push('{');
      [...n.v.keys()].sort(compareUtf8).forEach((k, i) => {
        if (i > 0) out.push(',');
        out.push(goJsonString(checkUnicode(k)), ':');
        writeNode(n.v.get(k)!, out);
      });
      out.push('}');
    }
  }
}

function fromPlain(v: unknown): JsonNode {
  if (v === null || v === undefined) return { t: 'lit', v: 'null' };
  if (typeof v === 'boolean') return { t: 'lit', v: v ? 'true' : 'false' };
  if (typeof v === 'number') return { t: 'num', v: Number.isFinite(v) ? JSON.stringify(v) : 'null' };
  if (typeof v === 'string') return { t: 'str', v };
  if (Array.isArray(v)) return { t: 'arr', v: v.map(fromPlain) };
  if (v instanceof Date) return { t: 'str', v: v.toISOString() };
  return { t: 'obj', v: new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromPlain(x)])) };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The normalised text OPA hashes for a structured file: JSON text (or, for `data.yaml`, YAML converted
 * to JSON, best effort) with sorted keys and the numbers as written. Throws MG_BUNDLE_CORRUPT when the
 * file does not parse, MG_BUNDLE_UNICODE_INVALID when it is not valid UTF-8 or holds a lone surrogate.
 */
export function normalisedJson(path: string, bytes: Uint8Array): string {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_UNICODE_INVALID', `bundle file ${path} is not valid UTF-8: refused rather than hashed after a lossy decode`, { cause: e, location: { file: path } });
  }
  let node: JsonNode;
  try {
    node = path.endsWith('data.yaml') ? fromPlain(yaml().parse(text)) : new JsonReader(text).document();
  } catch (e) {
    throw new MeshgateError('MG_BUNDLE_CORRUPT', `bundle file ${path} is not valid ${path.endsWith('.yaml') ? 'YAML' : 'JSON'}: ${describeThrown(e)}`, {
      cause: e,
      location: { file: path },
    });
  }
  const out: string[] = [];
  writeNode(node, out);
  return out.join('');
}

const encoder = new TextEncoder();

/** The bytes OPA feeds to the hash for a bundle file: the normalised JSON for structured files, else the file. */
export function signedContent(path: string, bytes: Uint8Array): Uint8Array {
  return isStructuredBundleFile(path) ? encoder.encode(normalisedJson(path, bytes)) : bytes;
}

/** SHA-256 of a bundle file as OPA computes it, in hex (async for callers that also use Web Crypto digests). */
export async function bundleFileDigest(path: string, bytes: Uint8Array): Promise<string> {
  return sha256Hex(signedContent(path, bytes));
}
