/**
 * Maps a Terraform resource to data mesh domains: the config's mapping (an explicit address, else the
 * longest matching module path) and the resource's own `Domain` tag; `default` when neither names one.
 * When the mapping and the tag disagree, both are returned (every one of their layers applies, and the
 * layering module reports the conflict): a resource cannot escape its module's domain by tagging itself
 * into another. Names are canonicalised (NFKC, trim, case fold); resolving them is the layering's job. Pure.
 */
import { canonicalName } from '../../layering/names.js';
import { stripIndices } from './normalise.js';

/** How resources map to domains besides their `Domain` tag (the one domain-mapping type; the config uses it too). */
export interface DomainMapping {
  /** Module path (`module.finance_lake`, instance keys optional) → domain. */
  byModule?: Record<string, string>;
  /** Resource address → domain (wins over the module mapping). */
  byAddress?: Record<string, string>;
  /** Domain for resources nothing else maps. */
  default?: string;
}

function moduleMatches(module: string, key: string): boolean {
  if (key === '') return false;
  const path = stripIndices(module);
  const k = stripIndices(key) === key ? path : module;
  return k === key || k.startsWith(`${key}.`);
}

function configured(resource: { address: string; module: string }, mapping: DomainMapping | undefined): string | undefined {
  const byAddress = mapping?.byAddress;
  if (byAddress && Object.hasOwn(byAddress, resource.address)) return byAddress[resource.address];
  const byModule = mapping?.byModule;
  if (byModule && resource.module !== '') {
    let best: string | undefined;
    for (const key of Object.keys(byModule)) {
      if (moduleMatches(resource.module, key) && (best === undefined || key.length > best.length)) best = key;
    }
    if (best !== undefined) return byModule[best];
  }
  return undefined;
}

/** Every domain a resource belongs to (canonical names, the config's mapping first), empty when nothing maps it. */
export function mapDomains(resource: { address: string; module: string; tags: Record<string, unknown> }, mapping: DomainMapping | undefined): string[] {
  const out: string[] = [];
  const add = (d: string | undefined): void => {
    if (d === undefined) return;
    const c = canonicalName(d);
    if (c !== '' && !out.includes(c)) out.push(c);
  };
  add(configured(resource, mapping));
  const tag = resource.tags['Domain'];
  if (typeof tag === 'string') add(tag); // a sensitive tag stays the marker: no known domain, so it is refused, never skipped
  if (out.length === 0) add(mapping?.default);
  return out;
}

/** The domain of a resource (its first one, see {@link mapDomains}), or undefined when nothing maps it. */
export function mapDomain(resource: { address: string; module: string; tags: Record<string, unknown> }, mapping: DomainMapping | undefined): string | undefined {
  return mapDomains(resource, mapping)[0];
}
