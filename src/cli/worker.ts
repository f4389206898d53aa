/**
 * A check worker thread: builds one engine from the spec in `workerData`, then checks the files it is
 * sent, one at a time, replying with each outcome (and the audit events it produced, when asked).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { callbackSink, type AuditEvent } from '../audit/index.js';
import { describeThrown, isMeshgateError } from '../errors.js';
import { checkFile } from './check-file.js';
import { createCliEngine } from './engine-setup.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

async function main(): Promise<void> {
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

void main();
