#!/usr/bin/env node
/**
 * Runs the TypeScript example without a build step: bundles main.ts with esbuild (a dev dependency) into
 * a temporary file, starts the proxy and prints curl commands to try. Stop it with Ctrl-C.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Inside the repository (node_modules/.cache), so the bundled code still finds policies/dist and node_modules.
const out = join(here, '..', '..', 'node_modules', '.cache', 'meshgate-query-proxy', 'main.mjs');
await build({ entryPoints: [join(here, 'main.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'warning' });
const { start } = await import(pathToFileURL(out).href);
const { url, close } = await start(Number(process.env.PORT ?? 8787), join(here, 'products'));
console.log(`query proxy listening on ${url}
try:
  curl -s -X POST ${url}/query -H 'x-user-id: alice' -H 'x-user-department: marketing' -d '{"product":"campaign_stats"}'
  curl -s -X POST ${url}/query -H 'x-user-id: mia' -H 'x-user-department: marketing' -H 'x-user-roles: campaign_manager' -d '{"product":"customer360","purpose":"customer_support"}'
  curl -s -X POST ${url}/query -H 'x-user-id: mia' -H 'x-user-department: marketing' -H 'x-user-roles: campaign_manager' -d '{"product":"customer360"}'`);
process.on('SIGINT', () => void close().then(() => process.exit(0)));
process.on('SIGTERM', () => void close().then(() => process.exit(0)));
