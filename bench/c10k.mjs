#!/usr/bin/env node
// Issue 17's "the 10 000-field contract checks in under 1 s": engine.checkContract of a ≈ 700 KB YAML
// contract with 10 000 PII fields and no encryption (10 000 deny findings), in a fresh process: the first
// (cold) check, then three warm ones (subject cache off). Needs `npm run build`. Usage: node bench/c10k.mjs
import { createEngine } from '../dist/index.js';
const lines = ['data_product: wide', 'domain: marketing', 'owner: o@x.com', 'version: 1.0.0', 'schema:'];
for (let i = 0; i < 10000; i++) lines.push(`  f_${i}:`, '    type: string', '    classification: internal', '    pii: true');
const text = lines.join('\n') + '\n';
console.log('bytes', text.length);
const engine = await createEngine({ subjects: { cacheSize: 0 } });
for (let r = 0; r < 4; r++) {
  const t = performance.now();
  const d = await engine.checkContract(text);
  console.log(r === 0 ? 'cold' : 'warm', (performance.now() - t).toFixed(0), 'ms', d.outcome, d.findings.length);
}
await engine.close();
