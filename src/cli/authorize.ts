/**
 * `meshgate authorize <request.json | ->`: decides access requests. A file holds one request (or an
 * array of them) and gets pretty JSON back; `-` streams NDJSON from stdin to NDJSON on stdout, one line
 * out per non-blank line in, in bounded memory (lines read with a byte cap, waiting for stdout to drain).
 * A request that is not decided — not JSON, not an object, over the line cap, rejected by the engine, or
 * an evaluation error — yields one `{"line": n, "error": {code, message}}` naming every problem, and the
 * stream goes on. Exit: 0 when every request was decided (denials included), 1 with `--fail-on-deny` when
 * any was denied, 2 when any line or file was bad.
 */
import { resolve } from 'node:path';
import type { Engine } from '../engine.js';
import { describeThrown, formatLocation, isMeshgateError, MeshgateError } from '../errors.js';
import { logSafe, logSafeLines } from '../report/escape.js';
import type { Decision } from '../types.js';
import { flag, parse, str, strs } from './args.js';
import { createCliEngine, ownedSinks, specPaths, type EngineSpec } from './engine-setup.js';
import { expandOperands } from './expand.js';
import { AUTHORIZE_HELP } from './help.js';
import { EXIT, readInputFile, type CliIo } from './io.js';
import { readCappedLines } from './lines.js';

type Request = Parameters<Engine['authorize']>[0];

/** The default cap on one NDJSON line (`--max-line-bytes`): far above a request with 10 000 columns. */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

/** A request's one error: a code and a message naming every problem. */
interface LineError {
  code: string;
  message: string;
}

function thrownError(e: unknown): LineError {
  return isMeshgateError(e) ? { code: e.code, message: e.reason } : { code: 'MG_INTERNAL', message: describeThrown(e) };
}

/** The one error of an undecided request (a Decision with outcome `error`): the first code, every message. */
export function decisionError(d: Decision): LineError {
  const messages = [...new Set(d.errors.map((e) => (e.layer ? `[${e.layer}] ${e.message}` : e.message)))];
  const code = d.errors[0]?.code ?? 'MG_INTERNAL';
  if (messages.length <= 1) return { code, message: messages[0] ?? 'the request could not be decided' };
  // "invalid access request at /a: x", "… at /b: y" → "invalid access request (2 problems): /a: x; /b: y"
  let n = 0;
  const first = messages[0] as string;
  while (n < first.length && messages.every((m) => m[n] === first[n])) n++;
  const head = first.slice(0, first.lastIndexOf(' ', n - 1) + 1);
  const lead = head.replace(/ at $/, '').trim();
  const rest = messages.map((m) => m.slice(head.length));
  return { code, message: lead ? `${lead} (${messages.length} problems): ${rest.join('; ')}` : `${messages.length} problems: ${messages.join('; ')}` };
}

function parseRequest(text: string, line: number, file: string | undefined): Request {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MeshgateError('MG_INPUT_JSON_SYNTAX', `not valid JSON: ${describeThrown(e)}`, { location: file === undefined ? { line } : { file, line } });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new MeshgateError('MG_ACCESS_REQUEST_INVALID', 'an access request must be a JSON object', { location: file === undefined ? { line } : { file, line } });
  }
  return v as Request;
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((r) => stream.once('drain', () => r()));
}

