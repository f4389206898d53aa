/**
 * Detects what a file is by its content: a Terraform plan (JSON with the keys `terraform show -json`
 * writes, in UTF-8 or UTF-16 with a BOM), a data contract, or — for files found by expanding a folder or
 * glob — neither (READMEs, workflow files, package.json…), which are skipped. Pure.
 */

/** What a file looks like. */
export type Sniffed = 'plan' | 'contract' | 'neither';

const PLAN_KEYS = /"(format_version|terraform_version|resource_changes|planned_values|plan_format_version|prior_state|resource_drift)"\s*:/;
const CONTRACT_KEYS =
  /(^|\n)\s*(-\s*)?["']?(dataContractSpecification|apiVersion|standardVersion|kind|data_product_contract|schema_definition|data_product|data_product_id|dataset|datasetName|contract)["']?\s*:/;
const SNIFF_CHARS = 1 << 20;

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

/** True when the text looks like a Terraform plan (a JSON object with plan keys). */
export function looksLikePlan(text: string): boolean {
  return text.trimStart().startsWith('{') && PLAN_KEYS.test(text);
}

/** True when the text mentions a key that some contract format starts with. */
export function mentionsContractKeys(text: string): boolean {
  return CONTRACT_KEYS.test(text);
}

/**
 * Classifies file content. A file named explicitly is a contract unless it is a plan (its parser then
 * explains what is wrong); a file found by expansion is `neither` unless it shows a contract key.
 */
export function sniff(bytes: Uint8Array, explicit: boolean): Sniffed {
  const text = headText(bytes);
  if (looksLikePlan(text)) return 'plan';
  if (explicit || mentionsContractKeys(text)) return 'contract';
  return 'neither';
}
