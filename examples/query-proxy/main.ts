/**
 * Starts the query proxy on 127.0.0.1 (port from PORT, default 8787) with the policies shipped in the
 * package and the contracts in ./products registered for enrichment (domain, classification, PII columns).
 * Run it with `node examples/query-proxy/start.mjs`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine } from '../../src/index.js';
import { DEMO_TABLES } from './data.js';
import { createQueryProxy } from './proxy.js';

/** The engine the proxy uses: the shipped bundles plus this example's product contracts. */
export async function proxyEngine(dir = join(dirname(fileURLToPath(import.meta.url)), 'products')): Promise<Engine> {
  const engine = await createEngine();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    engine.registerContract(readFileSync(join(dir, f), 'utf8'), { file: join('products', f) });
  }
  return engine;
}

/** Starts the proxy on 127.0.0.1 (port 0: any free port); resolves with its URL and a close function. */
export async function start(port = Number(process.env['PORT'] ?? 8787), productsDir?: string): Promise<{ url: string; close: () => Promise<void> }> {
  const engine = await proxyEngine(productsDir);
  const server = createQueryProxy(engine, DEMO_TABLES);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => void engine.close().finally(() => reject(e)));
    server.listen(port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
}