/** Runs `authorize`; resolves to the exit code. */
export async function runAuthorize(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, {
    config: { type: 'string', short: 'c' },
    policies: { type: 'string' },
    contracts: { type: 'string', multiple: true },
    'audit-log': { type: 'string' },
    'fail-on-deny': { type: 'boolean' },
    'max-line-bytes': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flag(p, 'help')) {
    io.stdout(AUTHORIZE_HELP);
    return EXIT.ok;
  }
  if (p.positionals.length !== 1) throw new MeshgateError('MG_CLI_USAGE', 'authorize needs exactly one operand: a request file, or - for NDJSON on stdin');
  const operand = p.positionals[0] as string;
  const capText = str(p, 'max-line-bytes');
  const maxLineBytes = capText === undefined ? DEFAULT_MAX_LINE_BYTES : Number(capText);
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) throw new MeshgateError('MG_CLI_USAGE', `--max-line-bytes must be a positive integer (got ${JSON.stringify(capText)})`);
  const spec: EngineSpec = specPaths(str(p, 'config'), str(p, 'policies'), io.cwd);
  const { strictSinks } = await import('../audit/strict.js'); // issue 18: an audit failure is an error (exit 2)
  const sinks = await strictSinks(await ownedSinks(spec, str(p, 'audit-log'), io.cwd));
  const engine = await createCliEngine(spec, sinks);
  let denied = 0;
  let bad = 0;
  try {
    const contractOps = strs(p, 'contracts');
    if (contractOps.length > 0) {
      const { tasks } = await expandOperands(contractOps, io.cwd);
      for (const t of tasks) engine.registerContract(readInputFile(t.path, t.display), { file: t.display });
    }
    /** The decision, or the one error of a request that was not decided. */
    const decide = (req: Request): Decision | LineError => {
      const d = engine.authorize(req);
      if (d.outcome === 'error') return decisionError(d);
      if (!d.allowed) denied++;
      return d;
    };
    if (operand === '-') {
      for await (const l of readCappedLines(io.stdin, maxLineBytes)) {
        const { line } = l;
        if ('text' in l && l.text.trim() === '') continue;
        let out: Record<string, unknown>;
        try {
          if ('tooLong' in l) throw new MeshgateError('MG_INPUT_LINE_TOO_LONG', `line is ${l.tooLong} bytes, over the limit of ${maxLineBytes} (--max-line-bytes)`, { location: { line } });
          if ('notUtf8' in l) throw new MeshgateError('MG_INPUT_ENCODING', 'line is not valid UTF-8', { location: { line } });
          const d = decide(parseRequest(l.text, line, undefined));
          if ('code' in d) {
            bad++;
            out = { line, error: d };
          } else out = { line, ...d };
        } catch (e) {
          bad++;
          out = { line, error: thrownError(e) };
        }
        await write(io.stdoutStream, `${JSON.stringify(out)}\n`);
      }
    } else {
      const file = resolve(io.cwd, operand);
      const text = readInputFile(file, operand).toString('utf8');
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        throw new MeshgateError('MG_INPUT_JSON_SYNTAX', `not valid JSON: ${describeThrown(e)}`, { location: { file: operand }, cause: e });
      }
      const list = Array.isArray(v) ? v : [v];
      const out: unknown[] = [];
      list.forEach((item, i) => {
        try {
          if (typeof item !== 'object' || item === null || Array.isArray(item)) {
            throw new MeshgateError('MG_ACCESS_REQUEST_INVALID', 'an access request must be a JSON object', { location: { file: operand } });
          }
          const d = decide(item as Request);
          if ('code' in d) throw new MeshgateError(d.code as `MG_${string}`, d.message, { location: { file: operand } });
          out.push(d);
        } catch (e) {
          bad++;
          const err = thrownError(e);
          io.stderr(`meshgate: ${isMeshgateError(e) ? logSafe(formatLocation(e.location ?? { file: operand })) : ''}${Array.isArray(v) ? `request ${i}: ` : ''}${logSafeLines(err.message, '  ')} [${err.code}]\n`);
          out.push({ index: i, error: err });
        }
      });
      io.stdout(`${JSON.stringify(Array.isArray(v) ? out : out[0], null, 2)}\n`);
    }
  } finally {
    await engine.close();
    for (const s of sinks) await s.close();
  }
  if (bad > 0) return EXIT.usage;
  return denied > 0 && flag(p, 'fail-on-deny') ? EXIT.policy : EXIT.ok;
}

