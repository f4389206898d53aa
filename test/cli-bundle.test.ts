/**
 * The bundled CLI's own files (tsup.config.ts): the prebuilt opa-wasm SDK beside the runner still gets
 * meshgate's Go-compatible sprintf, and its YAML built-ins load the SDK's yaml on first use; the artefacts
 * derived from the shipped bundles (dist/cli/prebuilt) are exactly what the work at load would give.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { readBundle } from '../src/policy/bundle.js';
import { meterWasm } from '../src/policy/meter.js';
import { lengthCrcKey } from '../src/crc32.js';

describe('the bundled CLI', () => {
  beforeAll(() => ensureBuilt());

  it('formats policy messages with the Go-compatible sprintf (a %v of null reads null, as under OPA)', async () => {
    const r = await runCli(['check', 'fixtures/cli/sprintf/null-threshold.contract.yaml', '--format', 'json']);
    expect(r.code).toBe(1);
    const msgs = (JSON.parse(r.stdout) as { results: Array<{ findings: Array<{ msg: string }> }> }).results[0]?.findings.map((f) => f.msg);
    expect(msgs).toContain('SLO "latency" has a malformed threshold null (expected an ISO-8601 duration such as P1D or a percentage such as 99.95%).');
  });

  it('the prebuilt SDK file exposes the SDK built-ins table, whose YAML built-ins load yaml on first call', () => {
    const prebuilt = createRequire(import.meta.url)(join(ROOT, 'dist', 'cli', 'opa-wasm.cjs')) as { builtins: Record<string, (x: unknown) => unknown> };
    expect(typeof prebuilt.builtins['sprintf']).toBe('function');
    expect(prebuilt.builtins['yaml.unmarshal']?.('a: [1, 2]')).toEqual({ a: [1, 2] });
    expect(prebuilt.builtins['yaml.marshal']?.({ k: 'v' })).toBe('k: v\n');
  });

  it('ships every shipped bundle inflated and its metered module, byte for byte what inflating and metering at load give', () => {
    const dist = join(ROOT, 'policies', 'dist');
    const prebuilt = join(ROOT, 'dist', 'cli', 'prebuilt');
    const bundles = readdirSync(dist).filter((f) => f.endsWith('.tar.gz'));
    expect(bundles.length).toBeGreaterThan(0);
    for (const f of bundles) {
      const gz = readFileSync(join(dist, f));
      const gzKey = lengthCrcKey(gz);
      expect(Buffer.compare(readFileSync(join(prebuilt, `${gzKey}.tar.source`)), gz), f).toBe(0);
      expect(Buffer.compare(readFileSync(join(prebuilt, `${gzKey}.tar`)), gunzipSync(gz)), f).toBe(0);
      const wasm = readBundle(join(dist, f)).wasm;
      const key = lengthCrcKey(wasm);
      expect(Buffer.compare(readFileSync(join(prebuilt, `${key}.metered.wasm.source`)), Buffer.from(wasm)), f).toBe(0);
      expect(Buffer.compare(readFileSync(join(prebuilt, `${key}.metered.wasm`)), Buffer.from(meterWasm(wasm))), f).toBe(0);
    }
    // nothing else: no artefact of a bundle that is no longer shipped
    expect(readdirSync(prebuilt).length).toBe(bundles.length * 4);
  });
});
