import { ServiceError } from '../errors.js';

/**
 * One GET to a media server as every HTTP adapter sends it (Plex, Jellyfin, Emby): a timeout per
 * request, retries with backoff on 429/5xx (honouring `Retry-After`, at most 10 s) and on network
 * failures, every request counted. Failures become the service's errors, never a raw fetch error:
 * a refused key is BAD_REQUEST (the caller's message, naming the setting to fix), anything else
 * BAD_GATEWAY naming the server and path (never the URL's query or a header, so no secret).
 */

export interface FetchWithRetryOptions {
  /** The server kind as a person reads it ("Plex", "Jellyfin"). */
  label: string;
  baseUrl: string;
  timeoutMs: number;
  /** Retries after the first attempt, for a retryable status and (separately) for network failures. */
  retries: number;
  fetch: typeof fetch;
  /** Called once per request sent, retries included (the sync's cost in the report). */
  onRequest: () => void;
  /** The message for 401/403 (which setting to update). */
  refused: (status: number) => string;
  /** Statuses handed back to the caller as they are (e.g. 404 for an optional API). */
  passThrough?: readonly number[];
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The answer to `url`: OK, or a pass-through status; throws a ServiceError otherwise. */
export async function fetchWithRetry(
  url: URL,
  headers: Record<string, string>,
  path: string,
  options: FetchWithRetryOptions,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await attemptOnce(url, headers, path, options);
    if (response.ok || options.passThrough?.includes(response.status)) return response;
    if (response.status === 401 || response.status === 403)
      throw new ServiceError('BAD_REQUEST', options.refused(response.status));
    if (!RETRYABLE.has(response.status) || attempt >= options.retries)
      throw new ServiceError('BAD_GATEWAY', `${options.label} answered ${path} with HTTP ${response.status}`);
    await sleep(backoff(attempt, response.headers.get('retry-after')));
  }
}

/** One request, retried on network failures and timeouts only. */
async function attemptOnce(
  url: URL,
  headers: Record<string, string>,
  path: string,
  options: FetchWithRetryOptions,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    options.onRequest();
    try {
      return await options.fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (err) {
      if (attempt >= options.retries) {
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        throw new ServiceError(
          'BAD_GATEWAY',
          timedOut
            ? `${options.label} did not answer ${path} within ${options.timeoutMs} ms`
            : `cannot reach the ${options.label} server at ${options.baseUrl}`,
        );
      }
      await sleep(backoff(attempt, null));
    }
  }
}

function backoff(attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 10_000);
  return Math.min(100 * 2 ** attempt, 2_000) + Math.floor(Math.random() * 50);
}
