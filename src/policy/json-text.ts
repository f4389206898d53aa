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
 * The input `{"<key>": <json>, …fields}` as JSON text, from a member already serialised (`json`) and
 * further plain fields (serialised here; `undefined` fields are left out, as `JSON.stringify` does).
 */
export function jsonWith(key: string, json: string, fields: Readonly<Record<string, string | undefined>>): JsonText {
  let text = `{${JSON.stringify(key)}:${json}`;
  for (const k in fields) {
    const v = fields[k];
    if (v !== undefined) text += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return new JsonText(`${text}}`);
}
