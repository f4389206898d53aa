// Evaluate the built bundles from TypeScript: global + the finance domain layer.
import { join } from 'node:path';
import { createEngine, type Decision } from '../../src/index.js'; // in your project: from 'meshgate'

/** Checks a contract file against the bundles built into `dist`. */
export async function checkLedger(dist: string, contractText: string, file: string): Promise<Decision> {
  const engine = await createEngine({
    global: join(dist, 'global.tar.gz'),
    domains: { finance: join(dist, 'finance.tar.gz') },
  });
  try {
    const decision = await engine.checkContract(contractText, { file });
    for (const f of decision.findings) console.log(`${f.level} ${f.layer}/${f.rule}: ${f.msg}`);
    return decision;
  } finally {
    await engine.close();
  }
}
