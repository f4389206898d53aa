/**
 * src/crc32.ts: the pure CRC-32 agrees with zlib's, and a lookup key made of length and CRC is only a
 * bucket — four chosen bytes give another input the same key, which sameBytes tells apart.
 */
import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, lengthCrcKey, pureCrc32, sameBytes } from '../src/crc32.js';
import { forceCrc32 } from './helpers/forge-crc.js';

describe('crc32 (one home)', () => {
  it('the pure and the platform CRC-32 agree with zlib on edges and random data', () => {
    for (const len of [0, 1, 3, 4, 5, 63, 64, 65, 1000, 70_000]) {
      const buf = new Uint8Array(randomBytes(len));
      expect(pureCrc32(buf)).toBe(zlibCrc32(buf) >>> 0);
      expect(crc32(buf)).toBe(zlibCrc32(buf) >>> 0);
    }
    expect(pureCrc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the check value of CRC-32/ISO-HDLC
  });

  it('lengthCrcKey is the length and eight hex digits', () => {
    expect(lengthCrcKey(new TextEncoder().encode('123456789'))).toBe('9-cbf43926');
    expect(lengthCrcKey(new Uint8Array(0))).toBe('0-00000000');
  });

  it('a forged input shares the key of another but not its bytes', () => {
    const original = new Uint8Array(randomBytes(4096));
    const changed = Uint8Array.from(original);
    changed[7]! ^= 0x5a;
    const forged = forceCrc32(changed, 2000, crc32(original));
    expect(lengthCrcKey(forged)).toBe(lengthCrcKey(original));
    expect(sameBytes(forged, original)).toBe(false);
    expect(sameBytes(Uint8Array.from(original), original)).toBe(true);
    // views at other offsets of a larger buffer compare by their own bytes
    const big = new Uint8Array(original.length + 10);
    big.set(original, 10);
    expect(sameBytes(big.subarray(10), original)).toBe(true);
    expect(sameBytes(big.subarray(9, original.length + 9), original)).toBe(false);
    expect(sameBytes(original.subarray(1), original)).toBe(false);
  });
});
