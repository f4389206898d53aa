/**
 * Turns plan bytes into text: strips a UTF-8 BOM and decodes UTF-16 LE/BE with a BOM (what a PowerShell
 * redirect of `terraform show -json` writes). Pure, no I/O.
 */
import { MeshgateError } from '../../errors.js';
import { decodeText, stripBom } from '../../text.js';

/** Decodes plan bytes (UTF-8, UTF-8 with BOM, UTF-16 LE/BE with BOM) to a string without BOM. */
export function decodePlanBytes(bytes: Uint8Array, file?: string): string {
  try {
    const text = decodeText(bytes);
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

/** Removes a leading U+FEFF byte order mark (re-exported from the shared text module). */
export { stripBom };
