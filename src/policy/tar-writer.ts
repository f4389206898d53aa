/**
 * Writes an OPA bundle back to `.tar.gz` bytes: a deterministic ustar archive (sorted entries, mode 0644,
 * owner 0, mtime 0, PAX records for long paths) compressed with node:zlib. The same files always give
 * the same bytes, so a signed build is reproducible. Entry names carry a leading `/`, as `opa build` writes.
 */
import { gzipSync } from 'node:zlib';
import { MeshgateError } from '../errors.js';

const encoder = new TextEncoder();
const BLOCK = 512;

/** Options of {@link packBundle}. */
export interface PackOptions {
  /** Entry order: by default `.signatures.json` and `.manifest` first, then every other path sorted. */
  order?: (a: string, b: string) => number;
}

function defaultOrder(a: string, b: string): number {
  const rank = (p: string): number => (p === '.signatures.json' ? 0 : p === '.manifest' ? 1 : 2);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

function writeString(buf: Uint8Array, offset: number, len: number, text: string): void {
  const bytes = encoder.encode(text);
  buf.set(bytes.subarray(0, len), offset);
}

function writeOctal(buf: Uint8Array, offset: number, len: number, value: number): void {
  writeString(buf, offset, len - 1, value.toString(8).padStart(len - 1, '0'));
}

function header(name: string, size: number, type: '0' | 'x'): Uint8Array {
  const h = new Uint8Array(BLOCK);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0);
  h.fill(32, 148, 156);
  h[156] = type.charCodeAt(0);
  writeString(h, 257, 6, 'ustar');
  writeString(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

function paxRecord(key: string, value: string): Uint8Array {
  const body = ` ${key}=${value}\n`;
  const bodyLen = encoder.encode(body).length;
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length !== String(len - bodyLen).length) len = bodyLen + String(len).length;
  return encoder.encode(`${len}${body}`);
}

function padded(bytes: Uint8Array): Uint8Array[] {
  const rest = bytes.length % BLOCK;
  return rest === 0 ? [bytes] : [bytes, new Uint8Array(BLOCK - rest)];
}

/** Writes the files (paths without a leading slash) as an uncompressed ustar archive. */
export function packTar(files: ReadonlyMap<string, Uint8Array>, options: PackOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const paths = [...files.keys()].sort(options.order ?? defaultOrder);
  for (const path of paths) {
    if (path === '' || path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '')) {
      throw new MeshgateError('MG_BUNDLE_PATH', `cannot write bundle entry with path ${JSON.stringify(path)}`);
    }
    const body = files.get(path)!;
    const name = `/${path}`;
    if (encoder.encode(name).length > 100) {
      const pax = paxRecord('path', name);
      parts.push(header(`PaxHeaders/${path.slice(-80)}`, pax.length, 'x'), ...padded(pax));
      parts.push(header(name.slice(0, 99), body.length, '0'), ...padded(body));
    } else {
      parts.push(header(name, body.length, '0'), ...padded(body));
    }
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes the files as a gzip-compressed tar (an OPA bundle file). Deterministic. */
export function packBundle(files: ReadonlyMap<string, Uint8Array>, options: PackOptions = {}): Uint8Array {
  return new Uint8Array(gzipSync(packTar(files, options), { level: 9 }));
}
