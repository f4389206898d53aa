/**
 * Text decoding shared by every subject: UTF-8 (with or without a byte order mark) and UTF-16 LE/BE with
 * a byte order mark (what a PowerShell redirect writes). Pure; throws a TypeError on invalid sequences,
 * which each subject turns into its own coded error.
 */

/** Decodes bytes to text, honouring a UTF-16 byte order mark; a UTF-8 BOM is kept (see {@link stripBom}). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // Swap to little-endian and decode (avoids depending on ICU's utf-16be support).
    const n = (bytes.length - 2) & ~1;
    const swapped = new Uint8Array(n);
    for (let i = 0; i < n; i += 2) {
      swapped[i] = bytes[i + 3] ?? 0;
      swapped[i + 1] = bytes[i + 2] ?? 0;
    }
    return new TextDecoder('utf-16le', { fatal: true }).decode(swapped);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** Removes a leading U+FEFF byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
