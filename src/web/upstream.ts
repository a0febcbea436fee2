import { HTTPError } from "./errors.js";

/** Options of {@link fetchUpstream}: everything `fetch` takes, plus a timeout. */
export interface FetchUpstreamOptions extends RequestInit {
  /** Milliseconds before giving up with a 504. Default 20000 (Tornado's `request_timeout`). */
  timeout?: number;
}

/**
 * Typhoon has no `AsyncHTTPClient`: Node's built-in `fetch` is the asynchronous HTTP client. This is
 * `fetch` with the two things a handler calling another service wants: a timeout, and failures turned
 * into the right HTTP error for the handler's own client, so they become error pages:
 *
 * - no answer within `timeout` → `HTTPError(504)` (Gateway Timeout);
 * - connection refused, reset, DNS failure, bad TLS → `HTTPError(502)` (Bad Gateway);
 * - aborted through `options.signal` (e.g. `this.request.signal`, when the client left) → the abort
 *   error is rethrown as is.
 *
 * The upstream's own status is not judged: check `response.ok` yourself.
 *
 * ```ts
 * async get() {
 *   const res = await fetchUpstream("http://api.internal/feed", { timeout: 2000, signal: this.request.signal });
 *   if (!res.ok) throw new HTTPError(502, `feed answered ${res.status}`);
 *   this.write(await res.json());
 * }
 * ```
 */
export async function fetchUpstream(url: string | URL, options: FetchUpstreamOptions = {}): Promise<Response> {
  const { timeout = 20_000, signal, ...init } = options;
  const timer = AbortSignal.timeout(timeout);
  const combined = signal ? AbortSignal.any([signal, timer]) : timer;
  try {
    return await fetch(url, { ...init, signal: combined });
  } catch (err) {
    if (signal?.aborted) throw err;
    if (timer.aborted) throw new HTTPError(504, `upstream ${String(url)} did not answer within ${timeout} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new HTTPError(502, `upstream ${String(url)} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
}
