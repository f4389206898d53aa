/**
 * Maps a Terraform resource to a data mesh domain: an explicit address mapping, then the `Domain` tag
 * (lower-cased), then the longest matching module path, then a default. Pure.
 */
import { stripIndices } from './normalise.js';

/** How resources map to domains besides their `Domain` tag. */
export interface DomainMapping {
  /** Module path (`module.finance_lake`, instance keys optional) → domain. */
  byModule?: Record<string, string>;
  /** Resource address → domain (wins over everything). */
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

/** The domain of a resource, or undefined when nothing maps it. */
export function mapDomain(resource: { address: string; module: string; tags: Record<string, unknown> }, mapping: DomainMapping | undefined): string | undefined {
  const byAddress = mapping?.byAddress;
  if (byAddress && Object.hasOwn(byAddress, resource.address)) return byAddress[resource.address];
  const tag = resource.tags['Domain'];
  if (typeof tag === 'string' && tag.trim() !== '' && tag !== '(sensitive)') return tag.trim().toLowerCase();
  const byModule = mapping?.byModule;
  if (byModule && resource.module !== '') {
    let best: string | undefined;
    for (const key of Object.keys(byModule)) {
      if (moduleMatches(resource.module, key) && (best === undefined || key.length > best.length)) best = key;
    }
    if (best !== undefined) return byModule[best];
  }
  return mapping?.default;
}
