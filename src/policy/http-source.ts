/**
 * An HTTP bundle source: polls a bundle server (OPA's bundle protocol: GET of a .tar.gz, ETag and
 * If-None-Match, 304 when unchanged) and swaps the layer's bundle in the engine atomically when a new one
 * arrives. The last good bundle stays active whenever the server is down, answers an error, or sends
 * garbage (corrupt gzip/tar, a bundle without policy, a bad signature); failures back off exponentially.
 * Decisions in flight finish on the bundle they started with (the engine swaps a whole layer map).
 */
import { MeshgateError, describeThrown, isMeshgateError } from '../errors.js';
import type { BundleSwapEvent } from '../types.js';
import type { Bundle, BundleLimits } from './bundle.js';
import { resolveLimits } from './bundle-limits.js';
import { loadBundle } from './load.js';
import type { VerificationOptions } from './signing.js';
import { signedIssuedAt } from './signature-claims.js';
import { sha256Hex } from '../sha256.js';

/** What a poller keeps up to date (the engine): the active revisions, and the callback a new bundle is reported to. */
export interface BundleTarget {
  /** Layer names. */
  readonly layers: readonly string[];
  /** Active bundle revisions by layer. */
  bundleInfo(): Record<string, { revision: string }>;
  /** Called with each new bundle; resolves once it is active, rejects (keeping the old one) when it cannot be loaded. */
  swapBundle(layer: string, bundle: Bundle): Promise<BundleSwapEvent>;
}

/** Emitted after each swap done by the poller. */
export interface HttpBundleSwapEvent extends BundleSwapEvent {
  /** The URL polled. */
  url: string;
  /** The ETag of the response, when the server sent one. */
  etag: string | undefined;
}

/** Options of {@link startBundlePolling}. */
export interface BundlePollingOptions {
  /** The engine layer to keep up to date (`global` or a domain). */
  layer: string;
  /** The bundle URL. */
  url: string;
  /** Seconds between polls when all is well (fractions allowed; default 60). */
  pollSeconds?: number;
  /** Upper bound of the failure backoff in seconds (default 300, never below pollSeconds). */
  maxBackoffSeconds?: number;
  /** Per-request timeout in seconds (default 30). */
  timeoutSeconds?: number;
  /** Verify each downloaded bundle's signature with this key before it is swapped in. */
  verification?: VerificationOptions;
  /**
   * Extra request headers (e.g. Authorization, X-Api-Key). Sent to the bundle URL's origin only: redirects
   * are followed by the poller itself, and every configured header is dropped on a hop to another origin.
   */
  headers?: Record<string, string>;
  /**
   * Rollback protection: `reject` refuses (MG_BUNDLE_ROLLBACK, through `onError`) a bundle older than the
   * active one — by its signed `iat` claim when both have one, else by its manifest revision when both are
   * ordered (all digits, or ISO-8601 timestamps). Default: `reject` when `verification` is set, else `allow`.
   */
  rollback?: 'reject' | 'allow';
  /** Bundle size limits. */
  limits?: BundleLimits;
  /** Called on every failed poll (the old bundle stays active). */
  onError?: (error: MeshgateError) => void;
  /** Called after every swap. */
  onSwap?: (event: HttpBundleSwapEvent) => void;
  /** The fetch implementation (default: global fetch). */
  fetch?: typeof globalThis.fetch;
}

/** What one poll did. */
export type PollOutcome = 'swapped' | 'not-modified' | 'unchanged' | 'failed' | 'stopped';

/** A running poller. */
export interface BundlePoller {
  /** Stops polling and aborts a request in flight. Idempotent. */
  stop(): void;
  /** The revision of the layer's active bundle. */
  readonly revision: string;
  /** The last poll's error (undefined after a successful poll). */
  readonly lastError: MeshgateError | undefined;
  /** Consecutive failed polls. */
  readonly failures: number;
  /** The ETag of the active bundle, when known. */
  readonly etag: string | undefined;
  /** Polls now and returns what the poll did (when a poll is already running, its outcome). */
  pollNow(): Promise<PollOutcome>;
}

