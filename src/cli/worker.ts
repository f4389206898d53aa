/**
 * A check worker thread's entry (see worker-main.ts for what it does). Built, it compiles the command
 * runner (run.cjs, which holds the worker's code) with its V8 code cache, as the CLI entry does, instead
 * of compiling a bundle of its own in every thread; from source, it imports worker-main.ts.
 */
import { createRequire } from 'node:module';

/** meshgate's version, replaced by the build (tsup `define`); absent when this module runs from source. */
declare const __MESHGATE_VERSION__: string | undefined;

async function start(): Promise<void> {
  if (typeof __MESHGATE_VERSION__ !== 'string') {
    // a computed specifier: the bundler leaves the worker's code out of this file
    const impl = new URL('./worker-main.js', import.meta.url).href;
    return ((await import(impl)) as typeof import('./worker-main.js')).runWorker();
  }
  const { requireWithCodeCache } = await import('../code-cache.js');
  const file = (createRequire(import.meta.url)('node:url') as typeof import('node:url')).fileURLToPath(new URL('./run.cjs', import.meta.url));
  return (requireWithCodeCache(file) as typeof import('./run.js')).runWorker();
}

void start();
