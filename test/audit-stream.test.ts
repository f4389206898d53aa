/**
 * The audit chain verifier fed as a stream: a log that exists only as a stream of chunks (never a file or
 * a string) is verified line by line, with the break near its end found at the right line; chunk
 * boundaries (inside multi-byte characters, inside lines) do not change the result.
 */
import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChainLineSplitter, ChainVerifier, GENESIS_HASH, MAX_LINE_BYTES, buildAuditEvent, jsonlSink, canonicalJson, chainEvent, chainLine, verifyAuditStream, verifyChainText, type AuditEvent, type ChainHead } from '../src/audit/index.js';
import { sha256Hex } from '../src/sha256.js';
import { makeDecision } from './helpers/audit-decisions.js';

const OPTIONS = { version: 't', now: () => new Date('2026-05-30T10:00:00Z') };

/** The lines of a chained log of `n` events (subject `subject`), generated on demand. */
function* logLines(n: number, subject: string): Generator<string> {
  const event: AuditEvent = buildAuditEvent(makeDecision('contract', { subject }), {}, OPTIONS);
  let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  for (let i = 0; i < n; i++) {
    const next = chainLine(event, head, sha256Hex);
    head = next.head;
    yield `${next.line}\n`;
  }
}

describe('streaming verification', () => {
  it('verifies a log that is only ever a stream, and finds an edit near its end', async () => {
    const n = 10_000;
    const bad = n - 4; // 0-based index of the edited line
    let bytes = 0;
    async function* source(): AsyncGenerator<Buffer> {
      let i = 0;
      for (const line of logLines(n, 'orders')) {
        const text = i++ === bad ? line.replace('"outcome":"allowed"', '"outcome":"denied"') : line;
        bytes += text.length;
        yield Buffer.from(text, 'utf8');
      }
    }
    const report = await verifyAuditStream(source());
    expect(bytes).toBeGreaterThan(2_500_000); // several of the reader's 1 MiB chunks
    expect(report).toMatchObject({ ok: false, lines: n, firstBadLine: bad + 1, problem: 'edited', lastSeq: bad - 1, events: bad });
    expect(report.message).toBe(`line ${bad + 1}: hash mismatch: the line was changed after it was written (seq ${bad})`);
  });

  it('gives the same report whatever the chunking, for intact, reordered and torn logs with multi-byte text', async () => {
    const lines = [...logLines(12, 'Zürich € 😀 データ')];
    const variants = {
      intact: lines.join(''),
      reordered: [...lines.slice(0, 5), lines[6]!, lines[5]!, ...lines.slice(7)].join(''),
      deleted: [...lines.slice(0, 5), ...lines.slice(6)].join(''),
      torn: lines.join('').slice(0, -40),
      crlf: lines.map((l) => l.replace('\n', '\r\n')).join(''),
    };
    for (const [name, text] of Object.entries(variants)) {
      const whole = verifyChainText(text);
      const bytes = Buffer.from(text, 'utf8');
      for (const size of [1, 3, 7, 4096]) {
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
        expect(await verifyAuditStream(Readable.from(chunks)), `${name} in chunks of ${size}`).toEqual(whole);
      }
    }
    expect(verifyChainText(variants.intact).ok).toBe(true);
    expect(verifyChainText(variants.reordered).problem).toBe('reordered');
    expect(verifyChainText(variants.deleted).problem).toBe('deleted');
    expect(verifyChainText(variants.torn).problem).toBe('truncated');
    expect(verifyChainText(variants.crlf).problem).toBe('noncanonical');
  });

  it('writes each line as the canonical JSON of its chained event, with or without rotated_from', () => {
    const event = buildAuditEvent(makeDecision('access', { subject: 'u-1 -> Zürich 😀' }), { request: { b: 1, a: [2, 'x'] } }, OPTIONS);
    const head = { seq: 7, hash: 'ab'.repeat(32) };
    for (const from of [undefined, 'audit.log.3']) {
      const viaEvent = chainEvent(event, head, sha256Hex, from);
      const line = chainLine(event, head, sha256Hex, from);
      expect(line.line).toBe(canonicalJson(viaEvent.event));
      expect(line.head).toEqual(viaEvent.head);
      expect(verifyChainText(`${line.line}\n`, sha256Hex, head).ok).toBe(true);
    }
  });

  it('does not keep a line longer than the limit: it is reported as malformed by its length, and counting goes on', async () => {
    const lines = [...logLines(4, 'orders')];
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from(lines.slice(0, 3).join(''), 'utf8');
      const junk = Buffer.alloc(1024 * 1024, 0x78);
      for (let i = 0; i <= MAX_LINE_BYTES / junk.length; i++) yield junk; // one line of 64 MiB + 1 MiB, never kept whole
      yield Buffer.from(`\n${lines[3]}`, 'utf8');
    }
    const report = await verifyAuditStream(source());
    expect(report).toMatchObject({ ok: false, lines: 5, firstBadLine: 4, problem: 'malformed', lastSeq: 2 });
    expect(report.message).toBe(`line 4: a line of ${MAX_LINE_BYTES + 1024 * 1024} bytes, longer than an audit line may be`);

    const v = new ChainVerifier({ hash: sha256Hex });
    const split = new ChainLineSplitter((l) => v.line(l), { maxLineBytes: 5000, onLongLine: (n) => v.longLine(n) });
    split.write(Buffer.from(`${lines[0]}${'y'.repeat(6000)}`, 'utf8')); // a torn over-long last line
    expect(v.end(split.end())).toMatchObject({ ok: false, lines: 2, firstBadLine: 2, problem: 'truncated' });
  });

  it('the JSONL sink, re-opening a signed log, streams what follows the last checkpoint and names the bad line by its number in the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshgate-stream-'));
    try {
      const path = join(dir, 'audit.log');
      const key = generateKeyPairSync('ed25519').privateKey;
      const sink = jsonlSink(path, { checkpoints: { key, everyEvents: 2 } });
      const event = buildAuditEvent(makeDecision('contract'), {}, OPTIONS);
      for (let i = 0; i < 5; i++) sink.write(event);
      await sink.close();
      const text = await readFile(path, 'utf8');
      const n = text.split('\n').length - 1; // the last line is the closing checkpoint
      const events = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { seq?: number; hash?: string }).filter((o) => typeof o.seq === 'number');
      const last = events[events.length - 1] as { seq: number; hash: string };
      const a = chainLine(event, { seq: last.seq + 1, hash: last.hash }, sha256Hex);
      const b = chainLine(event, a.head, sha256Hex);
      await appendFile(path, `${a.line}\n${b.line.replace('"outcome":"allowed"', '"outcome":"denied"')}\n`);
      expect(() => jsonlSink(path, { checkpoints: { key } }).open()).toThrow(expect.objectContaining({ code: 'MG_AUDIT_LOG_CORRUPT', location: { file: path, line: n + 2 } }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
