/**
 * Automatic detection of a contract's source format, with an explanation of what was looked for when
 * nothing matches.
 */
import { MeshgateError } from '../../errors.js';
import type { Location } from '../../errors.js';
import type { ContractFormat } from './model.js';
import { isTreeObject } from './tree.js';
import type { TreeValue } from './tree.js';

/** What each format is recognised by (printed when nothing matches). */
export const FORMAT_SIGNATURES: Readonly<Record<ContractFormat, string>> = {
  dcs: '`dataContractSpecification: 0.9.x–1.x` (Data Contract Specification)',
  'odcs-v3': '`apiVersion: v3.x` with `kind: DataContract` (ODCS v3, `schema` objects)',
  'odcs-v2': '`apiVersion`/`standardVersion: 2.2.x`, or `kind: DataContract` with `dataset` (ODCS v2, tables/columns)',
  'seed-json': '`data_product_contract` object (JSON Schema, quality_sla, governance_rules)',
  'seed-stream': '`schema_definition` (streaming product with an embedded Avro schema)',
  'seed-fields': '`schema.fields` list (data_product contract with a field list)',
  'seed-map': '`data_product` with a `schema` map of fields',
};

const str = (v: TreeValue | undefined): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/**
 * Detects the format of a parsed document, or throws `MG_CONTRACT_FORMAT_UNKNOWN` / `MG_CONTRACT_VERSION_UNSUPPORTED`
 * (at the version key's line when `locateKey` knows it, otherwise at `location`).
 */
export function detectFormat(root: TreeValue, location: Location, locateKey?: (key: string) => Location | undefined): ContractFormat {
  const at = (key: string): Location => locateKey?.(key) ?? location;
  if (!isTreeObject(root)) {
    throw unknown(`the document is ${root === null ? 'empty' : Array.isArray(root) ? 'a list' : `a ${typeof root}`}, not a mapping`, location, []);
  }
  const keys = Object.keys(root);
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(root, k);
  if (has('dataContractSpecification')) {
    const v = str(root['dataContractSpecification']);
    if (!/^v?(0\.9|1\.\d+)(\.|$)/.test(v)) {
      throw new MeshgateError('MG_CONTRACT_VERSION_UNSUPPORTED', `Data Contract Specification ${v || '(no version)'} is not supported (0.9.x–1.2.x are, and newer 1.x versions that satisfy the 1.2.1 schema)`, { location: at('dataContractSpecification') });
    }
    return 'dcs';
  }
  const api = str(root['apiVersion']) || str(root['standardVersion']);
  const apiAt = (): Location => at(str(root['apiVersion']) ? 'apiVersion' : 'standardVersion');
  const kind = str(root['kind']);
  if (api !== '' && kind !== '' && kind !== 'DataContract' && !has('dataset')) {
    throw unknown(`\`kind: ${kind}\` is not a data contract (a data product descriptor?)`, location, keys);
  }
  if (kind === 'DataContract' && /^v?\d+\./.test(api) && !/^v?[23]\./.test(api)) {
    throw new MeshgateError('MG_CONTRACT_VERSION_UNSUPPORTED', `ODCS ${api} is not supported (v2.2.x and v3.x are)`, { location: apiAt() });
  }
  // Newer v3 minor versions are accepted here; standard.ts checks them against the newest known v3 schema.
  if (/^v?3\.\d+(\.|$)/.test(api)) return 'odcs-v3';
  if (/^v?2\./.test(api) || (kind === 'DataContract' && (has('dataset') || has('datasetName'))) || (has('dataset') && (has('datasetName') || has('quantumName') || kind === 'managedDataset'))) {
    if (api !== '' && !/^v?2\.2(\.|$)/.test(api)) throw new MeshgateError('MG_CONTRACT_VERSION_UNSUPPORTED', `ODCS ${api} is not supported (v2.2.x and v3.x are)`, { location: apiAt() });
    return 'odcs-v2';
  }
  if (kind === 'DataContract' && Array.isArray(root['schema'])) return 'odcs-v3';
  if (isTreeObject(root['data_product_contract'])) return 'seed-json';
  if (has('schema_definition')) return 'seed-stream';
  const schema = root['schema'];
  if (isTreeObject(schema) && Array.isArray(schema['fields'])) return 'seed-fields';
  if (has('data_product') || has('data_product_id')) return 'seed-map';
  let hint = '';
  if (has('dataProductDescriptor')) hint = 'this is an Open Data Mesh data product descriptor, not a data contract';
  else if (isTreeObject(root['product'])) hint = 'this looks like an Open Data Product Specification document, not a data contract';
  throw unknown(hint || 'no known contract format matched', location, keys);
}

function unknown(why: string, location: Location, keys: string[]): MeshgateError {
  const looked = Object.values(FORMAT_SIGNATURES).map((s) => `  - ${s}`).join('\n');
  const found = keys.length ? `top-level keys found: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}` : 'no top-level keys';
  return new MeshgateError('MG_CONTRACT_FORMAT_UNKNOWN', `unrecognised contract format: ${why}; ${found}. Looked for:\n${looked}`, {
    location,
    details: { keys: keys.slice(0, 50), looked_for: Object.keys(FORMAT_SIGNATURES) },
  });
}
