/**
 * `deadlines` in meshgate.yaml (issue 17): the configured limits reach the policy runtime through
 * loadConfig → toEngineOptions → createEngine, with the real looping fixture bundles; bad values are a
 * MG_CONFIG_INVALID naming the file and line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineFromConfig, loadConfig, toEngineOptions } from '../src/config.js';
import { isMeshgateError } from '../src/errors.js';
import { FIXTURES } from './helpers/paths.js';

const LOOPING = join(FIXTURES, 'bundles', 'looping', 'global.tar.gz');
const ALWAYS = join(FIXTURES, 'bundles', 'looping-always', 'global.tar.gz');
const dir = mkdtempSync(join(tmpdir(), 'meshgate-deadlines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

const request = { user: { id: 'alice', department: 'marketing' }, action: 'read', data_product: { id: 'campaign_stats', classification: 'public' }, columns: ['a', 'spin'] };

describe('deadlines in meshgate.yaml', () => {
  it('the configured access deadline cuts a looping evaluation (not the 1 000 ms default)', async () => {
    const file = configFile('access.yaml', `global: ${JSON.stringify(LOOPING)}\ndeadlines:\n  accessMs: 40\n  checkMs: 80\ncacheSize: 0\n`);
    const { engine } = await createEngineFromConfig(file);
    try {
      const cut = engine.authorize(request);
      expect(cut.outcome).toBe('error');
      const err = cut.errors.find((e) => e.code === 'MG_POLICY_DEADLINE');
      expect(err?.message).toMatch(/\b40 ms\b/);
      expect(engine.authorize({ ...request, columns: ['a'] }).allowed).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('the configured load deadline refuses a bundle that loops on warm-up', async () => {
    const file = configFile('load.yaml', `global: ${JSON.stringify(ALWAYS)}\ndeadlines: { loadMs: 30 }\n`);
    const e = await rejection(createEngineFromConfig(file));
    expect(isMeshgateError(e) && e.code).toBe('MG_POLICY_DEADLINE');
    expect((e as Error).message).toMatch(/\b30 ms load deadline\b/);
  });

  it('`deadlines: false` and partial objects are passed through as given', async () => {
    const off = await toEngineOptions(await loadConfig(configFile('off.yaml', `global: ${JSON.stringify(LOOPING)}\ndeadlines: false\n`)));
    expect(off.deadlines).toBe(false);
    const partial = await toEngineOptions(await loadConfig(configFile('partial.yaml', `global: ${JSON.stringify(LOOPING)}\ndeadlines: { checkMs: 5000 }\n`)));
    expect(partial.deadlines).toEqual({ checkMs: 5000 });
    const none = await toEngineOptions(await loadConfig(configFile('none.yaml', `global: ${JSON.stringify(LOOPING)}\n`)));
    expect(none.deadlines).toBeUndefined();
  });

  it.each([
    ['zero', '{ accessMs: 0 }'],
    ['negative', '{ checkMs: -5 }'],
    ['a string', '{ accessMs: "1s" }'],
    ['a fraction', '{ loadMs: 1.5 }'],
    ['an unknown key', '{ accesMs: 100 }'],
    ['true', 'true'],
    ['beyond a timer', '{ loadMs: 4294967296 }'],
  ])('refuses %s with MG_CONFIG_INVALID at the line', async (_what, value) => {
    const file = configFile('bad.yaml', `global: ${JSON.stringify(LOOPING)}\n\ndeadlines: ${value}\n`);
    const e = await rejection(loadConfig(file));
    expect(isMeshgateError(e) && e.code).toBe('MG_CONFIG_INVALID');
    expect((e as Error).message).toContain('deadlines');
    expect((e as Error).message).not.toContain('equal to constant');
    expect(isMeshgateError(e) && e.location?.file).toBe(file);
    expect(isMeshgateError(e) && e.location?.line).toBe(3);
  });
});
