import { readFileSync, readdirSync } from 'node:fs';
import { parseContract } from '/work/main/src/subjects/contract/parse.ts';
const dirs = ['/work/main/fixtures/contracts', '/work/main/fixtures/contracts/failing', '/work/shared/corpus/contracts'];
const counts: Record<string, number> = {};
for (const d of dirs) for (const f of readdirSync(d)) {
  if (!/\.(ya?ml|json)$/.test(f)) continue;
  try {
    const r = parseContract(readFileSync(`${d}/${f}`, 'utf8'), { file: f });
    counts[r.format] = (counts[r.format] ?? 0) + 1;
    if (d.includes('fixtures') || process.env.V) console.log(f, r.format, JSON.stringify(r.contract).slice(0, 400));
  } catch (e: any) {
    counts[e.code ?? 'CRASH'] = (counts[e.code ?? 'CRASH'] ?? 0) + 1;
    console.log('ERR', f, e.code, e.location, String(e.message).split('\n')[0]);
  }
}
console.log(counts);
import {test} from 'vitest'; test('x',()=>{});
