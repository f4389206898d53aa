/**
 * `meshgate authorize -` as docs/cli.md promises (issues 20 and 17): one NDJSON line out per non-blank
 * line in; `{"line": n, "error": {code, message}}` for every request that was not decided (not JSON, not
 * an object, rejected by the engine, over the line cap), exit 2 when any was; one error per invalid request
 * naming each problem once; a giant line is a coded per-line error and the stream goes on. The line reader
 * and the request validator are tested directly; the CLI cases spawn the built CLI (the CLI is the point).
 */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCappedLines, type CappedLine } from '../src/cli/lines.js';
import { validateRequest } from '../src/subjects/access/model.js';
import { CLI, ensureBuilt, runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

const ALLOW = JSON.stringify({ user: { id: 'alice', department: 'marketing' }, action: 'read', data_product: { id: 'campaign_stats', classification: 'public' } });
const NO_PRODUCT = JSON.stringify({ user: { id: 'alice' }, action: 'read' });

async function lines(chunks: Array<string | Buffer>, cap: number): Promise<CappedLine[]> {
  async function* gen(): AsyncGenerator<string | Buffer> {
    for (const c of chunks) yield c;
  }
  const out: CappedLine[] = [];
  for await (const l of readCappedLines(gen(), cap)) out.push(l);
  return out;
}

describe('readCappedLines', () => {
  it('splits LF and CRLF lines, keeps a character split across chunks whole, and yields a last line without LF', async () => {
    const euro = Buffer.from('€', 'utf8');
    const out = await lines(['a\r\nb', Buffer.concat([Buffer.from('\n'), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('x\n\nlast')])], 100);
    expect(out).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: '€x' },
      { line: 4, text: '' },
      { line: 5, text: 'last' },
    ]);
  });

  it('a line over the cap is tooLong (its byte count), exactly at the cap is kept, and the next line is read', async () => {
    const out = await lines(['12345\n123456\r\n', '1234567', '89\nok\n'], 6);
    expect(out).toEqual([
      { line: 1, text: '12345' },
      { line: 2, text: '123456' },
      { line: 3, tooLong: 9 },
      { line: 4, text: 'ok' },
    ]);
  });

  it('a line that is not valid UTF-8 is notUtf8, never decoded with replacement characters', async () => {
    const out = await lines([Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), 'ok\n'], 100);
    expect(out).toEqual([
      { line: 1, notUtf8: true },
      { line: 2, text: 'ok' },
    ]);
  });

  it('a 600 MB line is counted, not kept: it ends as tooLong without a RangeError', async () => {
    const chunk = Buffer.alloc(1 << 20, 0x61);
    async function* gen(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 600; i++) yield chunk;
      yield Buffer.from('\n{}\n');
    }
    const out: CappedLine[] = [];
    for await (const l of readCappedLines(gen(), 4 << 20)) out.push(l);
    expect(out).toEqual([
      { line: 1, tooLong: 600 << 20 },
      { line: 2, text: '{}' },
    ]);
  });
});

describe('validateRequest', () => {
  it('a request without a data product gets one problem for it, not three', () => {
    const issues = validateRequest(JSON.parse(NO_PRODUCT));
    expect(issues.filter((i) => /data_?product/i.test(`${i.path} ${i.message}`))).toHaveLength(1);
    expect(issues).toHaveLength(1);
  });
});

describe('meshgate authorize - (the CLI)', () => {
  beforeAll(() => ensureBuilt());

  it('one line out per non-blank line in; undecided requests are {line, error: {code, message}}; exit 2', async () => {
    const input = [ALLOW, '{not json', '', '[1, 2]', '{}', NO_PRODUCT, ALLOW].join('\n');
    const r = await runCli(['authorize', '-'], { input: `${input}\n` });
    expect(r.code).toBe(2);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o['line'])).toEqual([1, 2, 4, 5, 6, 7]);
    for (const i of [1, 2, 3, 4]) {
      expect(Object.keys(out[i] as object)).toEqual(['line', 'error']);
      const err = (out[i] as { error: Record<string, unknown> }).error;
      expect(Object.keys(err).sort()).toEqual(['code', 'message']);
    }
    expect(out.map((o) => (o['error'] as { code?: string } | undefined)?.code ?? o['allowed'])).toEqual([
      true,
      'MG_INPUT_JSON_SYNTAX',
      'MG_ACCESS_REQUEST_INVALID',
      'MG_ACCESS_REQUEST_INVALID',
      'MG_ACCESS_REQUEST_INVALID',
      true,
    ]);
    // `{}` names each problem once: the data product, the user and the action
    const empty = (out[3] as { error: { message: string } }).error.message;
    expect(empty.match(/\/data_?product/gi)).toHaveLength(1); // one problem for the missing data product
    expect(empty).toContain('/user');
    expect(empty).toContain('/action');
    const noProduct = (out[4] as { error: { message: string } }).error.message;
    expect(noProduct).toBe('invalid access request at /dataProduct: give exactly one of dataProduct or data_product');
  });

  it('only valid lines: exit 0', async () => {
    const r = await runCli(['authorize', '-'], { input: `${ALLOW}\n\n${ALLOW}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('a line over --max-line-bytes is a coded per-line error and the stream goes on', async () => {
    const big = JSON.stringify({ user: { id: 'alice' }, action: 'read', data_product: { id: 'x' }, columns: Array.from({ length: 2000 }, (_, i) => `c${i}`) });
    const r = await runCli(['authorize', '-', '--max-line-bytes', '1000'], { input: `${ALLOW}\n${big}\n${ALLOW}\n` });
    expect(r.code).toBe(2);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; allowed?: boolean; error?: { code: string } });
    expect(out.map((o) => [o.line, o.error?.code ?? o.allowed])).toEqual([
      [1, true],
      [2, 'MG_INPUT_LINE_TOO_LONG'],
      [3, true],
    ]);
  });

  it('a 520 MB line gets a coded error (no RangeError, no exit 1) and the next line is decided', async () => {
    const child = spawn(process.execPath, [CLI, 'authorize', '-'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const chunk = Buffer.alloc(1 << 20, 0x20);
    chunk[0] = 0x7b; // '{' so the line starts like JSON
    for (let i = 0; i < 520; i++) if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
    child.stdin.end(`\n${ALLOW}\n`);
    const code = await done;
    expect(Buffer.concat(err).toString('utf8')).toBe('');
    expect(code).toBe(2);
    const lines = Buffer.concat(out).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; allowed?: boolean; error?: { code: string } });
    expect(lines.map((o) => [o.line, o.error?.code ?? o.allowed])).toEqual([
      [1, 'MG_INPUT_LINE_TOO_LONG'],
      [2, true],
    ]);
  }, 120_000);
});
