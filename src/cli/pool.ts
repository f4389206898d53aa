/**
 * Runs file checks: inline on the main thread (`--jobs 1`, or one file), or on a pool of worker threads
 * that each build one engine. Outcomes are delivered strictly in input order (a finished file waits for
 * the ones before it), so output is stable whatever the scheduling.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { AuditEvent, AuditSink } from '../audit/index.js';
import { MeshgateError } from '../errors.js';
import { checkFile, type CheckFileOptions, type CheckOutcome, type CheckTask } from './check-file.js';
import { createCliEngine, type EngineSpec } from './engine-setup.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

/** Options of {@link runChecks}. */
export interface RunChecksOptions {
  /** How to build engines. */
  spec: EngineSpec;
  /** Per-file options. */
  options: CheckFileOptions;
  /** Number of worker threads (1 = inline). */
  jobs: number;
  /** The worker script (dist/cli/worker.js); inline when absent. */
  workerUrl?: URL;
  /** Audit sinks owned by the main thread; events are written in input order. */
  sinks: AuditSink[];
  /** Called with each outcome, in input order. */
  onOutcome: (o: CheckOutcome) => void;
}

async function writeEvents(sinks: AuditSink[], events: AuditEvent[]): Promise<void> {
  for (const e of events) for (const s of sinks) await s.write(e);
}

/** Files read and parsed ahead on the main thread (see {@link runInline}). */
const AHEAD_FILES = 4;
/** Bytes of input in flight at most (small files: the first one in flight is never held back). */
const AHEAD_BYTES = 4 * 1024 * 1024;

/** Size of a file, 0 when it cannot be stat'ed (reading it reports the error). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Checks the files on the main thread with one engine. A few files are in flight at once: each runs
 * synchronously up to its wait for the global module's compilation, so while the first one waits, the
 * next ones are read and parsed. Decisions are made (and audited) in input order all the same: the
 * waits resume in the order they began, and outcomes are delivered in input order.
 */
async function runInline(tasks: CheckTask[], o: RunChecksOptions): Promise<void> {
  const engine = await createCliEngine(o.spec, o.sinks);
  try {
    const inFlight: { outcome: Promise<CheckOutcome>; bytes: number }[] = [];
    let bytes = 0;
    let next = 0;
    const fill = (): void => {
      for (let t = tasks[next]; t !== undefined && inFlight.length < AHEAD_FILES; t = tasks[next]) {
        const size = sizeOf(t.path);
        if (inFlight.length > 0 && bytes + size > AHEAD_BYTES) return;
        next++;
        bytes += size;
        inFlight.push({ outcome: checkFile(engine, t, o.options), bytes: size });
      }
    };
    fill();
    for (let f = inFlight.shift(); f !== undefined; f = inFlight.shift()) {
      o.onOutcome(await f.outcome);
      bytes -= f.bytes;
      fill();
    }
  } finally {
    await engine.close();
  }
}

async function runPool(tasks: CheckTask[], o: RunChecksOptions, url: URL): Promise<void> {
  // loaded here, not at start-up: a one-file or --jobs 1 run never starts a worker
  const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const init: WorkerInit = { spec: o.spec, options: o.options, collectAudit: o.sinks.length > 0 };
  const pending = new Map<number, { outcome: CheckOutcome; events: AuditEvent[] }>();
  let next = 0; // next task to hand out
  let emitted = 0; // next index to emit
  let chain = Promise.resolve();
  const workers: Worker[] = [];
  await new Promise<void>((resolveAll, rejectAll) => {
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      rejectAll(e);
    };
    const flush = (): void => {
      for (let p = pending.get(emitted); p; p = pending.get(emitted)) {
        pending.delete(emitted);
        emitted++;
        const { outcome, events } = p;
        chain = chain.then(async () => {
          await writeEvents(o.sinks, events);
          o.onOutcome(outcome);
        });
        chain.catch(fail); // issue 18: an audit write failure fails the run at once, never as an unhandled rejection
      }
      if (emitted === tasks.length) chain.then(() => resolveAll(), fail);
    };
    const feed = (w: Worker): void => {
      const t = tasks[next];
      if (t === undefined) {
        w.postMessage({ type: 'stop' } satisfies ToWorker);
        return;
      }
      next++;
      w.postMessage({ type: 'task', task: t } satisfies ToWorker);
    };
    const count = Math.min(o.jobs, tasks.length);
    for (let i = 0; i < count; i++) {
      const w = new Worker(url, { workerData: init });
      workers.push(w);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') feed(w);
        else if (m.type === 'init-error') {
          const loc = m.error.location;
          fail(new MeshgateError(m.error.code as `MG_${string}`, m.error.message, loc ? { location: loc } : {}));
        } else {
          pending.set(m.outcome.index, { outcome: m.outcome, events: m.events });
          feed(w);
          flush();
        }
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0 && emitted < tasks.length) fail(new MeshgateError('MG_CLI_WORKER', `a check worker exited with code ${code}`));
      });
    }
  }).finally(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });
}

/** Checks every task and delivers outcomes in input order. Throws MeshgateError when an engine cannot be built. */
export async function runChecks(tasks: CheckTask[], o: RunChecksOptions): Promise<void> {
  if (tasks.length === 0) return;
  if (o.jobs <= 1 || tasks.length === 1 || !o.workerUrl) return runInline(tasks, o);
  return runPool(tasks, o, o.workerUrl);
}
