/**
 * The HTTP decision-log sink: batches events and POSTs them as a gzip-compressed JSON array to an
 * OPA-compatible decision-log endpoint (`Content-Encoding: gzip`, `Content-Type: application/json`), as
 * OPA's own decision-log plugin does. The queue is bounded (`maxQueue`, counting the batch in flight):
 * when it is full, `write()` counts the event in `dropped` and throws `MG_AUDIT_QUEUE_FULL`. A failed
 * upload (network error, timeout, 408, 429, 5xx) is retried with exponential backoff; after `retries`
 * retries the batch stays at the head of the queue and is tried again later. A 4xx answer (other than
 * 408/429) rejects the batch for good: it is dropped, counted, and reported by the next `flush()`
 * (`MG_AUDIT_HTTP_REJECTED`). Delivery is at least once: a request that timed out may have been received,
 * and is sent again. `close()` flushes; what still cannot be
 * delivered is dropped, counted, and reported by the rejection of `close()`.
 *
 * Every event is sent with `seq`, `prev_hash` and `hash` (the JSONL chain's fields, chain.ts; one chain per
 * sink instance, starting at seq 0 from the genesis hash), so a collector can check continuity: a gap in
 * `seq` or a `prev_hash` that is not the previous `hash` means events were lost or altered on the way. With
 * `checkpoints`, a signed checkpoint entry (`{alg, checkpoint, keyid, sig}`, checkpoint.ts, `file` = the
 * `stream` name) is queued after every `everyEvents` events and at close.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { MeshgateError, describeThrown } from '../../errors.js';
import { chainEvent, GENESIS_HASH, type ChainedEvent, type ChainHead } from '../chain.js';
import { checkpointSigner, type CheckpointSigning } from '../checkpoint.js';
import type { AuditEvent } from '../event.js';
import { sha256Hex } from '../../sha256.js';
import { sinkClosedError, type AuditSink } from '../sink.js';

const gzip = promisify(gzipCb);

/** Options of {@link httpSink}. */
export interface HttpSinkOptions {
  /** Most events held (queued plus in flight). Default 10 000. */
  maxQueue?: number;
  /** Most events per POST. Default 100. */
  batchSize?: number;
  /** How long a partial batch waits, and the pause before a failed batch is tried again, in ms. Default 1000. */
  flushIntervalMs?: number;
  /** Retries of one upload before it is put back for later. Default 3. */
  retries?: number;
  /** First backoff delay in ms, doubled on each retry (capped at 30 s). Default 200. */
  backoffMs?: number;
  /** Extra request headers (such as `authorization`). */
  headers?: Record<string, string>;
  /** Per-request timeout in ms. Default 10 000. */
  timeoutMs?: number;
  /** Sign checkpoints of the sent chain with this key. Default: none. */
  checkpoints?: CheckpointSigning & {
    /** A checkpoint after this many events. Default 1000. */
    everyEvents?: number;
  };
  /** The stream name recorded in checkpoints (`file`). Default `http`. */
  stream?: string;
}

/** A queued entry: a chained event or a signed checkpoint. */
type Entry = ChainedEvent | Record<string, unknown>;


type SendOutcome = { ok: true } | { ok: false; retryable: boolean; error: string };