/** The delay before the next poll: pollSeconds when healthy, doubled per consecutive failure, capped. */
export function nextDelaySeconds(pollSeconds: number, failures: number, maxBackoffSeconds: number): number {
  if (failures <= 0) return pollSeconds;
  return Math.min(Math.max(maxBackoffSeconds, pollSeconds), pollSeconds * 2 ** Math.min(failures, 30));
}

function toError(e: unknown, url: string): MeshgateError {
  if (isMeshgateError(e)) return e;
  return new MeshgateError('MG_BUNDLE_FETCH_FAILED', `bundle server ${url}: ${describeThrown(e)}`, { cause: e, location: { file: url } });
}

const MAX_REDIRECTS = 10;

/**
 * GET with redirects followed by hand (`redirect: 'manual'`): the configured headers go to the original
 * origin only, and are all removed on the first hop to another origin (fetch itself would keep every
 * custom header and drop only Authorization).
 */
async function fetchFollowing(doFetch: typeof globalThis.fetch, url: string, headers: Record<string, string>, custom: Record<string, string>, signal: AbortSignal): Promise<Response> {
  let current = new URL(url);
  const origin = current.origin;
  let sent = { ...headers };
  for (let hop = 0; ; hop++) {
    const res = await doFetch(current.href, { headers: sent, signal, redirect: 'manual' });
    const location = res.status >= 300 && res.status < 400 && res.status !== 304 ? res.headers.get('location') : null;
    if (location === null) return res;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new MeshgateError('MG_BUNDLE_FETCH_FAILED', `bundle server ${url}: more than ${MAX_REDIRECTS} redirects`, { location: { file: url } });
    current = new URL(location, current);
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new MeshgateError('MG_BUNDLE_FETCH_FAILED', `bundle server ${url} redirected to a ${current.protocol} URL`, { location: { file: url } });
    }
    if (current.origin !== origin) {
      const lower = new Set(Object.keys(custom).map((k) => k.toLowerCase()));
      sent = Object.fromEntries(Object.entries(sent).filter(([k]) => !lower.has(k.toLowerCase()) && k.toLowerCase() !== 'authorization' && k.toLowerCase() !== 'cookie'));
    }
  }
}

/** How old a bundle is: its manifest revision and the signature's `iat` claim (seconds), when signed with one. */
interface BundleAge {
  revision: string;
  issuedAt: number | undefined;
}

function bundleAge(bundle: Bundle): BundleAge {
  return { revision: bundle.revision, issuedAt: signedIssuedAt(bundle.files) };
}

/** True when both revisions are ordered the same way (all digits, or ISO-8601 timestamps) and `b` is older. */
function revisionOlder(active: string, next: string): boolean {
  if (/^\d+$/.test(active) && /^\d+$/.test(next)) return BigInt(next) < BigInt(active);
  const iso = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
  if (iso.test(active) && iso.test(next)) {
    const a = Date.parse(active);
    const n = Date.parse(next);
    return Number.isFinite(a) && Number.isFinite(n) && n < a;
  }
  return false;
}

function checkRollback(active: BundleAge, next: BundleAge, url: string): void {
  const older = active.issuedAt !== undefined && next.issuedAt !== undefined ? next.issuedAt < active.issuedAt : revisionOlder(active.revision, next.revision);
  if (older) {
    throw new MeshgateError(
      'MG_BUNDLE_ROLLBACK',
      `bundle server ${url} sent an older bundle (revision ${JSON.stringify(next.revision)}${next.issuedAt !== undefined ? `, signed at ${next.issuedAt}` : ''}) than the active one (revision ${JSON.stringify(active.revision)}${active.issuedAt !== undefined ? `, signed at ${active.issuedAt}` : ''}); refused`,
      { location: { file: url }, details: { active, offered: next } },
    );
  }
}

/**
 * Reads a response body as a stream, refusing (and cancelling the download) as soon as it passes `cap`
 * bytes: a huge or endless response never reaches memory whole.
 */
async function readCapped(res: Response, cap: number, url: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const tooLarge = (n: number): MeshgateError =>
    new MeshgateError('MG_BUNDLE_COMPRESSED_TOO_LARGE', `bundle server ${url} sent more than ${cap} bytes (at least ${n}); the download was stopped`, { location: { file: url } });
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel();
    throw tooLarge(declared);
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel();
      throw tooLarge(total);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}


/**
 * Starts polling `url` for the layer's bundle; the first poll runs at once. Returns the poller handle.
 * Throws MG_LAYER_UNKNOWN when the engine has no such layer.
 */
