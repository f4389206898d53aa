import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../src/engine.js';
import { bundlePath, FIXTURES } from './helpers/paths.js';
const show = async (label: string, fn: () => unknown) => { try { const r: any = await fn(); console.log(label, 'OK', r?.outcome, JSON.stringify(r?.errors ?? r)?.slice(0, 200)); } catch (e: any) { console.log(label, e?.code ?? 'UNTYPED', e?.message?.slice(0, 200), JSON.stringify(e?.location)); } };
it('scratch', async () => {
  const engine = await createEngine({ global: bundlePath('global') });
  await show('malformed', () => engine.checkPlan('{\n  "format_version": "1.2",\n  "resource_changes": [ }\n}', { file: 'bad.json' }));
  const text = readFileSync(join(FIXTURES, 'plans', 'failing', 'pii-bucket-without-sse.plan.json'), 'utf8');
  const b = Buffer.from(text, 'utf8'); const at = b.indexOf(Buffer.from('"1.7.5"')) + 2;
  await show('invalid utf8', () => engine.checkPlan(Buffer.concat([b.subarray(0, at), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), b.subarray(at)])));
  await show('png', () => engine.checkPlan(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0xff, 0xfe, 0x00, 0x80])));
  await show('zeros', () => engine.checkPlan(new Uint8Array(4096)));
  const json = readFileSync(join(FIXTURES, 'contracts', 'sales-processed-orders.json'), 'utf8');
  for (let k = 1; k < 20; k++) { const cut = json.slice(0, Math.floor((json.length * k) / 20)); await show('cut' + k + ' ' + JSON.stringify(cut.slice(-30)), () => engine.checkContract(cut)); }
  await show('flow', () => engine.checkContract(`domain: x\ndata_product: y\nn: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`));
  const block = Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
  await show('block', () => engine.checkContract(`domain: x\ndata_product: y\n${block} 1\n`));
  await show('jsondeep', () => engine.checkContract(`{"data_product": "x", "n": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`));
  const plan = JSON.parse(text); let nest: any = 'leaf'; for (let i = 0; i < 200_000; i++) nest = { n: nest };
  plan.resource_changes[0].change.after['deep'] = nest; plan.resource_changes[0].change.after_unknown = { deep: nest };
  await show('plan deep obj', () => engine.checkPlan(plan));
  const p2 = JSON.parse(text); const cyc: any = {}; cyc.me = cyc; p2.resource_changes[0].change.after['cyc'] = cyc; p2.resource_changes[0].change.after_unknown = { cyc };
  await show('plan cyclic', () => engine.checkPlan(p2));
});
