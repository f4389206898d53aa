import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { digestHex, pureSha256Hex, sha256Backend, sha256Hex, toHex } from '../src/sha256.js';
import { sha256Hex as auditSha256Hex } from '../src/audit/index.js';
import { DIST, ROOT } from './helpers/paths.js';

const nodeHex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('sha256 (one home)', () => {
  it('the pure and the platform implementations agree with node:crypto on vectors, block edges and Unicode', () => {
    expect(pureSha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(pureSha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const len of [1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_000]) {
      const buf = new Uint8Array(randomBytes(len));
      expect(pureSha256Hex(buf)).toBe(nodeHex(buf));
      expect(sha256Hex(buf)).toBe(nodeHex(buf));
    }
    for (const text of ['héllo ✓ 𝄞', 'Ｋ\u0301', '\u0000\n']) {
      expect(pureSha256Hex(text)).toBe(nodeHex(text));
      expect(sha256Hex(text)).toBe(nodeHex(text));
    }
    expect(sha256Backend()).toBe('node:crypto');
  });

  it('the audit surface re-exports the same function, not a second implementation', () => {
    expect(auditSha256Hex).toBe(sha256Hex);
  });

  it('a shipped bundle hashes the same through sha256Hex, digestHex and node:crypto', async () => {
    const bytes = new Uint8Array(readFileSync(join(DIST, 'global.tar.gz')));
    const manifest = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')) as { layers: Record<string, { bundle_sha256: string }> };
    expect(sha256Hex(bytes)).toBe(manifest.layers.global!.bundle_sha256);
    expect(await digestHex('SHA-256', bytes)).toBe(nodeHex(bytes));
    expect(await digestHex('SHA-512', bytes)).toBe(createHash('sha512').update(bytes).digest('hex'));
    expect(toHex(new Uint8Array([0, 1, 15, 16, 255]))).toBe('00010f10ff');
  });

  describe('without node:crypto (a browser or edge runtime)', () => {
    const original = process.getBuiltinModule;
    afterEach(() => {
      process.getBuiltinModule = original;
      vi.resetModules();
    });
    it('falls back to the pure implementation with the same digests', async () => {
      (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      vi.resetModules();
      const fresh = await import('../src/sha256.js');
      expect(fresh.sha256Backend()).toBe('pure');
      expect(fresh.sha256Hex('abc')).toBe(nodeHex('abc'));
    });
  });

  it('no other module computes SHA-256 itself (createHash or subtle.digest outside src/sha256.ts)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) { if (e.name !== 'generated') walk(p); continue; }
        if (!p.endsWith('.ts') || p.endsWith(join('src', 'sha256.ts'))) continue;
        const text = readFileSync(p, 'utf8');
        if (/createHash\(\s*['"]sha256['"]|subtle\.digest\(\s*['"]SHA-256/.test(text)) offenders.push(p);
      }
    };
    walk(join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});
