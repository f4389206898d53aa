/**
 * `meshgate authorize <request.json | ->`: decides access requests. A file holds one request (or an
 * array of them) and gets pretty JSON back; `-` streams NDJSON from stdin to NDJSON decisions on stdout,
 * line by line, in bounded memory (readline, and waiting for stdout to drain). A bad line yields an error
 * object naming its line and the stream goes on. Exit: 0 when every request was decided (denials
 * included), 1 with `--fail-on-deny` when any was denied, 2 when any line or file was bad.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Engine } from '../engine.js';
import { describeThrown, formatLocation, isMeshgateError, MeshgateError } from '../errors.js';
import type { Decision } from '../types.js';
import { flag, parse, str, strs } from './args.js';
import { createCliEngine, ownedSinks, type EngineSpec } from './engine-setup.js';
import { expandOperands } from './expand.js';
import { AUTHORIZE_HELP } from './help.js';
import { EXIT, type CliIo } from './io.js';

type Request = Parameters<Engine['authorize']>[0];

function errorObject(line: number, e: unknown): Record<string, unknown> {
  const code = isMeshgateError(e) ? e.code : 'MG_INTERNAL';
  return { line, error: { code, message: describeThrown(e) } };
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
    help: { type: 'boolean', short: 'h' },
  });
  if (flag(p, 'help')) {
    io.stdout(AUTHORIZE_HELP);
    return EXIT.ok;
  }
  if (p.positionals.length !== 1) throw new MeshgateError('MG_CLI_USAGE', 'authorize needs exactly one operand: a request file, or - for NDJSON on stdin');
  const operand = p.positionals[0] as string;
  const spec: EngineSpec = {};
  const config = str(p, 'config');
  if (config !== undefined) spec.configPath = resolve(io.cwd, config);
  const policies = str(p, 'policies');
  if (policies !== undefined) spec.policiesDir = resolve(io.cwd, policies);
  const { strictSinks } = await import('../audit/strict.js'); // issue 18: an audit failure is an error (exit 2)
  const sinks = await strictSinks(await ownedSinks(spec, str(p, 'audit-log'), io.cwd));
  const engine = await createCliEngine(spec, sinks);
  let denied = 0;
  let bad = 0;
  try {
    const contractOps = strs(p, 'contracts');
    if (contractOps.length > 0) {
      const { tasks } = await expandOperands(contractOps, io.cwd);
      for (const t of tasks) engine.registerContract(readFileSync(t.path, 'utf8'), { file: t.display });
    }
    const decide = (req: Request): Decision => {
      const d = engine.authorize(req);
      if (!d.allowed) denied++;
      return d;
    };
    if (operand === '-') {
      const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
      let line = 0;
      for await (const text of rl) {
        line++;
        if (text.trim() === '') continue;
        let out: Record<string, unknown>;
        try {
          out = { line, ...decide(parseRequest(text, line, undefined)) };
        } catch (e) {
          bad++;
          out = errorObject(line, e);
        }
        await write(io.stdoutStream, `${JSON.stringify(out)}\n`);
      }
    } else {
      const file = resolve(io.cwd, operand);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new MeshgateError('MG_INPUT_UNREADABLE', `cannot read: ${describeThrown(e)}`, { location: { file: operand }, cause: e });
      }
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
          out.push(decide(item as Request));
        } catch (e) {
          bad++;
          io.stderr(`meshgate: ${isMeshgateError(e) ? `${formatLocation(e.location ?? { file: operand })}${e.message} [${e.code}]` : describeThrown(e)}\n`);
          out.push({ index: i, error: { code: isMeshgateError(e) ? e.code : 'MG_INTERNAL', message: describeThrown(e) } });
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