/** An HTTP sink POSTing gzip JSON arrays of events to `url`, with a bounded queue, retries and a drop counter. */
export function httpSink(url: string, options: HttpSinkOptions = {}): AuditSink & { readonly dropped: number; readonly queued: number; readonly delivered: number } {
  const name = `http:${url}`;
  const maxQueue = Math.max(1, Math.floor(options.maxQueue ?? 10_000));
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 100));
  const interval = Math.max(1, options.flushIntervalMs ?? 1000);
  const retries = Math.max(0, Math.floor(options.retries ?? 3));
  const backoff = Math.max(0, options.backoffMs ?? 200);
  const timeoutMs = Math.max(1, options.timeoutMs ?? 10_000);
  const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', ...(options.headers ?? {}) };

  const queue: Entry[] = [];
  const signer = options.checkpoints ? checkpointSigner(options.checkpoints) : undefined;
  const cpEvery = Math.max(1, Math.floor(options.checkpoints?.everyEvents ?? 1000));
  const stream = options.stream ?? 'http';
  let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  let lastCheckpoint = GENESIS_HASH;
  let sinceCheckpoint = 0;
  const checkpoint = (reason: 'interval' | 'close'): void => {
    if (!signer || head.seq === 0 || sinceCheckpoint === 0) return;
    const line = signer.line({ file: stream, head: head.hash, prev: lastCheckpoint, reason, seq: head.seq - 1, time: new Date().toISOString() });
    lastCheckpoint = sha256Hex(line);
    sinceCheckpoint = 0;
    queue.push(JSON.parse(line) as Record<string, unknown>);
  };
  let inFlight = 0;
  let dropped = 0;
  let delivered = 0;
  let pumping: Promise<boolean> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastError = '';
  let rejectedSinceFlush = 0; // events refused for good by the collector (4xx) since the last flush
  let closed = false;
  let closing: Promise<void> | undefined;

  const send = async (batch: Entry[]): Promise<SendOutcome> => {
    let body: Buffer;
    try {
      body = await gzip(Buffer.from(JSON.stringify(batch), 'utf8'));
    } catch (e) {
      return { ok: false, retryable: false, error: `cannot encode: ${describeThrown(e)}` };
    }
    try {
      const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body), signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true };
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      return { ok: false, retryable, error: `HTTP ${res.status}` };
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause;
      return { ok: false, retryable: true, error: describeThrown(cause ?? e) };
    }
  };

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  /** Sends queued batches until the queue is empty (true) or a batch failed all retries (false). */
  const pump = async (): Promise<boolean> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, batchSize);
      inFlight = batch.length;
      let outcome: SendOutcome = { ok: false, retryable: true, error: '' };
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) await sleep(Math.min(30_000, backoff * 2 ** (attempt - 1)));
        outcome = await send(batch);
        if (outcome.ok || !outcome.retryable) break;
      }
      inFlight = 0;
      if (outcome.ok) {
        delivered += batch.length;
        continue;
      }
      lastError = outcome.error;
      if (!outcome.retryable) {
        dropped += batch.length;
        rejectedSinceFlush += batch.length;
        continue;
      }
      queue.unshift(...batch);
      return false;
    }
    return true;
  };

  const kick = (): Promise<boolean> => {
    if (!pumping) {
      pumping = pump().finally(() => {
        pumping = undefined;
      });
      void pumping.then((done) => {
        if (!done && !closed) schedule();
      });
    }
    return pumping;
  };

  const schedule = (): void => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void kick();
    }, interval);
    timer.unref?.();
  };

  const flush = async (): Promise<void> => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    for (;;) {
      if (pumping) await pumping;
      if (queue.length === 0) {
        if (rejectedSinceFlush > 0) {
          const n = rejectedSinceFlush;
          rejectedSinceFlush = 0;
          throw new MeshgateError('MG_AUDIT_HTTP_REJECTED', `audit sink ${name}: the collector refused ${n} event(s) (${lastError}); they were dropped`, {
            details: { sink: name, dropped: n },
          });
        }
        return;
      }
      const done = await kick();
      if (!done) {
        throw new MeshgateError('MG_AUDIT_HTTP_FAILED', `audit sink ${name}: ${queue.length} event(s) not delivered (${lastError})`, {
          details: { sink: name, queued: queue.length },
        });
      }
    }
  };

  return {
    name,
    get dropped(): number {
      return dropped;
    },
    get queued(): number {
      return queue.length + inFlight;
    },
    get delivered(): number {
      return delivered;
    },
    write(event: AuditEvent): void {
      if (closed) throw sinkClosedError(name);
      if (queue.length + inFlight >= maxQueue) {
        dropped++;
        throw new MeshgateError('MG_AUDIT_QUEUE_FULL', `audit sink ${name}: queue full (${maxQueue} events), event dropped`, { details: { sink: name } });
      }
      const next = chainEvent(event, head, sha256Hex);
      head = next.head;
      queue.push(next.event);
      sinceCheckpoint++;
      if (sinceCheckpoint >= cpEvery) checkpoint('interval');
      if (queue.length >= batchSize && !pumping) void kick();
      else schedule();
    },
    flush,
    close(): Promise<void> {
      if (closing) return closing;
      closed = true;
      checkpoint('close');
      closing = flush().catch((e: unknown) => {
        const lost = queue.length;
        if (lost === 0) throw e;
        dropped += lost;
        queue.length = 0;
        throw new MeshgateError('MG_AUDIT_HTTP_UNDELIVERED', `audit sink ${name}: closed with ${lost} undelivered event(s) dropped (${lastError})`, {
          cause: e,
          details: { sink: name, dropped: lost },
        });
      });
      return closing;
    },
  };
}
