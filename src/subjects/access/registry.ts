/**
 * The registry of data contracts used to enrich access requests: contracts are the source of truth.
 * Keys are canonical product ids (NFKC, trim, case fold), so `FIN.SECRET` and `"fin.secret "` find the
 * contract of `fin.secret`. A second contract for the same product replaces the first only when it
 * states an explicitly higher version; an equal, lower or missing version is refused
 * (MG_CONTRACT_DUPLICATE, naming both files). A classification downgrade between versions is kept as a
 * finding on every decision about the product. Pure (no I/O).
 */
import { MeshgateError } from '../../errors.js';
import { DEFAULT_VOCABULARY, type ClassificationVocabulary } from '../../layering/classification.js';
import type { SubjectNote } from '../../layering/decide.js';
import { canonicalName } from '../../layering/names.js';
import { parseContract, type ContractSource } from '../contract/parse.js';
import { classificationRank, factsFromContract, type ProductFacts } from './enrich.js';

/** One registered contract. */
interface Entry {
  facts: ProductFacts;
  file: string;
  notes: SubjectNote[];
}

/** Compares two semantic versions (`1.2.3`, leading `v` allowed); undefined when either is not one. */
export function compareVersions(a: string, b: string): number | undefined {
  const parse = (v: string): number[] | undefined => {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v.trim());
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return 0;
}

/** The registered contracts, by canonical product id. */
export class ContractRegistryMap {
  private readonly entries = new Map<string, Entry>();

  /** @param vocabulary the classification vocabulary (from the global bundle's data). */
  constructor(private readonly vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY) {}

  /**
   * Registers a contract (text, bytes or object, any supported format). Throws MeshgateError for an
   * unreadable contract, a contract without an id, or a duplicate id without an explicitly higher version.
   */
  register(source: ContractSource, options: { file?: string } = {}): void {
    const { contract } = parseContract(source, options.file === undefined ? {} : { file: options.file });
    const id = contract.id ?? contract.name;
    const location = options.file === undefined ? {} : { location: { file: options.file } };
    if (id === undefined || id.trim() === '') {
      throw new MeshgateError('MG_ACCESS_CONTRACT_NO_ID', 'a contract registered for access enrichment needs an id or a name', location);
    }
    const key = canonicalName(id);
    const facts = factsFromContract(contract, this.vocabulary);
    const file = options.file ?? '<unnamed contract>';
    const prev = this.entries.get(key);
    const notes: SubjectNote[] = [];
    if (prev) {
      const cmp = prev.facts.version === undefined || facts.version === undefined ? undefined : compareVersions(facts.version, prev.facts.version);
      if (cmp === undefined || cmp <= 0) {
        throw new MeshgateError(
          'MG_CONTRACT_DUPLICATE',
          `data product ${key} has two contracts: ${prev.file} (version ${prev.facts.version ?? 'none'}) and ${file} (version ${facts.version ?? 'none'}); a contract replaces another only with an explicitly higher version`,
          { ...location, details: { product: key, files: [prev.file, file] } },
        );
      }
      const before = prev.facts.classification === undefined ? undefined : classificationRank(prev.facts.classification, this.vocabulary);
      const after = facts.classification === undefined ? undefined : classificationRank(facts.classification, this.vocabulary);
      const lostPii = prev.facts.pii_columns.filter((c) => !facts.pii_columns.includes(c));
      if ((before !== undefined && (after === undefined || after < before)) || lostPii.length > 0) {
        notes.push({
          level: 'warn',
          finding: {
            rule: 'contract_classification_downgrade',
            msg: `data product ${key}: version ${facts.version ?? '?'} (${file}) downgrades version ${prev.facts.version ?? '?'} (${prev.file})${before !== undefined ? `: classification ${prev.facts.classification} → ${facts.classification ?? 'none'}` : ''}${lostPii.length > 0 ? `; no longer PII: ${lostPii.join(', ')}` : ''}`,
          },
        });
      }
      notes.push(...prev.notes);
    }
    this.entries.set(key, { facts, file, notes });
  }

  /** What the registered contract says about a product (any spelling of its id), or undefined. */
  facts(id: string): ProductFacts | undefined {
    return this.entries.get(canonicalName(id))?.facts;
  }

  /** Findings about the product's contract history (downgrades), empty when none. */
  notes(id: string): readonly SubjectNote[] {
    return this.entries.get(canonicalName(id))?.notes ?? [];
  }
}
