/**
 * Writes a synthetic, hash-chained JSONL audit log of N decisions through meshgate's own AuditTrail and
 * jsonlSink (the dist snapshot): 6 domains, contract / terraform / access subjects from a pool of 5 000,
 * about 75 % allowed, 22 % denied, 3 % error, timestamps spread evenly over 90 days, inputs hashed.
 *   node bench/lib/gen-audit.mjs <out.jsonl> <events>
 */
import { rmSync } from 'node:fs';
import { loadAuditLib } from './audit-lib.mjs';
import { isMain } from './common.mjs';

const DOMAINS = ['sales', 'finance', 'marketing', 'customer', 'logistics', 'hr'];
const KINDS = ['contract', 'terraform', 'access'];
const RULES = {
  contract: [['global', 'contract_owner_required', 'hard'], ['global', 'contract_pii_encryption', 'hard'], ['global', 'contract_slo_required', 'soft']],
  terraform: [['global', 'pii_bucket_encryption', 'hard'], ['global', 'mandatory_tags', 'soft'], ['global', 'pii_bucket_access_logging', 'hard']],
  access: [['global', 'pii_requires_purpose', 'hard']],
};

/** Writes the log; resolves when it is closed. */
export async function generateAuditLog(out, events) {
  const { AuditTrail, jsonlSink } = await loadAuditLib();
  rmSync(out, { force: true });
  const start = Date.parse('2026-09-01T00:00:00Z');
  const span = 90 * 86_400_000;
  let i = 0;
  const trail = new AuditTrail({ sinks: [jsonlSink(out, { batchSize: 2000 })], version: 'bench', onSinkFailure: 'fail', hashInput: true, now: () => new Date(start + Math.floor((i / events) * span)) });
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (i = 0; i < events; i++) {
    const kind = KINDS[i % 3];
    const domainIdx = Math.min(DOMAINS.length - 1, Math.floor(rnd() * rnd() * DOMAINS.length * 1.6));
    const domain = DOMAINS[domainIdx];
    const r = rnd();
    const outcome = r < 0.75 ? 'allowed' : r < 0.97 ? 'denied' : 'error';
    const subjectNo = Math.floor(rnd() * rnd() * 5000);
    const subject = kind === 'access' ? `u-${subjectNo} -> ${domain}_orders` : kind === 'contract' ? `${domain}.domain/product_${subjectNo}/v1` : `plans/${domain}/stack-${subjectNo}.plan.json`;
    const rules = RULES[kind];
    const findings =
      outcome === 'denied'
        ? [rules[Math.floor(rnd() * rnd() * rules.length)]].map(([layer, rule, enforcement]) => ({ rule, msg: `${rule} failed on ${subject}`, level: 'deny', enforcement, layer, waived: false }))
        : [];
    const decision = {
      decision_id: `bench-${i}`,
      kind,
      subject,
      domain,
      allowed: outcome === 'allowed',
      outcome,
      findings,
      obligations: { mask: [], row_filters: [] },
      errors: outcome === 'error' ? [{ code: rnd() < 0.5 ? 'MG_POLICY_EVAL' : 'MG_CONTRACT_SYNTAX', message: 'synthetic error' }] : [],
      layers: ['global', domain],
      bundles: { global: { revision: 'g1' }, [domain]: { revision: 'd1' } },
      metrics: { timer_meshgate_decide_ns: 1000, timer_rego_eval_ns: 500 },
    };
    trail.record(decision, { i });
    if (i % 20000 === 0) await new Promise((r2) => setImmediate(r2));
  }
  await trail.close();
}

if (isMain(import.meta.url)) {
  const [out, n] = process.argv.slice(2);
  if (!out || !n) {
    console.error('usage: node bench/lib/gen-audit.mjs <out.jsonl> <events>');
    process.exit(2);
  }
  await generateAuditLog(out, Number(n));
}
