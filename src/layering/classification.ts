/**
 * The one classification vocabulary: every subject
 * (contracts, Terraform tags, access requests) maps a classification label through {@link normaliseClassification}
 * before a policy or a comparison sees it. Labels are canonicalised (NFKC, trim, case fold, runs of
 * spaces, `-` and `_` become `_`) and synonyms of personal data become `pii`. The synonym table can be
 * extended in the global bundle's data (`meshgate_config.classification.pii_synonyms`). Pure.
 */
import { canonicalName } from './names.js';

/** Labels that mean personal data (canonical form), mapped to `pii`. */
export const DEFAULT_PII_SYNONYMS: readonly string[] = ['pii', 'personal', 'personal_data', 'personal_information', 'sensitive_pii', 'sensitive_personal', 'sensitive_personal_data', 'personaldata', 'spi', 'phi', 'pii:true', 'pii=true', 'gdpr:personal'];

/** The canonical label of personal data. */
export const PII = 'pii';

/** A classification vocabulary: which canonical labels mean personal data. */
export interface ClassificationVocabulary {
  /** Canonical labels (NFKC, trimmed, case folded, separators as `_`) that mean personal data. */
  readonly piiSynonyms: ReadonlySet<string>;
}

/** The default vocabulary. */
export const DEFAULT_VOCABULARY: ClassificationVocabulary = { piiSynonyms: new Set(DEFAULT_PII_SYNONYMS) };

/** The canonical spelling of a label: NFKC, trim, case fold, separators as `_`. */
export function canonicalLabel(label: string): string {
  // lower-case ASCII letters and digits only: already canonical (the hot path of access requests)
  return SIMPLE_LABEL.test(label) ? label : canonicalName(label).replace(/[\s_-]+/gu, '_');
}
const SIMPLE_LABEL = /^[a-z0-9]*$/;

/** Builds a vocabulary from the default synonyms plus extra ones (any spelling). */
export function vocabularyWith(extra: readonly unknown[] | undefined): ClassificationVocabulary {
  const set = new Set(DEFAULT_PII_SYNONYMS);
  for (const e of extra ?? []) if (typeof e === 'string' && e.trim() !== '') set.add(canonicalLabel(e));
  return { piiSynonyms: set };
}

/** The canonical classification of a label: `pii` for every synonym of personal data, else its canonical spelling. */
export function normaliseClassification(label: string, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): string {
  const c = canonicalLabel(label);
  return vocabulary.piiSynonyms.has(c) ? PII : c;
}

/** True when a label means personal data. */
export function isPiiLabel(label: string, vocabulary: ClassificationVocabulary = DEFAULT_VOCABULARY): boolean {
  return normaliseClassification(label, vocabulary) === PII;
}
