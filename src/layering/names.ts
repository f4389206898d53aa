/**
 * The one name normaliser: Unicode NFKC, trim, case fold.
 * Used for domain names, data product ids, column names and classification labels. Also resolves a
 * domain name against the known domains, refusing look-alikes and invisible characters. Pure.
 */

/** The canonical form of a name: NFKC, trimmed, case folded (lower case). */
export function canonicalName(name: string): string {
  // printable ASCII is already in NFKC: skip the normaliser on the hot path
  return (printableAscii(name) ? name : name.normalize('NFKC')).trim().toLowerCase();
}

/** True when every character is printable ASCII (a character scan: about twice as fast as a regular expression on short names). */
function printableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Invisible or formatting characters (zero-width space/joiners, bidi controls, BOM, soft hyphen...). */
const INVISIBLE = /[\p{Cf}\p{Cc}\u034F\u115F\u1160\u3164\uFFA0]/u;

/** True when a name carries invisible characters or letters of more than one script (a look-alike). */
export function isSuspiciousName(name: string): boolean {
  if (printableAscii(name)) return false; // one script, nothing invisible
  if (INVISIBLE.test(name)) return true;
  const scripts = new Set<string>();
  for (const ch of name) {
    if (/\p{Script=Latin}/u.test(ch)) scripts.add('Latin');
    else if (/\p{Script=Cyrillic}/u.test(ch)) scripts.add('Cyrillic');
    else if (/\p{Script=Greek}/u.test(ch)) scripts.add('Greek');
    else if (/\p{L}/u.test(ch)) scripts.add('Other');
  }
  return scripts.size > 1;
}

/** Levenshtein distance (small names only; used to suggest the closest known name). */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The known name closest to `name` (edit distance over the canonical form), or undefined when none is known. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const c = canonicalName(name).slice(0, 200);
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(c, k);
    if (d < bestD || (d === bestD && best !== undefined && k < best)) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** The result of resolving a domain name: its canonical known form, or why it is not known. */
export type DomainResolution = { ok: true; domain: string } | { ok: false; name: string; closest?: string; why: string };

/**
 * Resolves a domain name (as a subject wrote it) against the known domains (canonical names). `global`
 * always resolves. A name with invisible characters or mixed scripts never resolves, even when its
 * canonical form would match (it is a look-alike).
 */
export function resolveDomain(name: string, known: ReadonlySet<string>): DomainResolution {
  const c = canonicalName(name);
  if (isSuspiciousName(name)) {
    const closest = closestName(c.replace(INVISIBLE_G, ''), known);
    return closest === undefined ? { ok: false, name, why: 'has invisible characters or mixes scripts' } : { ok: false, name, closest, why: 'has invisible characters or mixes scripts' };
  }
  if (c === 'global' || known.has(c)) return { ok: true, domain: c };
  const closest = closestName(c, known);
  return closest === undefined ? { ok: false, name, why: 'is not a known domain' } : { ok: false, name, closest, why: 'is not a known domain' };
}

/** The domain layer a resolution names: undefined for `global` and for a name that is not known. */
export function domainLayerOf(r: DomainResolution): string | undefined {
  return r.ok && r.domain !== 'global' ? r.domain : undefined;
}

const INVISIBLE_G = new RegExp(INVISIBLE.source, 'gu');
