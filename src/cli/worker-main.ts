/**
 * The check worker's work: builds one engine from the spec in `workerData`, then checks the files it is
 * sent, one at a time, replying with each outcome (and the audit events it produced, when asked). Runs in
 * a worker thread started from worker.ts; part of the command runner's bundle (run.cjs), so a worker
 * compiles it from the runner's V8 code cache.
 */
import { createRequire } from 'node:module';
import { callbackSink, type AuditEvent } from '../audit/index.js';
import { describeThrown, isMeshgateError } from '../errors.js';
import { checkFile } from './check-file.js';
import { createCliEngine } from './engine-setup.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

/** Runs this worker thread: builds the engine, then checks files until told to stop. */
export async function runWorker(): Promise<void> {
  // required here: the runner holds this module, and a command on the main thread never needs worker_threads
  const { parentPort, workerData } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const port = parentPort;
  if (!port) throw new Error('meshgate worker must run in a worker thread');
  const init = workerData as WorkerInit;
  let events: AuditEvent[] = [];
  const send = (m: FromWorker): void => port.postMessage(m);
  let engine;
  try {
    engine = await createCliEngine(init.spec, init.collectAudit ? [callbackSink((e) => void events.push(e))] : []);
  } catch (e) {
    send({ type: 'init-error', error: isMeshgateError(e) ? e.toJSON() : { code: 'MG_INTERNAL', message: describeThrown(e) } });
    return;
  }
  const ready = engine;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') {
      void ready.close().finally(() => port.close());
      return;
    }
    void checkFile(ready, m.task, init.options).then((outcome) => {
      const out = events;
      events = [];
      send({ type: 'done', outcome, events: out });
    });
  });
  send({ type: 'ready' });
}

