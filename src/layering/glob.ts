/**
 * A small glob matcher for waiver and override matches: `*` matches any run of characters except the
 * separator, `**` matches any run including separators, `?` matches one character except the separator.
 * Everything else is literal. Files use `/` as separator; Terraform addresses use `.`. Pure: no I/O.
 */

const cache = new Map<string, RegExp>();

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** Compiles a glob to an anchored regular expression (cached by pattern and separator). */
export function globToRegExp(pattern: string, separator = '/'): RegExp {
  const key = `${separator}\u0000${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const notSep = `[^${escapeChar(separator)}]`;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` (or `**.`) also matches zero segments
        if (pattern[i + 1] === separator) {
          i++;
          src += `(?:.*${escapeChar(separator)})?`;
        } else {
          src += '.*';
        }
      } else {
        src += `${notSep}*`;
      }
    } else if (c === '?') {
      src += notSep;
    } else {
      src += escapeChar(c);
    }
  }
  const re = new RegExp(`^${src}$`, 's');
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

/** True when `text` matches the glob `pattern` (see the module comment for the syntax). */
export function globMatch(pattern: string, text: string, separator = '/'): boolean {
  return globToRegExp(pattern, separator).test(text);
}
