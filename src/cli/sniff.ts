/**
 * Detects what a file is by its content, whatever its name: a Terraform plan (JSON with the keys
 * `terraform show -json` writes, in UTF-8 or UTF-16 with a BOM, also behind the setup-terraform wrapper's
 * `[command]…`/`::debug::…` lines), a data contract, or something `check` cannot judge — each of the last
 * with a reason: Terraform source (HCL), a binary plan file (`terraform plan -out`), an empty file, or (for
 * files found by expanding a folder or glob) neither kind (READMEs, workflow files, package.json…). Terraform
 * state is routed to the plan parser, which explains it. Pure.
 */
import type { ErrorCode } from '../errors.js';

/** What a file looks like, and for the files that cannot be checked, why. */
export type Sniffed =
  | { kind: 'plan' }
  | { kind: 'contract' }
  /** An expanded file that is not for `check` (reported as skipped, with the reason). */
  | { kind: 'skip'; reason: string }
  /** A file that cannot be checked as it is (a coded input error with a hint). */
  | { kind: 'refuse'; code: ErrorCode; message: string };

const PLAN_KEYS = /"(format_version|terraform_version|resource_changes|planned_values|plan_format_version|prior_state|resource_drift)"\s*:/;
const CONTRACT_KEYS =
  /(^|\n)\s*(-\s*)?["']?(dataContractSpecification|apiVersion|standardVersion|kind|data_product_contract|schema_definition|data_product|data_product_id|dataset|datasetName|contract)["']?\s*:/;
/** A top-level HCL block: `resource "aws_s3_bucket" "b" {`, `terraform {`, `locals {`. */
const HCL_BLOCK = /(^|\n)(resource|data|module|provider|terraform|variable|output|locals|moved|import|check|removed)(\s+"[^"\n]*")*\s*\{[ \t]*(\r?\n|$)/;
const SNIFF_CHARS = 1 << 20;
/** The head looked at first (see {@link sniff}). */
const QUICK_CHARS = 1 << 14;
/** File names that say "plan" or "contract": never skipped, even when empty. */
const MEANT_FOR_CHECK = /(^|[^a-z])(tf)?(plan|contract)/i;

const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);

const SHOW_JSON = '`terraform show -json plan.out > plan.json`';

/** The hint for Terraform source given where a plan is expected. */
export const HCL_HINT = 'this is Terraform source; run `terraform plan -out plan.out && terraform show -json plan.out > plan.json` and check plan.json';

/** Decodes the head of a file for sniffing (UTF-16 with a BOM, otherwise UTF-8, lenient). */
export function headText(bytes: Uint8Array, max = SNIFF_CHARS): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xff && b1 === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2, 2 + max * 2));
  if (b0 === 0xfe && b1 === 0xff) {
    const n = Math.min(bytes.length - 2, max * 2) & ~1;
    const swapped = new Uint8Array(n);
    for (let i = 0; i < n; i += 2) {
      swapped[i] = bytes[i + 3] ?? 0;
      swapped[i + 1] = bytes[i + 2] ?? 0;
    }
    return new TextDecoder('utf-16le').decode(swapped);
  }
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, max * 3));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The text after the lines the setup-terraform wrapper (and GitHub workflow commands) put around
 * `terraform show -json` output: blank lines, `[command]…` and `::…` lines.
 */
export function afterWrapperLines(text: string): string {
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    const line = (nl === -1 ? text.slice(at) : text.slice(at, nl)).trim();
    if (line !== '' && !line.startsWith('[command]') && !line.startsWith('::')) return text.slice(at);
    if (nl === -1) return '';
    at = nl + 1;
  }
}

/** True when the text looks like a Terraform plan (or state): a JSON object with plan keys, possibly behind wrapper lines. */
export function looksLikePlan(text: string): boolean {
  return afterWrapperLines(text).trimStart().startsWith('{') && PLAN_KEYS.test(text);
}

/** True when the text mentions a key that some contract format starts with. */
export function mentionsContractKeys(text: string): boolean {
  return CONTRACT_KEYS.test(text);
}

/** True for a zip archive (the format of a binary plan file written by `terraform plan -out`). */
function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05) && (bytes[3] === 0x04 || bytes[3] === 0x06);
}

/** True when the (zip) bytes name a `tfplan` entry near the start, as Terraform's plan files do. */
function namesTfplan(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64 * 1024)).includes('tfplan', 0, 'latin1');
}

/**
 * Classifies file content. `name` is the file's name (only `.tf`/`.tfvars` — source that is never JSON —
 * is taken from it); `explicit` says the user named the file. A named file is a contract unless its
 * content says otherwise (its parser then explains what is wrong); an expanded file is skipped unless it
 * shows a plan or contract key.
 */
export function sniff(bytes: Uint8Array, explicit: boolean, name = ''): Sniffed {
  if (isZip(bytes)) {
    return namesTfplan(bytes)
      ? { kind: 'refuse', code: 'MG_INPUT_PLAN_BINARY', message: `this is a binary Terraform plan file (written by \`terraform plan -out\`); run ${SHOW_JSON} and check plan.json` }
      : { kind: 'refuse', code: 'MG_INPUT_BINARY', message: 'this is a zip archive, not a data contract or a Terraform plan' };
  }
  // Most inputs are plans that say so in their first bytes: a head of the text is enough to tell (a match
  // in the head is a match in the whole window below), without decoding up to SNIFF_CHARS characters of it.
  if (bytes.length > QUICK_CHARS && looksLikePlan(headText(bytes, QUICK_CHARS))) return { kind: 'plan' };
  const text = headText(bytes);
  if (text.trim() === '') {
    const what = bytes.length === 0 ? 'the file is empty' : 'the file holds only white space';
    // An empty file named like a plan or contract (`terraform show` failed into plan.json) is an error even
    // in a folder: skipping it would let the run pass without the plan.
    return explicit || MEANT_FOR_CHECK.test(baseName(name))
      ? { kind: 'refuse', code: 'MG_INPUT_EMPTY', message: `${what}: expected a data contract (YAML or JSON) or a Terraform plan (${SHOW_JSON})` }
      : { kind: 'skip', reason: bytes.length === 0 ? 'empty file' : 'only white space' };
  }
  if (looksLikePlan(text)) return { kind: 'plan' };
  const contractKeys = mentionsContractKeys(text);
  if (/\.(tf|tfvars)$/i.test(name) || (!contractKeys && HCL_BLOCK.test(text))) {
    return explicit ? { kind: 'refuse', code: 'MG_INPUT_TERRAFORM_SOURCE', message: HCL_HINT } : { kind: 'skip', reason: 'Terraform source (HCL), not a plan' };
  }
  if (explicit || contractKeys) return { kind: 'contract' };
  return { kind: 'skip', reason: 'neither a data contract nor a Terraform plan' };
}
