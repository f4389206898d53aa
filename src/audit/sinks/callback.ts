/**
 * The callback sink: hands each event to a function. An async function's promises are tracked, so
 * `flush()` waits for them and reports the first failure (as `MG_AUDIT_SINK_FAILED`).
 */
import { MeshgateError, toMeshgateError } from '../../errors.js';
import type { AuditEvent } from '../event.js';
import { isPromiseLike, sinkClosedError, type AuditSink } from '../sink.js';

/** A sink that calls `fn(event)` for every event, in order. A throwing `fn` makes `write` throw `MG_AUDIT_SINK_FAILED`. */
export function callbackSink(fn: (e: AuditEvent) => void | Promise<void>): AuditSink {
  const name = 'callback';
  const pending = new Set<Promise<void>>();
  let failure: MeshgateError | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
    if (failure) {
      const f = failure;
      failure = undefined;
      throw f;
    }
  };

  return {
    name,
    write(event: AuditEvent): void | Promise<void> {
      if (closed) throw sinkClosedError(name);
      let r: void | Promise<void>;
      try {
        r = fn(event);
      } catch (e) {
        throw toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', 'audit callback threw');
      }
      if (!isPromiseLike(r)) return;
      const p: Promise<void> = Promise.resolve(r).then(
        () => {
          pending.delete(p);
        },
        (e: unknown) => {
          pending.delete(p);
          const err = toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', 'audit callback rejected');
          failure ??= err;
          throw err;
        },
      );
      pending.add(p);
      // The caller may ignore the returned promise; the failure is reported by flush() too.
      p.catch(() => undefined);
      return p;
    },
    flush,
    close(): Promise<void> {
      closed = true;
      closing ??= flush();
      return closing;
    },
  };
}
