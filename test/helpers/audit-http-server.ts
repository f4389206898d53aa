/**
 * A real decision-log collector on 127.0.0.1 for the HTTP sink tests: it gunzips and parses each POSTed
 * batch, can answer 500, answer slowly, or be stopped and restarted on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One received POST. */
export interface ReceivedBatch {
  /** The request path. */
  path: string;
  /** Request headers. */
  headers: IncomingMessage['headers'];
  /** The gunzipped body text. */
  text: string;
  /** The parsed array. */
  events: Array<Record<string, unknown>>;
}

/** A controllable collector. */
export interface Collector {
  /** `http://127.0.0.1:<port>/logs`. */
  readonly url: string;
  /** Batches accepted (answered 2xx), in arrival order. */
  readonly batches: ReceivedBatch[];
  /** Every request seen, including failed ones. */
  requests: number;
  /** Status to answer (default 204). */
  status: number;
  /** Statuses to answer first, one per request, before falling back to `status`. */
  script: number[];
  /** Delay before answering, in ms. */
  delayMs: number;
  /** All accepted events, in order. */
  events(): Array<Record<string, unknown>>;
  /** Stops listening (connections are destroyed). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Starts a collector on a free port (or on `port`). */
export async function startCollector(port = 0): Promise<Collector> {
  let server: Server | undefined;
  let boundPort = port;
  const sockets = new Set<import('node:net').Socket>();
  const c: Collector = {
    url: '',
    batches: [],
    requests: 0,
    status: 204,
    script: [],
    delayMs: 0,
    events: () => c.batches.flatMap((b) => b.events),
    stop: async () => {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
    start: async () => {
      const s = createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (d: Buffer) => chunks.push(d));
        req.on('end', () => {
          c.requests++;
          const status = c.script.length > 0 ? c.script.shift()! : c.status;
          const answer = (): void => {
            if (status >= 200 && status < 300) {
              const body = Buffer.concat(chunks);
              const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
              c.batches.push({ path: req.url ?? '', headers: req.headers, text, events: JSON.parse(text) as Array<Record<string, unknown>> });
            }
            res.statusCode = status;
            res.end();
          };
          if (c.delayMs > 0) setTimeout(answer, c.delayMs);
          else answer();
        });
      });
      s.on('connection', (sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      await new Promise<void>((r) => s.listen(boundPort, '127.0.0.1', () => r()));
      boundPort = (s.address() as AddressInfo).port;
      (c as { url: string }).url = `http://127.0.0.1:${boundPort}/logs`;
      server = s;
    },
  };
  await c.start();
  return c;
}
