/**
 * Sinks that never drop silently, for callers that must not lose an audit event (the CLI): every sink that
 * can open eagerly (the JSONL sink's `open()`: lock and chain recovery) is opened first, so a locked or
 * corrupt log is a coded error before any decision is made; after that, the first failure of any write,
 * flush or close is remembered and every later `flush()`/`close()` rejects with it, whatever the trail's
 * `onSinkFailure` policy did with the original error.
 */
import { toMeshgateError, type MeshgateError } from '../errors.js';
import type { AuditEvent } from './event.js';
import { isPromiseLike, type AuditSink } from './sink.js';

/** Opens `sinks` eagerly and wraps each so its first failure cannot go unnoticed. Closes what it opened and throws when one cannot open. */
export async function strictSinks(sinks: readonly AuditSink[]): Promise<AuditSink[]> {
  const opened: AuditSink[] = [];
  for (const s of sinks) {
    const openable = s as AuditSink & { open?: () => unknown };
    try {
      if (typeof openable.open === 'function') openable.open();
      opened.push(s);
    } catch (e) {
      await Promise.allSettled([...opened, s].map((o) => o.close()));
      throw toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', `audit sink ${s.name} cannot open`);
    }
  }
  return sinks.map(strict);
}

function strict(s: AuditSink): AuditSink {
  let failure: MeshgateError | undefined;
  const note = (e: unknown): MeshgateError => {
    const err = toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', `audit sink ${s.name} failed`);
    failure ??= err;
    return err;
  };
  const settle = (p: Promise<void>): Promise<void> =>
    p.then(
      () => {
        if (failure) throw failure;
      },
      (e: unknown) => {
        throw note(e);
      },
    );
  return {
    name: s.name,
    write(event: AuditEvent): void | Promise<void> {
      try {
        const r = s.write(event);
        if (isPromiseLike(r)) {
          return Promise.resolve(r).then(
            () => undefined,
            (e: unknown) => {
              throw note(e);
            },
          );
        }
      } catch (e) {
        throw note(e);
      }
    },
    flush: () => settle(s.flush()),
    close: () => settle(s.close()),
  };
}
