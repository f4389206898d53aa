/**
 * `checkContract`: parse and normalise a contract, then evaluate `meshgate/contract` in the global layer
 * and the contract's domain layer through the engine core. Findings point at file:line:col.
 */
import type { EngineCore } from '../../core.js';
import type { Decision, RawFinding } from '../../types.js';
import { locatePath } from './locate.js';
import type { ContractField, DataContract } from './model.js';
import { parseContract } from './parse.js';
import type { ContractSource } from './parse.js';

/** Options of {@link checkContract}. */
export interface CheckContractOptions {
  /** The file the contract came from (recorded on locations and the decision). */
  file?: string;
  /** The domain whose layer applies; defaults to the contract's domain, lower-cased. */
  domain?: string;
}

/** Names (dot paths) of the PII fields of a contract, for masking in audit events. */
export function piiFieldNames(contract: DataContract): string[] {
  const out: string[] = [];
  const visit = (fields: ContractField[], prefix: string): void => {
    for (const f of fields) {
      if (f.pii) out.push(prefix + f.name);
      visit(f.fields, `${prefix}${f.name}.`);
    }
  };
  visit(contract.fields, '');
  return out;
}

/** The domain layer a contract belongs to: the override, else its domain lower-cased. */
export function contractDomain(contract: DataContract, override?: string): string | undefined {
  const d = override ?? contract.domain?.trim().toLowerCase();
  return d === undefined || d === '' ? undefined : d;
}

/**
 * Checks one contract against the global and domain policies. Throws MeshgateError only when the
 * contract cannot be read (syntax, unknown format, limits); a policy denial is a Decision.
 */
export function checkContract(core: EngineCore, source: string | Uint8Array | Record<string, unknown>, options: CheckContractOptions = {}): Decision {
  const file = options.file;
  const parsed = parseContract(source as ContractSource, file === undefined ? {} : { file });
  const { contract, locations } = parsed;
  const domain = contractDomain(contract, options.domain);
  const subject = contract.id ?? contract.name ?? file ?? 'contract';
  const locate = (f: RawFinding) => locatePath(locations, f.path);
  const match: { contract_id?: string; file?: string } = {};
  if (contract.id !== undefined) match.contract_id = contract.id;
  if (file !== undefined) match.file = file;
  const unit = {
    entrypoint: 'meshgate/contract' as const,
    input: (layer: string) => ({ contract, layer, domain: domain ?? null }),
    locate,
    match,
    ...(domain === undefined ? {} : { domain }),
  };
  return core.runCompliance({
    kind: 'contract',
    subject,
    ...(file === undefined ? {} : { file }),
    ...(domain === undefined ? {} : { domain }),
    units: [unit],
    auditInput: contract,
    maskPaths: piiFieldNames(contract),
  });
}

/** Alias of {@link CheckContractOptions}, as the engine names it. */
export type ContractCheckOptions = CheckContractOptions;
