/**
 * A minimal query proxy: every `POST /query` names a data product (and optionally columns and a purpose);
 * the proxy asks meshgate whether the calling user may read it (`engine.authorize`, synchronous, in
 * process), then applies the decision's obligations to the rows before they leave: masked columns are
 * replaced by `***`, row filters are applied. Denials answer 403 with the reason and findings; an
 * evaluation error answers 503 (fail closed: no rows ever leave without an allowing decision).
 *
 * Identity comes from headers here (`x-user-id`, `x-user-department`, `x-user-roles`, `x-user-clearance`)
 * to keep the example small; a real proxy takes them from a verified token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Decision, Engine } from '../../src/index.js';

/** One row of a table. */
export type Row = Record<string, string | number | boolean | null>;

/** What the proxy serves: rows by data product id (a real proxy runs the query against the warehouse). */
export type Tables = Record<string, Row[]>;

/** The body of `POST /query`. */
export interface QueryBody {
  /** The data product id. */
  product: string;
  /** Columns to return (default: all). */
  columns?: string[];
  /** Declared purpose (some products need one, e.g. PII). */
  purpose?: string;
  /** Action, default `query`. */
  action?: string;
}

/** The value that replaces a masked column. */
export const MASK = '***';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

function parseBody(v: unknown): QueryBody {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'body must be a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o['product'] !== 'string' || o['product'] === '') throw new HttpError(400, '`product` (string) is required');
  const body: QueryBody = { product: o['product'] };
  if (o['columns'] !== undefined) {
    if (!Array.isArray(o['columns']) || !o['columns'].every((c) => typeof c === 'string')) throw new HttpError(400, '`columns` must be a list of strings');
    body.columns = o['columns'] as string[];
  }
  if (o['purpose'] !== undefined) {
    if (typeof o['purpose'] !== 'string') throw new HttpError(400, '`purpose` must be a string');
    body.purpose = o['purpose'];
  }
  if (o['action'] !== undefined) {
    if (typeof o['action'] !== 'string') throw new HttpError(400, '`action` must be a string');
    body.action = o['action'];
  }
  return body;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/**
 * Applies the row filters a decision imposes. Only the simple predicates the shipped policies emit are
 * understood (`column = 'text'`, `column = TRUE|FALSE`, `column = 42`); anything else throws, so an
 * obligation the proxy cannot honour never lets rows through.
 */
export function applyRowFilters(rows: Row[], filters: readonly string[]): Row[] {
  const tests = filters.map((f) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:'((?:[^']|'')*)'|(TRUE|FALSE)|(-?\d+(?:\.\d+)?))\s*$/i.exec(f);
    if (!m) throw new HttpError(503, `cannot apply row filter ${JSON.stringify(f)}`);
    const column = m[1] as string;
    const expected: string | number | boolean =
      m[2] !== undefined ? m[2].replaceAll("''", "'") : m[3] !== undefined ? m[3].toUpperCase() === 'TRUE' : Number(m[4]);
    return (row: Row): boolean => row[column] === expected;
  });
  return rows.filter((row) => tests.every((t) => t(row)));
}

/** Projects the requested columns and replaces masked ones with {@link MASK}. */
export function applyMask(rows: Row[], mask: readonly string[], columns?: readonly string[]): Row[] {
  const masked = new Set(mask);
  return rows.map((row) => {
    const out: Row = {};
    for (const col of columns ?? Object.keys(row)) {
      if (!(col in row)) continue;
      out[col] = masked.has(col) ? MASK : (row[col] ?? null);
    }
    return out;
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function denial(d: Decision): { status: number; body: unknown } {
  if (d.outcome === 'error') return { status: 503, body: { error: 'policy_error', decision_id: d.decision_id } };
  return {
    status: 403,
    body: { error: d.reason ?? 'denied', decision_id: d.decision_id, findings: d.findings.map((f) => ({ layer: f.layer, rule: f.rule, msg: f.msg })) },
  };
}

/** The request handler: authorize, then filter and mask. Exported for servers that route themselves. */
export function queryHandler(engine: Engine, tables: Tables): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      if (req.method !== 'POST' || req.url !== '/query') throw new HttpError(404, 'POST /query only');
      const userId = header(req, 'x-user-id');
      if (!userId) throw new HttpError(401, 'x-user-id header required');
      const body = parseBody(await readJson(req));
      const user: { id: string; department?: string; roles?: string[]; clearance?: string } = { id: userId };
      const department = header(req, 'x-user-department');
      const roles = header(req, 'x-user-roles');
      const clearance = header(req, 'x-user-clearance');
      if (department) user.department = department;
      if (roles) user.roles = roles.split(',').map((r) => r.trim()).filter(Boolean);
      if (clearance) user.clearance = clearance;
      const request: Parameters<Engine['authorize']>[0] = { user, action: body.action ?? 'query', dataProduct: { id: body.product } };
      if (body.columns) request.columns = body.columns;
      if (body.purpose) request.purpose = body.purpose;

      const decision = engine.authorize(request);
      if (!decision.allowed) {
        const { status, body: out } = denial(decision);
        return send(res, status, out);
      }
      const rows = tables[body.product];
      if (!rows) throw new HttpError(404, `no data for product ${body.product}`);
      const { mask, row_filters } = decision.obligations;
      const result = applyMask(applyRowFilters(rows, row_filters), mask, body.columns);
      send(res, 200, { decision_id: decision.decision_id, masked: mask, row_filters, rows: result });
    } catch (e) {
      if (e instanceof HttpError) return send(res, e.status, { error: e.message });
      send(res, 500, { error: 'internal error' });
    }
  };
}

/** Creates (does not start) the proxy's HTTP server. */
export function createQueryProxy(engine: Engine, tables: Tables): Server {
  const handle = queryHandler(engine, tables);
  return createServer((req, res) => void handle(req, res));
}
