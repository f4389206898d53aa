/**
 * Reading the standards' extension mechanisms: ODCS `customProperties` lists (`[{property, value}]`) and
 * DCS `x-` keys. Property names are matched case-, space-, dash- and underscore-insensitively, so
 * `pii`, `PII`, `is_pii` and `isPii` are one name. A name given twice keeps every value: a PII flag is
 * set when any of them says so (fail closed), other facts take the first.
 */
import { isTreeObject } from './tree.js';
import type { RawPath, TreeValue } from './tree.js';

/** A custom property's value and where it is. */
export interface CustomProperty {
  /** The value as written. */
  value: TreeValue;
  /** Raw path of the value (`[...base, 'customProperties', 3, 'value']`). */
  path: RawPath;
}

/** A property name, normalised: lower case, letters and digits only (`Is_PII` → `ispii`). */
export function normaliseName(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** What {@link customProperties} reads through: the contract builder's array accessor. */
export interface ArrayReader {
  /** The array at a raw path, when there is one. */
  arr(path: RawPath): readonly TreeValue[] | undefined;
}

/** The `customProperties` list of the object at `base`, by normalised property name (every value kept, in order). */
export function customProperties(b: ArrayReader, base: RawPath): Map<string, CustomProperty[]> {
  const out = new Map<string, CustomProperty[]>();
  const list = b.arr([...base, 'customProperties']);
  list?.forEach((item, i) => {
    if (!isTreeObject(item)) return;
    const name = item['property'];
    if (typeof name !== 'string') return;
    const key = normaliseName(name);
    if (key === '') return;
    const entry: CustomProperty = { value: item['value'] ?? null, path: [...base, 'customProperties', i, 'value'] };
    const seen = out.get(key);
    if (seen) seen.push(entry);
    else out.set(key, [entry]);
  });
  return out;
}

/** The first value of the first of `names` present in a custom property map. */
export function firstProperty(props: Map<string, CustomProperty[]>, names: readonly string[]): CustomProperty | undefined {
  for (const n of names) {
    const hit = props.get(normaliseName(n))?.[0];
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** The first value, under any of `names`, that satisfies `test`. */
export function findProperty(props: Map<string, CustomProperty[]>, names: readonly string[], test: (v: TreeValue) => boolean): CustomProperty | undefined {
  for (const n of names) for (const p of props.get(normaliseName(n)) ?? []) if (test(p.value)) return p;
  return undefined;
}

/** Names under which a PII flag is written (`pii`, `isPii`, `containsPii`, `personalData`). */
export const PII_PROPERTY_NAMES = ['pii', 'isPii', 'containsPii', 'personalData', 'isPersonalData'] as const;
/** Names under which a contract-level encryption protocol is written. */
export const ENCRYPTION_PROPERTY_NAMES = ['encryption', 'encryptionAlgorithm', 'encryptionAtRest'] as const;
/** Names under which a domain is written where the standard has no domain field. */
export const DOMAIN_PROPERTY_NAMES = ['domain', 'dataDomain'] as const;
/** Names under which an owner is written where the standard has no owner field. */
export const OWNER_PROPERTY_NAMES = ['owner', 'dataOwner', 'productOwner'] as const;

