/**
 * The text of the files `meshgate init` writes for a policy repository: the starter Rego and tests of a
 * domain layer, meshgate.yaml, the CI workflow, the repository README and an example contract.
 */

/** What the scaffolded repository is. */
export interface InitPlan {
  /** Domain layer names (lower-case, validated). */
  domains: string[];
  /** `undefined`: the repository has its own global layer (a copy of the shipped one); otherwise what its domains extend. */
  extends: string | undefined;
}

/** What the templates need beyond the plan. */
export interface InitContext {
  /** The OPA version CI installs: the one the shipped bundles were built with (a build's revision includes it, so `build --check` needs the same). */
  opaVersion: string;
}

/** A Rego identifier prefix for a domain name (`-` is not allowed in identifiers). */
export function regoIdent(domain: string): string {
  return domain.replace(/-/g, '_');
}

/** policies/domains/<domain>/contract.rego: the domain's starter contract rules. */
export function domainContractRego(domain: string): string {
  const id = regoIdent(domain);
  return `# meshgate/contract entrypoint of the ${domain} domain layer: the ${domain} domain's own rules for its data
# contracts, evaluated on top of the global layer (a domain adds findings; it cannot remove global ones).
# Input: {contract, layer, domain} with the canonical contract model; result: deny and warn sets of findings
# {msg, rule, path}. Rules are guarded on the domain so that they read right when tested with the global layer.
package meshgate.contract

${id}_contract if input.domain == "${domain}"

# An example (advisory) rule: change it, or add \`deny contains {...} if {...}\` rules the same way.
warn contains {"msg": "${domain} data products should have a description.", "rule": "${id}_description", "path": "description"} if {
	${id}_contract
	not input.contract.description
}
`;
}

/** policies/domains/<domain>/contract_test.rego: tests of the starter rules (run by `meshgate test`). */
export function domainContractTest(domain: string): string {
  const id = regoIdent(domain);
  return `package meshgate.contract_${id}_test

import data.meshgate.contract as c

base := {"id": "orders", "domain": "${domain}", "owner": "team@example.com", "version": "1.0.0", "output_ports": [], "fields": [], "slos": []}

${id}_findings(contract, domain) := {f.rule | some f in (c.deny | c.warn) with input as {"contract": contract, "layer": "${domain}", "domain": domain}; startswith(f.rule, "${id}_")}

test_description_missing_warned if {
	"${id}_description" in ${id}_findings(base, "${domain}")
}

test_description_present_passes if {
	not "${id}_description" in ${id}_findings(object.union(base, {"description": "Orders, one row per order line."}), "${domain}")
}

test_other_domains_not_judged if {
	count(${id}_findings(base, "other")) == 0
}
`;
}

/** meshgate.yaml of the repository. */
export function configYaml(plan: InitPlan): string {
  const head =
    plan.extends === undefined
      ? `# The global layer: the governance board's rules (policies/global, built by \`meshgate build\`).
global: policies/dist/global.tar.gz`
      : `# No global layer of our own: the domains below are layered on ${plan.extends === 'meshgate' ? 'the global rules shipped in the meshgate package' : `the global bundle ${plan.extends}`}.
extends: ${plan.extends}`;
  return `# meshgate configuration: which bundles make the layers, enforcement overrides, waivers and audit sinks.
# See docs/layering.md in the meshgate package.
${head}
domains:
${plan.domains.map((d) => `  ${d}: policies/dist/${d}.tar.gz`).join('\n')}
`;
}

/** .github/workflows/meshgate.yml: bundles up to date, policy tests, contracts checked. */
export function ciWorkflow(plan: InitPlan, context: InitContext): string {
  const ext = plan.extends === undefined ? '' : ` --extends ${plan.extends}`;
  return `# Policy CI: the committed bundles match their sources, the policy tests pass, and every contract passes.
name: meshgate
on:
  push:
  pull_request:
jobs:
  policies:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      # The OPA compiler (needed by build and test; see "Installing OPA" in meshgate's docs/authoring.md).
      # Keep it at the version the committed bundles were built with: it is part of every bundle's revision.
      - uses: open-policy-agent/setup-opa@v2
        with:
          version: ${context.opaVersion}
      - run: npx meshgate build${ext} --check
      - run: npx meshgate test${ext}
      - run: npx meshgate check --config meshgate.yaml contracts
`;
}

/** policies/README.md: how the repository works. */
export function repoReadme(plan: InitPlan): string {
  const ext = plan.extends === undefined ? '' : ` --extends ${plan.extends}`;
  const global =
    plan.extends === undefined
      ? '- `global/` — the governance board\'s rules for every domain, started as a copy of the rules shipped with meshgate\n  (with their tests); `lib/` is shared code compiled into every layer.'
      : `- no \`global/\`: the domains are layered on ${plan.extends === 'meshgate' ? 'the global rules shipped in the meshgate package' : `the global bundle \`${plan.extends}\``} (\`extends\` in meshgate.yaml).`;
  return `# Policies

Rego policies checked by [meshgate](https://www.npmjs.com/package/meshgate), in layers:

${global}
${plan.domains.map((d) => `- \`domains/${d}/\` — the ${d} domain's own rules. A domain can only tighten: its findings are added to the global ones.`).join('\n')}

Each layer is compiled to a WebAssembly bundle in \`dist/\`; \`meshgate.yaml\` says which bundle is which layer.

\`\`\`sh
npx meshgate build${ext}          # compile the layers into dist/ (needs OPA: see docs/authoring.md)
npx meshgate test${ext}           # opa test per layer (each domain together with the global rules)
npx meshgate check --config meshgate.yaml contracts
\`\`\`

Commit \`dist/\` with the sources: CI (\`.github/workflows/meshgate.yml\`) runs \`meshgate build --check\`, which fails
when the bundles are stale. Writing rules: docs/authoring.md in the meshgate package.
`;
}

/** contracts/<domain>-example.yaml: a contract of the first domain that passes the shipped global rules. */
export function exampleContract(domain: string): string {
  return `# An example data contract of the ${domain} domain (checked by \`meshgate check\` in CI).
data_product: ${regoIdent(domain)}_example
domain: ${domain}
owner: ${domain}-data@example.com
version: 1.0.0
description: An example data product of the ${domain} domain.
output_ports:
  - name: daily
    format: iceberg
    location: s3://data-products/${domain}/example/
schema:
  id:
    type: string
    constraints: [primary_key, not_null]
    classification: internal
service_level_objectives:
  freshness: PT6H
  availability: "99.9%"
`;
}
