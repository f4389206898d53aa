/** Help texts of every command. */

/** `meshgate --help`. */
export const MAIN_HELP = `meshgate — policy-as-code governance for data mesh platforms

usage: meshgate <command> [options]

commands:
  check <paths or globs...>   check data contracts and Terraform plan JSON against the policies
  authorize <request.json|->  decide access requests (- reads NDJSON from stdin, writes NDJSON)
  diff <old> <new>            classify schema changes between two contract versions
  build [policies]            compile Rego policies into WebAssembly bundles
  test [policies]             run the Rego tests of each layer (opa test)
  init --domain <name>        scaffold a policy repository (global rules, domain layers, CI)
  audit verify <log...>       verify the hash chain of JSONL audit logs
  report <inputs...>          an HTML governance report from check JSON results and audit logs

options:
  -h, --help      help (also: meshgate <command> --help)
  -v, --version   print the version

Exit codes: 0 passed, 1 policy failure, 2 usage or input error.
With no --config, the default bundles shipped in the package are used (global + every domain layer).
`;

/** `meshgate check --help`. */
export const CHECK_HELP = `usage: meshgate check <paths or globs...> [options]

Checks data contracts (YAML/JSON: seed shapes, Data Contract Specification, ODCS) and Terraform plan
JSON (\`terraform show -json\`, also behind setup-terraform's wrapper lines). Each file's kind is detected
from its content, not its name; Terraform source (.tf), binary plan files and empty files get a hint.
Folders are searched for *.json, *.yaml and *.yml; files there that are neither a contract nor a plan are
skipped and listed with the reason. A file named explicitly that cannot be read or parsed is an input error.

options:
  -d, --domain <name>        apply this domain layer (contracts: instead of their own domain; plans: to
                             resources no tag or mapping assigns)
  -c, --config <file>        meshgate.yaml (bundles, enforcement, waivers, audit); default: shipped bundles
      --policies <dir>       a built policies folder (with manifest.json) instead of the shipped one
  -f, --format <fmt>         text (default) | json | sarif | junit | github | html (governance report)
      --fail-on <level>      hard | soft (default) | advisory: the enforcement at which a finding fails
      --audit-log <file>     append one hash-chained audit event per decision to this JSONL file
  -j, --jobs <n|auto>        worker threads (default auto: 1 unless the files are many or large and cores are free)
  -o, --output <file>        write the report to a file (the summary still goes to stderr)
  -q, --quiet                text format: do not list files that passed without findings
      --raw-plan             give plan-level policies (meshgate/terraform_plan) the raw plan JSON as input.raw
                             (for conftest-style policy sets; see docs/migrating-from-conftest.md)
  -h, --help                 this help

exit codes: 0 every file passed, 1 a finding fails at --fail-on, 2 usage or input error
`;

/** `meshgate authorize --help`. */
export const AUTHORIZE_HELP = `usage: meshgate authorize <request.json | -> [options]

Decides access requests ({"user": {...}, "action": "read", "dataProduct": {...}}).
A file holds one request (or a JSON array of them); the decision(s) are printed as JSON.
With -, NDJSON requests are read from stdin and one NDJSON decision per line is written to stdout
(each with "line"); a request that is not decided (not JSON, invalid, over the line cap, an evaluation
error) gives one {"line": n, "error": {"code", "message"}} and the stream goes on; exit 2 if any was.

options:
  -c, --config <file>        meshgate.yaml; default: shipped bundles
      --policies <dir>       a built policies folder instead of the shipped one
      --contracts <path>     register data contracts (files, folders, globs; repeatable) for enrichment
      --audit-log <file>     append one hash-chained audit event per decision to this JSONL file
      --fail-on-deny         exit 1 when any request is denied
      --max-line-bytes <n>   cap on one NDJSON line (default 4194304); a longer line is MG_INPUT_LINE_TOO_LONG
  -h, --help                 this help

exit codes: 0 all requests decided (denials included), 1 a denial with --fail-on-deny, 2 a bad request or usage error
`;

/** `meshgate diff --help`. */
export const DIFF_HELP = `usage: meshgate diff <old contract> <new contract> [options]

Lists the schema changes between two versions of a data contract, each compatible or breaking with its
location, and judges them with the contract_change policies (a breaking change needs a major version bump).

options:
  -c, --config <file>        meshgate.yaml; default: shipped bundles
      --policies <dir>       a built policies folder instead of the shipped one
  -d, --domain <name>        apply this domain layer (default: the new contract's domain)
  -f, --format <fmt>         text (default) | json
      --fail-on <level>      hard | soft (default) | advisory
  -h, --help                 this help

exit codes: 0 the change is allowed, 1 a policy fails it, 2 usage or input error
`;

/** `meshgate audit --help`. */
export const AUDIT_HELP = `usage: meshgate audit verify <log.jsonl | dir...> [--key pub.pem] [--keyid ID] [--expect-head HASH]
                             [--since TIME] [--until TIME] [--json]

Verifies JSONL audit logs written by --audit-log or a jsonl sink as one chain across rotated files:
byte-exact lines, seq and prev_hash links, missing, truncated or swapped files. With --key, every signed
checkpoint and the chain between them, and a tail deleted after the last checkpoint. Without a key, a
deletion followed by re-chaining cannot be detected. See docs/audit.md.
exit codes: 0 intact, 1 tampered, missing or torn, 2 usage, key or read error
`;

/** `meshgate report --help`. */
export const REPORT_HELP = `usage: meshgate report <check.json | audit.jsonl | folders | globs | -...> [options]

Reads \`meshgate check --format json\` reports and JSONL audit logs (kind detected by content; folders are
searched for *.json, *.jsonl, *.ndjson, *.log and rotated *.log.<n>, *.jsonl.<n>; - reads stdin) and writes ONE self-contained HTML
governance report: posture per domain, findings by rule and layer, top failing subjects, waivers, errors
by code, decisions over time and each audit log's hash-chain verification. Audit logs are streamed and
verified in the same pass, whatever their size (a log read from stdin is verified on its own, without
its rotated files).

options:
  -o, --output <file>        write the report here (default: stdout)
  -f, --format <fmt>         html (default) | markdown (a short summary for a CI job summary)
      --summary <file>       also append the markdown summary to this file (e.g. $GITHUB_STEP_SUMMARY)
  -c, --config <file>        meshgate.yaml whose declared waivers are listed (unused, expiring, expired)
      --expiring-days <n>    waivers expiring within n days are "expiring" (default 14)
      --top <n>              rows listed per table (default 50)
      --now <iso date>       the report's time (default: now), for reproducible reports
  -h, --help                 this help

exit codes: 0 report written, 2 usage or input error
`;
