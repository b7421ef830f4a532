// When a call to the API server may be sent again. A five-minute `--wait` makes hundreds of calls; one connection
// reset or 503 among them (an API server restarting, a load balancer draining) must not fail the release, and with
// --atomic uninstall it. Pure: the client supplies the clock and the randomness.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The back-off before the second attempt; it doubles each time, up to capMs. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseMs: 250, capMs: 8_000 };

/** How a call ended: an HTTP status, or a network error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT...). */
export type Outcome = { status: number; retryAfterSeconds?: number } | { networkError: string };

/** Network errors where nothing reached the server: any request may be sent again. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // HTTP/2: a stream opened on a session the server had already said goodbye to, or that had already ended.
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
]);
/** Network errors mid-request: the server may have acted on it. */
const MAYBE_SENT = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  // HTTP/2: the stream was reset, or its session ended under it.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_SESSION_ERROR',
]);
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * Whether sending the same request again can do no harm: reads, replaces (PUT carries its resourceVersion),
 * deletes, and the patches that set rather than add (server-side apply, merge patch). A POST (create) or a JSON
 * patch is not, unless the server surely did not act on it (refused connection, 429 Too Many Requests).
 */
export function isIdempotent(method: string, contentType: string | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE') return true;
  if (method === 'PATCH')
    return contentType === 'application/apply-patch+yaml' || contentType === 'application/merge-patch+json';
  return false;
}

/** Whether to try again after `outcome` on attempt number `attempt` (1-based). */
export function shouldRetry(outcome: Outcome, attempt: number, idempotent: boolean, policy: RetryPolicy): boolean {
  if (attempt >= policy.maxAttempts) return false;
  if ('networkError' in outcome) {
    if (NOT_SENT.has(outcome.networkError)) return true;
    return idempotent && MAYBE_SENT.has(outcome.networkError);
  }
  if (outcome.status === 429) return true;
  return idempotent && RETRY_STATUSES.has(outcome.status);
}

/**
 * Milliseconds before attempt `attempt + 1`: the server's Retry-After when it gave one (capped), else capped
 * exponential back-off with full jitter, so many clients retrying at once spread out.
 */
export function retryDelayMs(outcome: Outcome, attempt: number, policy: RetryPolicy, random: () => number): number {
  if ('status' in outcome && outcome.retryAfterSeconds !== undefined && Number.isFinite(outcome.retryAfterSeconds))
    return Math.min(Math.max(outcome.retryAfterSeconds, 0) * 1000, policy.capMs);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** A failure worth waiting out in a poll loop (`--wait`): the server unreachable, overloaded or restarting. */
export function isTransient(status: number): boolean {
  return status === 0 || RETRY_STATUSES.has(status);
}
