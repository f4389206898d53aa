/**
 * Turns plan bytes into text: strips a UTF-8 BOM and decodes UTF-16 LE/BE with a BOM (what a PowerShell
 * redirect of `terraform show -json` writes). Pure, no I/O.
 */
import { MeshgateError } from '../../errors.js';

/** Decodes plan bytes (UTF-8, UTF-8 with BOM, UTF-16 LE/BE with BOM) to a string without BOM. */
export function decodePlanBytes(bytes: Uint8Array, file?: string): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  try {
    if (b0 === 0xff && b1 === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    if (b0 === 0xfe && b1 === 0xff) {
      // Swap to little-endian and decode (avoids depending on ICU's utf-16be support).
      const n = (bytes.length - 2) & ~1;
      const swapped = new Uint8Array(n);
      for (let i = 0; i < n; i += 2) {
        swapped[i] = bytes[i + 3] ?? 0;
        swapped[i + 1] = bytes[i + 2] ?? 0;
      }
      return new TextDecoder('utf-16le', { fatal: true }).decode(swapped);
    }
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // JSON text never holds a raw NUL: one means UTF-16 without a byte order mark, or a binary file.
    if (text.indexOf('\u0000') !== -1) throw new Error('NUL character in text: UTF-16 without a byte order mark, or a binary file');
    return stripBom(text);
  } catch (e) {
    throw new MeshgateError('MG_PLAN_ENCODING', 'plan is not valid UTF-8 or UTF-16 (with a byte order mark) text', {
      cause: e,
      ...(file === undefined ? {} : { location: { file } }),
    });
  }
}

/** Removes a leading U+FEFF byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
