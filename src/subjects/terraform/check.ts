/**
 * The Terraform subject: parse → normalise → link split S3 resources → derive each resource's policy
 * input → one decision unit per judged resource (`meshgate/terraform`, global + its domains) and one
 * for the whole plan (`meshgate/terraform_plan`): a decision request the layering module decides.
 */
import type { DecisionRequest, DecisionUnit } from '../../layering/decide.js';
import type { Location } from '../../types.js';
import { DEFAULT_VOCABULARY, isPiiLabel, type ClassificationVocabulary } from '../../layering/classification.js';
import { deriveResource, type ResourceInput } from './derive.js';
import { SENSITIVE } from './values.js';
import { mapDomains, type DomainMapping } from './domain.js';
import { linkBuckets } from './graph.js';
import type { NormalisedPlan, PlanResource } from './model.js';
import { normalisePlan, redactPlanJson } from './normalise.js';
import { parsePlan } from './parse.js';

export type { DomainMapping } from './domain.js';
export { parsePlan } from './parse.js';
export { normalisePlan } from './normalise.js';

/** The small plan summary every resource evaluation sees as `input.plan`. */
export interface PlanSummary {
  /** format_version of the plan. */
  format_version: string;
  /** Terraform/OpenTofu version, when stated. */
  terraform_version: string | null;
  /** True for an HCP Terraform redacted plan. */
  redacted: boolean;
  /** Number of resource instances in the plan. */
  resource_count: number;
}

/** One resource as the plan-level entrypoint sees it (no attribute values besides tags). */
export interface PlanEntry {
  /** Address. */
  address: string;
  /** Type. */
  type: string;
  /** `managed` or `data`. */
  mode: string;
  /** Summarised action. */
  action: string;
  /** Mapped domain, or null. */
  domain: string | null;
  /** Effective tags (of the prior state for deleted resources). */
  tags: Record<string, unknown>;
  /** True when drift was detected. */
  drifted: boolean;
}

/** Everything derived from one plan, before evaluation (exported for tests and the CLI). */
export interface PreparedPlan {
  /** The normalised plan. */
  plan: NormalisedPlan;
  /** Judged resources with their policy input and domain. */
  judged: { resource: PlanResource; input: ResourceInput; domains: string[] }[];
  /** All resources for plan-level rules. */
  entries: PlanEntry[];
  /** The summary. */
  summary: PlanSummary;
  /** Split resources linked to buckets (split address → bucket address). */
  linked: Map<string, string>;
  /** Split resources with no bucket in this plan. */
  unlinked: string[];
  /** The plan JSON as parsed (before normalisation). */
  raw: Record<string, unknown>;
}

/** Options of {@link Engine.checkPlan} (and of the subject function `checkPlan`). */
export interface CheckPlanOptions {
  /** The plan file, for locations and the decision's subject. */
  file?: string;
  /** Domain mapping besides the `Domain` tag. */
  domainMapping?: DomainMapping;
  /**
   * Opt-in for adapters of existing plan policies (conftest style): the `meshgate/terraform_plan` unit's
   * input also gets the plan JSON as given, at `input.raw`. Off by default (the raw plan may hold values).
   */
  rawPlan?: boolean;
  /** The classification vocabulary (the engine passes the global bundle's). */
  vocabulary?: ClassificationVocabulary;
}

/**
 * The one classification vocabulary on plans: a `DataClassification` tag meaning personal data in any
 * spelling (`pii `, `Personal Data`, `sensitive-pii`) becomes the seed's `PII`.
 */
function canonicalClassificationTag(input: ResourceInput, isPii: (label: string) => boolean): void {
  const v = input.tags['DataClassification'];
  if (typeof v === 'string' && v !== SENSITIVE && isPii(v)) input.tags['DataClassification'] = 'PII';
}

/** {@link isPiiLabel} in one vocabulary, remembering each label's answer (a plan repeats a few labels many times). */
function piiLabels(vocabulary: ClassificationVocabulary): (label: string) => boolean {
  const seen = new Map<string, boolean>();
  return (label) => {
    let pii = seen.get(label);
    if (pii === undefined) {
      pii = isPiiLabel(label, vocabulary);
      seen.set(label, pii);
    }
    return pii;
  };
}