export function startBundlePolling(engine: BundleTarget, options: BundlePollingOptions): BundlePoller {
  const { layer, url } = options;
  const initial = engine.bundleInfo()[layer];
  if (!initial) throw new MeshgateError('MG_LAYER_UNKNOWN', `no layer named ${layer} to poll a bundle for (configured: ${engine.layers.join(', ')})`);
  const pollSeconds = options.pollSeconds ?? 60;
  if (!(pollSeconds > 0)) throw new MeshgateError('MG_CONFIG_INVALID', `pollSeconds must be a positive number, got ${String(options.pollSeconds)}`);
  const maxBackoff = options.maxBackoffSeconds ?? 300;
  const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
  const doFetch = options.fetch ?? globalThis.fetch;

  let revision = initial.revision;
  const rejectRollback = (options.rollback ?? (options.verification ? 'reject' : 'allow')) === 'reject';
  let activeAge: BundleAge = { revision: initial.revision, issuedAt: undefined };
  let etag: string | undefined;
  let contentHash: string | undefined;
  let lastError: MeshgateError | undefined;
  let failures = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<PollOutcome> | undefined;
  let controller: AbortController | undefined;

  const fail = (e: unknown): PollOutcome => {
    lastError = toError(e, url);
    failures++;
    try {
      options.onError?.(lastError);
    } catch {
      // a failing listener must not stop the poller
    }
    return 'failed';
  };

  const pollOnce = async (): Promise<PollOutcome> => {
    if (stopped) return 'stopped';
    controller = new AbortController();
    const timeout = setTimeout(() => controller?.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      const headers: Record<string, string> = { Accept: 'application/gzip, application/octet-stream', ...options.headers };
      if (etag !== undefined) headers['If-None-Match'] = etag;
      const res = await fetchFollowing(doFetch, url, headers, options.headers ?? {}, controller.signal);
      if (res.status === 304) {
        await res.body?.cancel();
        lastError = undefined;
        failures = 0;
        return 'not-modified';
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new MeshgateError('MG_BUNDLE_FETCH_FAILED', `bundle server ${url} answered HTTP ${res.status}`, { location: { file: url } });
      }
      const bytes = await readCapped(res, resolveLimits(options.limits).maxCompressedBytes, url);
      if (stopped) return 'stopped';
      const newEtag = res.headers.get('etag') ?? undefined;
      const hash = sha256Hex(bytes);
      if (hash === contentHash) {
        etag = newEtag;
        lastError = undefined;
        failures = 0;
        return 'unchanged';
      }
      const bundle = await loadBundle(bytes, { limits: options.limits ?? {}, verification: options.verification, name: url });
      const age = bundleAge(bundle);
      if (rejectRollback) checkRollback(activeAge, age, url);
      if (stopped) return 'stopped';
      const event = await engine.swapBundle(layer, bundle);
      revision = event.to;
      activeAge = age;
      etag = newEtag;
      contentHash = hash;
      lastError = undefined;
      failures = 0;
      const swapEvent: HttpBundleSwapEvent = { ...event, url, etag };
      try {
        options.onSwap?.(swapEvent);
      } catch {
        // a failing listener must not undo a swap
      }
      return 'swapped';
    } catch (e) {
      if (stopped) return 'stopped';
      return fail(e);
    } finally {
      clearTimeout(timeout);
      controller = undefined;
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, nextDelaySeconds(pollSeconds, failures, maxBackoff) * 1000);
    (timer as { unref?: () => void }).unref?.();
  };

  const run = async (): Promise<PollOutcome> => {
    if (inFlight) return inFlight;
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    inFlight = pollOnce();
    try {
      return await inFlight;
    } finally {
      inFlight = undefined;
      schedule();
    }
  };

  void run();

  return {
    stop(): void {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      controller?.abort(new Error('poller stopped'));
    },
    get revision(): string {
      return engine.bundleInfo()[layer]?.revision ?? revision;
    },
    get lastError(): MeshgateError | undefined {
      return lastError;
    },
    get failures(): number {
      return failures;
    },
    get etag(): string | undefined {
      return etag;
    },
    pollNow(): Promise<PollOutcome> {
      return run();
    },
  };
}
