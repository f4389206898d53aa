/**
 * `parseContract`: source (text, bytes or object) → located tree → detected format → canonical model,
 * validated with ajv. Every failure is a MeshgateError with a code and, where known, a location.
 */
import { isPiiLabel } from '../../layering/classification.js';
import { validateContractModel } from '../../generated/validators.js';
import { MeshgateError } from '../../errors.js';
import { decodeText } from '../../text.js';
import type { Location } from '../../errors.js';
import { addImportWarning, Builder } from './builder.js';
import { detectFormat } from './detect.js';
import { importDcs } from './importers/dcs.js';
import { importOdcs } from './importers/odcs.js';
import { importSeed } from './importers/seed.js';
import type { ContractField, DataContract, ParsedContract } from './model.js';
import { checkStandard, standardVersion } from './standard.js';
import { MAX_SOURCE_CHARS, parseSource, treeFromObject } from './tree.js';
import type { SourceTree } from './tree.js';

/** What a contract can be given as. */
export type ContractSource = string | Uint8Array | Record<string, unknown>;

/** Options of {@link parseContract}. */
export interface ParseContractOptions {
  /** The file name recorded on every location. */
  file?: string;
}

/** CONTRACT_SCHEMA (with CONTRACT_FIELD_SCHEMA) compiled at build time by scripts/gen-validators.mjs. */
const validator = validateContractModel;

function validate(contract: DataContract, loc: Location): void {
  if (!validator(contract)) {
    const msg = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new MeshgateError('MG_CONTRACT_INVALID', `the imported contract does not match the canonical model: ${msg}`, { location: loc });
  }
}

/** YAML and JSON text never holds a NUL character: one means UTF-16 without a byte order mark, or a binary file. */
function refuseNul(text: string, base: Location): string {
  const at = text.indexOf('\u0000');
  if (at !== -1) {
    throw new MeshgateError('MG_CONTRACT_ENCODING', `source contains a NUL character at offset ${at}: UTF-16 without a byte order mark, or a binary file`, { location: base });
  }
  return text;
}

function toTree(source: ContractSource, file: string | undefined): SourceTree {
  const base: Location = file === undefined ? {} : { file };
  if (typeof source === 'string') return parseSource(refuseNul(source, base), file === undefined ? {} : { file });
  if (source instanceof Uint8Array) {
    if (source.byteLength > MAX_SOURCE_CHARS * 4) {
      throw new MeshgateError('MG_CONTRACT_TOO_LARGE', `source is ${source.byteLength} bytes, the limit is ${MAX_SOURCE_CHARS} characters`, { location: base });
    }
    let text: string;
    try {
      text = decodeText(source);
    } catch (e) {
      throw new MeshgateError('MG_CONTRACT_ENCODING', 'source is not valid UTF-8 (or UTF-16 with a byte order mark)', { location: base, cause: e });
    }
    return parseSource(refuseNul(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, base), file === undefined ? {} : { file });
  }
  if (typeof source === 'object' && source !== null) return treeFromObject(source, file);
  throw new MeshgateError('MG_CONTRACT_INPUT', `a contract must be text, bytes or an object, not ${source === null ? 'null' : typeof source}`, { location: base });
}

/** Marks fields as PII by classification, tag (the one classification vocabulary), or an ENCRYPT governance rule naming them (flags and custom properties are read by the importers). */
function markPii(c: DataContract): void {
  const encryptConditions = c.governance.filter((g) => g.action === 'ENCRYPT' && g.condition !== undefined).map((g) => g.condition ?? '');
  const visit = (fields: ContractField[]): void => {
    for (const f of fields) {
      if (f.classification !== undefined && isPiiLabel(f.classification)) f.pii = true;
      if (f.tags.some((t) => isPiiLabel(t))) f.pii = true;
      for (const cond of encryptConditions) {
        const quoted = (s: string): boolean => cond.includes(`'${s}'`) || cond.includes(`"${s}"`);
        if ((f.semantic_type !== undefined && quoted(f.semantic_type)) || quoted(f.name)) f.pii = true;
      }
      visit(f.fields);
    }
  };
  visit(c.fields);
}

/**
 * Parses and normalises a contract. Throws MeshgateError (`MG_CONTRACT_SYNTAX`, `MG_CONTRACT_FORMAT_UNKNOWN`,
 * `MG_CONTRACT_TOO_LARGE`, `MG_CONTRACT_DEPTH`, `MG_CONTRACT_ALIAS_LIMIT`, …) for inputs it cannot read.
 */
export function parseContract(source: ContractSource, options: ParseContractOptions = {}): ParsedContract {
  const tree = toTree(source, options.file);
  const rootLoc: Location = tree.locate([]) ?? (options.file === undefined ? { line: 1, column: 1 } : { file: options.file, line: 1, column: 1 });
  const format = detectFormat(tree.root, rootLoc, (key) => tree.locate([key]));
  const version = standardVersion(tree.root, format);
  const warnings = version === undefined ? [] : checkStandard(tree, version, rootLoc);
  const b = new Builder(tree);
  let contract: DataContract;
  switch (format) {
    case 'dcs':
      contract = importDcs(b);
      break;
    case 'odcs-v3':
      contract = importOdcs(b, 3);
      break;
    case 'odcs-v2':
      contract = importOdcs(b, 2);
      break;
    case 'seed-json':
      contract = importSeed(b, ['data_product_contract'], format);
      break;
    default:
      contract = importSeed(b, [], format);
  }
  for (const w of warnings) addImportWarning(b, contract, w.rule, w.message, w.raw);
  markPii(contract);
  validate(contract, rootLoc);
  if (b.locations[''] === undefined) b.locations[''] = rootLoc;
  return { contract, format, locations: b.locations };
}