/** Parses, normalises and derives a plan without evaluating it. Throws MeshgateError on a broken input. */
export function preparePlan(source: string | Uint8Array | Record<string, unknown>, options: CheckPlanOptions = {}): PreparedPlan {
  const parsed = parsePlan(source, options.file === undefined ? {} : { file: options.file });
  const plan = normalisePlan(parsed);
  const { links, report } = linkBuckets(plan.resources);
  const summary: PlanSummary = {
    format_version: plan.formatVersion,
    terraform_version: plan.terraformVersion ?? null,
    redacted: plan.redacted,
    resource_count: plan.resources.length,
  };
  const judged: PreparedPlan['judged'] = [];
  const entries: PlanEntry[] = [];
  const isPii = piiLabels(options.vocabulary ?? DEFAULT_VOCABULARY);
  const resources = plan.resources;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i] as PlanResource;
    const input = deriveResource(r, links.get(r));
    canonicalClassificationTag(input, isPii);
    const domains = mapDomains(input, options.domainMapping);
    const domain = domains[0];
    if (domain !== undefined) input.domain = domain;
    entries.push({ address: r.address, type: r.type, mode: r.mode, action: r.action, domain: domain ?? null, tags: input.tags, drifted: r.drifted });
    // Data sources are read, not provisioned; deleted resources no longer exist after apply.
    if (r.mode !== 'managed' || r.deleted) continue;
    judged.push({ resource: r, input, domains });
  }
  return { plan, judged, entries, summary, linked: report.linked, unlinked: report.unlinked, raw: parsed.json };
}

function locationOf(file: string | undefined, r: PlanResource | undefined): Location | undefined {
  if (!r?.position && file === undefined) return undefined;
  const l: Location = {};
  if (file !== undefined) l.file = file;
  if (r?.position) {
    l.line = r.position.line;
    l.column = r.position.column;
  }
  return l;
}

/**
 * Builds the decision request of a Terraform plan (text, bytes or parsed object): every judged resource
 * in global + its domains' layers, and the plan as a whole. Broken inputs throw MeshgateError.
 */
export function planRequest(source: string | Uint8Array | Record<string, unknown>, options: CheckPlanOptions = {}): DecisionRequest {
  const file = options.file;
  const prepared = preparePlan(source, options);
  const { plan, summary } = prepared;
  const byAddress = new Map<string, PlanResource>();
  for (let i = 0; i < plan.resources.length; i++) {
    const r = plan.resources[i] as PlanResource;
    byAddress.set(r.address, r);
  }
  const locate = (own: PlanResource | undefined) => (f: { resource?: string }) =>
    locationOf(file, (f.resource !== undefined ? byAddress.get(f.resource) : undefined) ?? own);
  const units: DecisionUnit[] = [];
  for (let i = 0; i < prepared.judged.length; i++) {
    const { resource, input, domains } = prepared.judged[i] as PreparedPlan['judged'][number];
    const unit: DecisionUnit = {
      entrypoint: 'meshgate/terraform',
      resource: resource.address,
      input: { resource: input, plan: summary },
      locate: locate(resource),
    };
    if (domains.length > 0) unit.domains = domains;
    if (file !== undefined) unit.match = { file };
    units.push(unit);
  }
  const planInput = {
    ...summary,
    resources: prepared.entries,
    deleted: prepared.entries.filter((e) => e.action === 'delete'),
    drift: plan.drift,
  };
  const planUnit: DecisionUnit = {
    entrypoint: 'meshgate/terraform_plan',
    input: options.rawPlan === true ? { plan: planInput, raw: redactPlanJson(prepared.raw) } : { plan: planInput },
    locate: locate(undefined),
  };
  if (file !== undefined) planUnit.match = { file };
  units.push(planUnit);
  const auditInput = {
    ...summary,
    resources: prepared.entries.map((e) => ({ address: e.address, type: e.type, action: e.action, domain: e.domain })),
    drift: plan.drift.length,
  };
  return file === undefined ? { kind: 'terraform', subject: '<plan>', units, auditInput } : { kind: 'terraform', subject: file, file, units, auditInput };
}

/** Alias of {@link CheckPlanOptions} (the name the engine uses). */
export type PlanCheckOptions = CheckPlanOptions;
