/**
 * The audit trail: builds one event per finished decision and writes it to every sink, applying the
 * configured failure policy. `'drop'` counts a failed sink write in `dropped` and carries on; `'fail'`
 * throws `MG_AUDIT_SINK_FAILED` so that the engine turns the decision into a denied error decision.
 * Either way the decision itself is never touched: a sink failure cannot turn a deny into an allow.
 */
import { MeshgateError, toMeshgateError } from '../errors.js';
import type { Decision } from '../types.js';
import { buildAuditEvent, buildBundleEvent, type AuditEvent, type BuildEventOptions, type BundleRefusal } from './event.js';
import { isPromiseLike, type AuditSink } from './sink.js';

/** Options of {@link AuditTrail}. */
export interface AuditTrailOptions {
  /** Where events go. */
  sinks: AuditSink[];
  /** What a sink failure does: `'drop'` (count and continue, the default) or `'fail'` (throw `MG_AUDIT_SINK_FAILED`). */
  onSinkFailure?: 'drop' | 'fail';
  /** The meshgate version, recorded in `labels.version`. */
  version: string;
  /** Field names or dot paths masked in every event's input, besides those passed to `record()`. */
  maskFields?: string[];
  /** Record `input_sha256` instead of the (masked) input. */
  hashInput?: boolean;
  /** An instance id for `labels.id`. */
  instanceId?: string;
  /** The clock (tests). */
  now?: () => Date;
}

/** How many recent sink errors the trail keeps for inspection. */
const MAX_ERRORS = 20;

/** Writes one audit event per decision to a set of sinks. */
export class AuditTrail {
  readonly #sinks: AuditSink[];
  readonly #policy: 'drop' | 'fail';
  readonly #options: AuditTrailOptions;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #errors: MeshgateError[] = [];
  #asyncFailure: MeshgateError | undefined;
  #dropped = 0;
  #closing: Promise<void> | undefined;

  /** Creates a trail over the given sinks (the engine creates one when `audit` sinks are configured). */
  constructor(options: AuditTrailOptions) {
    this.#sinks = [...options.sinks];
    this.#policy = options.onSinkFailure ?? 'drop';
    this.#options = options;
  }

  /** Failed sink writes so far (one per sink per event), synchronous or asynchronous. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The most recent sink errors (newest last). */
  get errors(): readonly MeshgateError[] {
    return this.#errors;
  }

  /** The sinks, in order. */
  get sinks(): readonly AuditSink[] {
    return this.#sinks;
  }

  /**
   * Builds the event for a finished decision (masking `input` by the trail's mask fields and `maskPaths`)
   * and writes it to every sink. Synchronous; promises of async sinks are tracked for `flush()`. With
   * `'fail'`, throws `MG_AUDIT_SINK_FAILED` after trying every sink when any of them failed.
   */
  record(decision: Decision, input: unknown, maskPaths?: string[]): AuditEvent {
    const event = buildAuditEvent(decision, input, this.#eventOptions(maskPaths));
    const failed = this.#write(event);
    if (failed.length > 0) {
      if (this.#policy === 'fail') {
        const first = failed[0]!;
        throw new MeshgateError(
          'MG_AUDIT_SINK_FAILED',
          `audit event for decision ${decision.decision_id} could not be written to ${failed.map((f) => f.sink).join(', ')}: ${first.error.message}`,
          { cause: first.error, details: { decision_id: decision.decision_id, sinks: failed.map((f) => f.sink) } },
        );
      }
      this.#dropped += failed.length;
    }
    return event;
  }

  /**
   * Records a bundle update the engine refused (see {@link buildBundleEvent}) in every sink. Never throws:
   * there is no decision to fail, and the old bundle stays active either way; a failed write is counted in
   * `dropped` and kept in `errors` under both failure policies.
   */
  recordBundleRefusal(refusal: BundleRefusal): AuditEvent {
    const event = buildBundleEvent(refusal, this.#eventOptions());
    this.#dropped += this.#write(event).length;
    return event;
  }

  #eventOptions(maskPaths?: string[]): BuildEventOptions {
    const o = this.#options;
    return {
      version: o.version,
      maskPaths: [...(o.maskFields ?? []), ...(maskPaths ?? [])],
      ...(o.hashInput === undefined ? {} : { hashInput: o.hashInput }),
      ...(o.instanceId === undefined ? {} : { instanceId: o.instanceId }),
      ...(o.now === undefined ? {} : { now: o.now }),
    };
  }

  /** Writes one event to every sink; returns the sinks whose synchronous write failed (async ones are tracked). */
  #write(event: AuditEvent): Array<{ sink: string; error: MeshgateError }> {
    const failed: Array<{ sink: string; error: MeshgateError }> = [];
    for (const sink of this.#sinks) {
      try {
        const r = sink.write(event);
        if (isPromiseLike(r)) this.#track(sink, r);
      } catch (e) {
        const error = toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', `audit sink ${sink.name} failed`);
        this.#note(error);
        failed.push({ sink: sink.name, error });
      }
    }
    return failed;
  }

  /** Waits for pending async writes and flushes every sink. With `'fail'`, rejects with the first failure. */
  async flush(): Promise<void> {
    await this.#settle(async (s) => s.flush());
  }

  /** Flushes and closes every sink (idempotent). With `'fail'`, rejects when a sink failed; with `'drop'`, failures are recorded in `errors`. */
  close(): Promise<void> {
    this.#closing ??= this.#settle(async (s) => s.close());
    return this.#closing;
  }

  async #settle(op: (s: AuditSink) => Promise<void>): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    const results = await Promise.allSettled(this.#sinks.map(op));
    let first: MeshgateError | undefined = this.#asyncFailure;
    this.#asyncFailure = undefined;
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const err = toMeshgateError(r.reason, 'MG_AUDIT_SINK_FAILED', `audit sink ${this.#sinks[i]?.name ?? i} failed`);
        this.#note(err);
        first ??= err;
      }
    });
    if (first && this.#policy === 'fail') {
      throw first.code === 'MG_AUDIT_SINK_FAILED' ? first : new MeshgateError('MG_AUDIT_SINK_FAILED', first.message, { cause: first });
    }
  }

  #track(sink: AuditSink, r: PromiseLike<unknown>): void {
    const p: Promise<unknown> = Promise.resolve(r).then(
      () => {
        this.#pending.delete(p);
      },
      (e: unknown) => {
        this.#pending.delete(p);
        const error = toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', `audit sink ${sink.name} failed`);
        this.#note(error);
        this.#dropped++;
        this.#asyncFailure ??= error;
      },
    );
    this.#pending.add(p);
  }

  #note(e: MeshgateError): void {
    this.#errors.push(e);
    if (this.#errors.length > MAX_ERRORS) this.#errors.shift();
  }
}
