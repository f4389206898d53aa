/**
 * CRC-32 forging for tests: changes four bytes of a copy of `data` at `offset` so that its CRC-32 becomes
 * `target` (arithmetic in GF(2)[x] modulo the CRC polynomial: the four bytes' contribution to the CRC is
 * linear and invertible). Used to show that a CRC alone is no identity, so every lookup by CRC must also
 * compare the bytes.
 */
import { crc32 } from 'node:zlib';

const POLY = 0x104c11db7n;

function reverse32(x: bigint): bigint {
  let y = 0n;
  for (let i = 0; i < 32; i++) {
    y = (y << 1n) | (x & 1n);
    x >>= 1n;
  }
  return y;
}

function mul(x: bigint, y: bigint): bigint {
  let z = 0n;
  while (y !== 0n) {
    if (y & 1n) z ^= x;
    y >>= 1n;
    x <<= 1n;
    if ((x >> 32n) & 1n) x ^= POLY;
  }
  return z;
}

function pow(x: bigint, y: bigint): bigint {
  let z = 1n;
  while (y !== 0n) {
    if (y & 1n) z = mul(z, x);
    x = mul(x, x);
    y >>= 1n;
  }
  return z;
}

const degree = (x: bigint): number => x.toString(2).length - 1;

function divmod(x: bigint, y: bigint): [bigint, bigint] {
  if (x === 0n) return [0n, 0n];
  const yd = degree(y);
  let z = 0n;
  for (let i = degree(x) - yd; i >= 0; i--) {
    if ((x >> BigInt(i + yd)) & 1n) {
      x ^= y << BigInt(i);
      z |= 1n << BigInt(i);
    }
  }
  return [z, x];
}

function reciprocal(y: bigint): bigint {
  let x = POLY;
  let a = 0n;
  let b = 1n;
  while (y !== 0n) {
    const [q, r] = divmod(x, y);
    const c = a ^ mul(q, b);
    x = y;
    y = r;
    a = b;
    b = c;
  }
  if (x !== 1n) throw new Error('no reciprocal');
  return a;
}

/** A copy of `data` with the four bytes at `offset` changed so that its CRC-32 is `target`. */
export function forceCrc32(data: Uint8Array, offset: number, target: number): Uint8Array {
  const out = Uint8Array.from(data);
  const delta = mul(reciprocal(pow(2n, BigInt((out.length - offset) * 8))), reverse32(BigInt(crc32(out) >>> 0)) ^ reverse32(BigInt(target >>> 0)));
  const r = reverse32(delta);
  for (let i = 0; i < 4; i++) out[offset + i]! ^= Number((r >> BigInt(i * 8)) & 0xffn);
  return out;
}
