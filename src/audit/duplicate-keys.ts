/**
 * Finds a repeated member name in the JSON text of one object, which `JSON.parse` silently resolves
 * (last key wins) while other readers keep the first. Used by the audit verifier to say why a line is not
 * in canonical form. Pure; expects text that `JSON.parse` accepted.
 */

/** The first member name that occurs twice in the same JSON object of `text` (its JSON path too), or undefined. */
export function findDuplicateKey(text: string): { key: string; path: string } | undefined {
  type Frame = { obj: true; keys: Set<string>; expectKey: boolean; current: string } | { obj: false; index: number };
  const stack: Frame[] = [];
  const pathOf = (): string =>
    stack
      .slice(0, -1)
      .map((f) => (f.obj ? `.${f.current}` : `[${f.index}]`))
      .join('');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.obj && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, path: `${pathOf()}.${key}`.replace(/^\./, '') };
        top.keys.add(key);
        top.current = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') stack.push({ obj: true, keys: new Set(), expectKey: true, current: '' });
    else if (c === '[') stack.push({ obj: false, index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.obj) top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}
