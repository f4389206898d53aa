#!/usr/bin/env node
/**
 * A profiling driver (not a benchmark): engine.authorize (cache disabled) and the raw opa-wasm floor in
 * loops, to be run under `node --cpu-prof` to see where authorize's time goes beyond the floor.
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile/access-loop.mjs [engine|floor|many] [calls]
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MESHGATE_LIB, ROOT, ensureBuilt } from '../lib/common.mjs';
import { makeRequests } from '../access.mjs';

const require = createRequire(import.meta.url);
const what = process.argv[2] ?? 'engine';
const calls = Number(process.argv[3] ?? 200_000);
ensureBuilt();
const mg = await import(pathToFileURL(MESHGATE_LIB).href);
const bundlePath = path.join(ROOT, 'policies', 'dist', 'global.tar.gz');
const requests = makeRequests(256);
const t0 = performance.now();
if (what === 'floor') {
  const b = mg.readBundle(bundlePath);
  const policy = await require('@open-policy-agent/opa-wasm').loadPolicy(b.wasm);
  policy.setData(b.data ?? {});
  const inputs = requests.map((r) => ({ request: { user: r.user, action: r.action, data_product: r.dataProduct, columns: r.columns ?? [], purpose: r.purpose ?? null }, layer: 'global', domain: r.dataProduct.domain }));
  for (let i = 0; i < calls; i++) policy.evaluate(inputs[i & 255], 'meshgate/access');
} else {
  const engine = await mg.createEngine({ global: bundlePath, subjects: { cacheSize: 0 } });
  if (what === 'many') for (let i = 0; i < calls / 1000; i++) engine.authorizeMany(makeRequests(1000));
  else for (let i = 0; i < calls; i++) engine.authorize(requests[i & 255]);
}
console.log(what, calls, `${((performance.now() - t0) / calls * 1000).toFixed(2)} µs/call`);
