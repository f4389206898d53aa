/**
 * Reads a byte stream as lines (LF or CRLF) with a cap on each line's size: a line over the cap is not
 * kept in memory — its bytes are counted and dropped until its end — and is delivered as `tooLong`, so a
 * single giant line (a 512 MB NDJSON record) can neither exhaust memory nor end the stream. Lines are
 * decoded as UTF-8 only once complete, so a character split across chunks stays whole; a line that is not
 * valid UTF-8 is delivered as `notUtf8`, not decoded with replacement characters.
 */

/** One line of input: its 1-based number and its text, or the byte count when it was over the cap, or `notUtf8`. */
export type CappedLine = { line: number; text: string } | { line: number; tooLong: number } | { line: number; notUtf8: true };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), 'utf8');
}

/** Yields the lines of `input` in order; a line longer than `maxBytes` bytes (without its line end) is `tooLong`. */
export async function* readCappedLines(input: AsyncIterable<unknown>, maxBytes: number): AsyncGenerator<CappedLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let over = false;
  let line = 0;
  const finish = (): CappedLine => {
    line++;
    let out: CappedLine;
    if (over) out = { line, tooLong: size };
    else {
      const body = Buffer.concat(parts, size);
      const n = body[size - 1] === 13 ? size - 1 : size; // a CR before the LF is not part of the line
      if (n > maxBytes) out = { line, tooLong: n };
      else {
        try {
          out = { line, text: UTF8.decode(body.subarray(0, n)) };
        } catch {
          out = { line, notUtf8: true }; // never guessed: a replacement character could change what is asked
        }
      }
    }
    parts = [];
    size = 0;
    over = false;
    return out;
  };
  const take = (seg: Buffer): void => {
    size += seg.length;
    if (over) return;
    if (size > maxBytes + 1) {
      // +1: room for a CR before the LF (checked exactly when the line ends)
      over = true;
      parts = [];
    } else if (seg.length > 0) parts.push(seg);
  };
  for await (const chunk of input) {
    const buf = toBuffer(chunk);
    let at = 0;
    for (let nl = buf.indexOf(10, at); nl !== -1; nl = buf.indexOf(10, at)) {
      take(buf.subarray(at, nl));
      yield finish();
      at = nl + 1;
    }
    take(buf.subarray(at));
  }
  if (size > 0 || over) yield finish();
}
