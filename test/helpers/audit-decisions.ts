/**
 * Hand-built Decisions of every kind and a customer-profile input carrying invented PII values, for the
 * audit tests (engine-level tests live elsewhere).
 */
import type { Decision, SubjectKind } from '../../src/types.js';

let counter = 0;

/** A complete Decision of `kind`, with overrides. */
export function makeDecision(kind: SubjectKind, overrides: Partial<Decision> = {}): Decision {
  counter++;
  const base: Decision = {
    decision_id: `dec-${kind}-${counter}`,
    kind,
    subject: kind === 'access' ? 'u-1001 -> customer_profile' : 'customer.domain/customer_profile/v2',
    file: kind === 'terraform' ? 'plans/customer.plan.json' : 'contracts/customer_profile.yaml',
    domain: 'customer',
    allowed: true,
    outcome: 'allowed',
    fail_on: 'soft',
    findings: [],
    obligations: { mask: [], row_filters: [] },
    errors: [],
    layers: ['global', 'customer'],
    bundles: { global: { revision: 'g-rev-1' }, customer: { revision: 'c-rev-7' } },
    metrics: { timer_meshgate_decide_ns: 12_345, timer_rego_eval_ns: 6_789 },
  };
  return { ...base, ...overrides };
}

/** A denied compliance decision with a hard deny, a warn and a waived finding. */
export function deniedContractDecision(): Decision {
  return makeDecision('contract', {
    allowed: false,
    outcome: 'denied',
    findings: [
      { rule: 'pii_encryption', msg: 'PII field email lacks ENCRYPT', level: 'deny', enforcement: 'hard', layer: 'global', waived: false },
      { rule: 'owner_missing', msg: 'no owner', level: 'warn', enforcement: 'advisory', layer: 'global', waived: false },
      {
        rule: 'retention_7y',
        msg: 'retention below 7 years',
        level: 'deny',
        enforcement: 'soft',
        layer: 'customer',
        waived: true,
        waiver: { id: 'W-12', reason: 'migration in progress', approved_by: 'governance-board', expires: '2099-01-01', scope: 'customer' },
      },
    ],
  });
}

/** One decision of every kind and outcome. */
export function decisionsOfEveryKind(): Decision[] {
  return [
    makeDecision('contract'),
    deniedContractDecision(),
    makeDecision('terraform', {
      allowed: false,
      outcome: 'denied',
      subject: 'plans/customer.plan.json',
      findings: [
        {
          rule: 'data_mesh.global_security',
          msg: 'S3 buckets tagged as PII must have server-side encryption (SSE) enabled.',
          level: 'deny',
          enforcement: 'hard',
          layer: 'global',
          waived: false,
          resource: 'aws_s3_bucket.customer_raw',
        },
      ],
    }),
    makeDecision('access', { allowed_by: ['global:marketing_public'], obligations: { mask: ['email', 'phone'], row_filters: ["region = 'EU'"] } }),
    makeDecision('access', { allowed: false, outcome: 'denied', reason: 'not_permitted' }),
    makeDecision('contract_change', { allowed: false, outcome: 'error', errors: [{ code: 'MG_POLICY_TRAP', message: 'wasm trap', layer: 'customer' }] }),
  ];
}

/** Invented PII values: none of these strings may appear in any sink's output. */
export const PII_VALUES = [
  'jane.doe@example.com',
  'j.smith+vip@corp.example.org',
  '+44 20 7946 0958',
  'Jane Doe',
  '1984-03-17',
  'GB82WEST12345698765432',
  'alice.wong@example.net',
] as const;

/** The PII fields of the seed's customer_profile contract (as the engine would pass them). */
export const CUSTOMER_PROFILE_MASK_PATHS = ['email', 'full_name', 'phone', 'date_of_birth', 'iban', 'contract.schema.fields.*.example'];

/** A customer-profile contract as the engine records it (with PII examples) . */
export function customerProfileContractInput(): unknown {
  return {
    contract: {
      domain: 'customer',
      data_product: 'customer_profile',
      version: '2.1.0',
      owner: 'customer-engineering@company.com',
      schema: {
        fields: [
          { name: 'customer_uid', type: 'string', constraints: ['required', 'unique'], semantic_type: 'global_identifier' },
          { name: 'email', type: 'string', classification: 'PII', example: PII_VALUES[0] },
          { name: 'full_name', type: 'string', pii: true, examples: [PII_VALUES[3]] },
          { name: 'phone', type: 'string', classification: 'PII', example: PII_VALUES[2] },
          { name: 'first_engagement_date', type: 'date', example: '2021-06-01' },
        ],
      },
    },
    layer: 'global',
    domain: 'customer',
  };
}

/** An access request whose context carries a customer's profile row. */
export function customerProfileAccessInput(): unknown {
  return {
    request: {
      user: { id: 'u-1001', department: 'marketing', roles: ['analyst'], email: PII_VALUES[6] },
      action: 'read',
      dataProduct: { id: 'customer_profile', domain: 'customer', classification: 'confidential' },
      columns: ['customer_uid', 'email', 'phone'],
      purpose: 'campaign',
      context: {
        row: {
          customer_uid: 'c-42',
          email: PII_VALUES[1],
          full_name: PII_VALUES[3],
          phone: PII_VALUES[2],
          date_of_birth: PII_VALUES[4],
          iban: PII_VALUES[5],
        },
      },
    },
  };
}

/**
 * Writes `n` decisions (the i-th from `decisionAt(i)`, recorded with input `{ i }`) through a JSONL sink at
 * `path` and closes it; returns the path.
 */
export async function writeDecisionLog(path: string, n: number, decisionAt: (i: number) => Decision): Promise<string> {
  const { AuditTrail, jsonlSink } = await import('../../src/audit/index.js');
  const trail = new AuditTrail({ sinks: [jsonlSink(path)], version: 't', onSinkFailure: 'fail' });
  for (let i = 0; i < n; i++) trail.record(decisionAt(i), { i });
  await trail.close();
  return path;
}

/** The lines of a log file (without the empty string after its final newline). */
export async function logLines(path: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(path, 'utf8')).split('\n').slice(0, -1);
}
