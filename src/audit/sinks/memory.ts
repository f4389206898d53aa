/** The memory sink: keeps every event in an array (tests, embedding, short-lived tools). */
import type { AuditEvent } from '../event.js';
import { sinkClosedError, type AuditSink } from '../sink.js';

/** A sink that appends every event to `events`, in order. */
export function memorySink(): AuditSink & { readonly events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  let closed = false;
  return {
    name: 'memory',
    events,
    write(event: AuditEvent): void {
      if (closed) throw sinkClosedError('memory');
      events.push(event);
    },
    flush(): Promise<void> {
      return Promise.resolve();
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}
