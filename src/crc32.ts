/**
 * The one home of CRC-32 (the zlib / IEEE 802.3 polynomial). {@link crc32} uses zlib's native one on Node
 * (20.15+, found through `process.getBuiltinModule`, like src/sha256.ts) and otherwise a table-driven one
 * in plain TypeScript with the same results (tested). A CRC detects accidental change; it is no identity
 * against a chosen input (four chosen bytes give any CRC), so where bytes are looked up by
 * {@link lengthCrcKey}, {@link sameBytes} decides.
 */

let table: Uint32Array | undefined;

/** CRC-32 in plain TypeScript (no platform code); see {@link crc32}. */
export function pureCrc32(data: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** zlib's native CRC-32 when the runtime is Node 20.15+, else undefined. */
function platformCrc32(): ((data: Uint8Array) => number) | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = proc?.getBuiltinModule?.('node:zlib') as { crc32?: (data: Uint8Array) => number } | undefined;
  const f = zlib?.crc32;
  return typeof f === 'function' ? (data) => f(data) >>> 0 : undefined;
}

let impl: ((data: Uint8Array) => number) | undefined;

/** CRC-32 of `data` as an unsigned 32-bit number: zlib's on Node, else {@link pureCrc32}. */
export function crc32(data: Uint8Array): number {
  impl ??= platformCrc32() ?? pureCrc32;
  return impl(data);
}

/** True when `a` and `b` hold the same bytes (native comparison on Node, a word loop elsewhere). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  if (a === b) return true;
  const B = (globalThis as { Buffer?: { from(buf: ArrayBufferLike, offset: number, length: number): { equals(o: Uint8Array): boolean } } }).Buffer;
  if (B !== undefined) return B.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A cheap lookup key for a byte string: its length and CRC-32 (`<length>-<8 hex digits>`). Only a bucket:
 * two different byte strings can share it, so a lookup confirms a hit with {@link sameBytes}.
 */
export function lengthCrcKey(bytes: Uint8Array): string {
  return `${bytes.byteLength}-${crc32(bytes).toString(16).padStart(8, '0')}`;
}
