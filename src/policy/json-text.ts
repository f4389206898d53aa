/**
 * A policy input already serialised to JSON text. The policy runtime hands the text to the policy as is,
 * so a caller that gives several layers the same document (an access request: global, then the owning
 * domain) serialises it once instead of once per layer.
 */

/** JSON text to evaluate as the policy input (`JSON.stringify` of it gives the same text). */
export class JsonText {
  /** @param text well-formed JSON (the caller's guarantee: it comes from `JSON.stringify`). */
  constructor(readonly text: string) {}

  /** The value the text denotes, so that `JSON.stringify` and structured logging see the input itself. */
  toJSON(): unknown {
    return JSON.parse(this.text) as unknown;
  }
}

/**
 * An input object as JSON text, from members already serialised (`serialised`: key → JSON text) and
 * further scalar fields (serialised here; `undefined` fields are left out, as `JSON.stringify` does).
 */
export function jsonWith(serialised: Readonly<Record<string, string>>, fields: Readonly<Record<string, string | null | undefined>>): JsonText {
  let text = '';
  for (const k in serialised) text += `${text === '' ? '{' : ','}${JSON.stringify(k)}:${serialised[k]}`;
  if (text === '') text = '{';
  for (const k in fields) {
    const v = fields[k];
    if (v !== undefined) text += `${text === '{' ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return new JsonText(`${text}}`);
}
