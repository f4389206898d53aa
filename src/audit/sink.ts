/**
 * The sink contract every audit sink fulfils (memory, callback, JSONL, HTTP), like unstorage drivers:
 * events are delivered in the order written, `flush()` resolves once everything written so far has been
 * delivered, `close()` flushes and is idempotent, and a write after close throws `MG_AUDIT_SINK_CLOSED`.
 */
import { MeshgateError } from '../errors.js';
import type { AuditEvent } from './event.js';

/** A destination for audit events. */
export interface AuditSink {
  /** A short name for messages (`memory`, `jsonl:audit.log`, `http:https://…`). */
  readonly name: string;
  /**
   * Accepts one event. Throws a MeshgateError synchronously when the event cannot be accepted (closed,
   * queue full, I/O error); an asynchronous sink may return a promise that rejects instead.
   */
  write(event: AuditEvent): void | Promise<void>;
  /** Resolves when every event written so far has been delivered; rejects with a MeshgateError otherwise. */
  flush(): Promise<void>;
  /** Flushes, then releases resources. Idempotent: later calls return the first call's outcome. */
  close(): Promise<void>;
}

/** The error thrown by `write()` after `close()`. */
export function sinkClosedError(name: string): MeshgateError {
  return new MeshgateError('MG_AUDIT_SINK_CLOSED', `audit sink ${name} is closed: the event was not written`, { details: { sink: name } });
}

/** True when `v` is promise-like. */
export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
