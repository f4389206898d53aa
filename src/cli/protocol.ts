/** Messages between the CLI's main thread and its check workers (plain, structured-clone safe data). */
import type { AuditEvent } from '../audit/index.js';
import type { CheckFileOptions, CheckOutcome, CheckTask } from './check-file.js';
import type { EngineSpec } from './engine-setup.js';

/** `workerData` of a check worker. */
export interface WorkerInit {
  /** How to build the engine. */
  spec: EngineSpec;
  /** Per-run options. */
  options: CheckFileOptions;
  /** Collect audit events and send them back with each outcome. */
  collectAudit: boolean;
}

/** Main → worker. */
export type ToWorker = { type: 'task'; task: CheckTask } | { type: 'stop' };

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; error: { code: string; message: string; location?: { file?: string; line?: number; column?: number } } }
  | { type: 'done'; outcome: CheckOutcome; events: AuditEvent[] };
