/**
 * The contract subject: parse and normalise a contract and build the decision request for
 * `meshgate/contract` (global + the contract's domain; the layering module decides). Classification
 * labels go through the one vocabulary (`PII `, `personal data` → `pii`). Findings point at file:line:col.
 */
import type { DecisionRequest } from '../../layering/decide.js';
import { DEFAULT_VOCABULARY, PII, normaliseClassification, type ClassificationVocabulary } from '../../layering/classification.js';
import type { RawFinding } from '../../types.js';
import { locatePath } from './locate.js';
import type { ContractField, DataContract } from './model.js';
import { parseContract } from './parse.js';
import type { ContractSource } from './parse.js';

/** Options of `Engine.checkContract` (and of the request builder `contractRequest`). */
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

/** The domain a contract belongs to (as written; the layering module canonicalises and resolves it): the override, else its own. */
export function contractDomain(contract: DataContract, override?: string): string | undefined {
  const d = override ?? contract.domain;
  return d === undefined || d.trim() === '' ? undefined : d;
}

/** A copy of a contract whose field classifications are canonical (the one vocabulary). */
export function withCanonicalClassifications(contract: DataContract, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): DataContract {
  const fields = (fs: ContractField[]): ContractField[] =>
    fs.map((f) => {
      const out: ContractField = { ...f, fields: fields(f.fields) };
      if (f.classification !== undefined) {
        out.classification = normaliseClassification(f.classification, vocabulary);
        if (out.classification === PII) out.pii = true; // a personal-data label is PII, whatever its spelling
      }
      return out;
    });
  return { ...contract, fields: fields(contract.fields) };
}

/**
 * Builds the decision request of one contract. Throws MeshgateError only when the contract cannot be
 * read (syntax, unknown format, limits); a policy denial is a Decision.
 */
export function contractRequest(source: ContractSource, options: CheckContractOptions = {}, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): DecisionRequest {
  const file = options.file;
  const parsed = parseContract(source, file === undefined ? {} : { file });
  const { locations } = parsed;
  const contract = withCanonicalClassifications(parsed.contract, vocabulary);
  const domain = contractDomain(contract, options.domain);
  const subject = contract.id ?? contract.name ?? file ?? 'contract';
  const locate = (f: RawFinding) => locatePath(locations, f.path);
  const match: { contract_id?: string; file?: string } = {};
  if (contract.id !== undefined) match.contract_id = contract.id;
  if (file !== undefined) match.file = file;
  return {
    kind: 'contract',
    subject,
    ...(file === undefined ? {} : { file }),
    ...(domain === undefined ? {} : { domain }),
    units: [{ entrypoint: 'meshgate/contract', input: { contract }, locate, match, ...(domain === undefined ? {} : { domains: [domain] }) }],
    auditInput: contract,
    maskPaths: piiFieldNames(contract),
  };
}

/** Alias of {@link CheckContractOptions}, as the engine names it. */
export type ContractCheckOptions = CheckContractOptions;
