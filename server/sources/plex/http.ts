import { ServiceError } from '../../errors.js';
import {
  containerOf,
  parsePlexBody,
  validateItems,
  validateSections,
  type PlexContainer,
  type PlexMetadata,
  type PlexSection,
  type RejectedPlexItem,
} from './api.js';

/**
 * The Plex Media Server HTTP API as Retrovue uses it. Asks for JSON but reads XML too (real
 * servers and proxies sometimes ignore `Accept`); the token travels in `X-Plex-Token` (never in a
 * URL, so never in a log); listings are paged with `X-Plex-Container-Start`/`-Size`; every request
 * has a timeout and is retried with backoff on 429/5xx and network failures. It counts its
 * requests, and hands back items that failed validation with their ratingKey and reason.
 */

export interface PlexHttpOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number | undefined;
  pageSize?: number | undefined;
  retries?: number | undefined;
  fetch?: typeof fetch | undefined;
}

/** Items of one page, with the ones the boundary refused. */
export interface PlexPage {
  items: PlexMetadata[];
  rejected: RejectedPlexItem[];
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plex `type` numbers for section listings. */
export const PLEX_TYPE = { movie: 1, show: 2, episode: 4 } as const;

export class PlexHttp {
  /** Requests sent (retries included): the sync's cost in the report. */
  requests = 0;
  readonly pageSize: number;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PlexHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.pageSize = options.pageSize ?? 200;
    this.retries = options.retries ?? 3;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The server's `machineIdentifier` (webhooks and notifications name items by it and a ratingKey). */
  async machineIdentifier(): Promise<string | null> {
    return (await this.get('/identity')).machineIdentifier ?? null;
  }

  async sections(): Promise<PlexSection[]> {
    return validateSections((await this.get('/library/sections')).Directory);
  }

  /** Shows or movies of a section (or, with `type: 4`, every episode of a show section), page by page. */
  sectionItems(sectionKey: string, type?: number): AsyncGenerator<PlexPage> {
    return this.pages(`/library/sections/${encodeURIComponent(sectionKey)}/all`, {
      includeGuids: '1',
      ...(type ? { type: String(type) } : {}),
    });
  }

  /** Every episode of one show, page by page. Listings never carry markers or chapters. */
  showEpisodes(ratingKey: string): AsyncGenerator<PlexPage> {
    return this.pages(`/library/metadata/${encodeURIComponent(ratingKey)}/allLeaves`, { includeGuids: '1' });
  }

  /**
   * Several items in full: every `Genre` tag (listings carry the first few), and with `markers`
   * their markers and chapters, the one place Plex serves them.
   */
  async metadata(ratingKeys: readonly string[], { markers = true } = {}): Promise<PlexPage> {
    const ids = ratingKeys.map(encodeURIComponent).join(',');
    const container = await this.get(`/library/metadata/${ids}`, {
      includeGuids: '1',
      ...(markers ? { includeMarkers: '1', includeChapters: '1' } : {}),
    });
    return validateItems(container.Metadata);
  }

  private async *pages(path: string, params: Record<string, string>): AsyncGenerator<PlexPage> {
    for (let start = 0; ; start += this.pageSize) {
      const container = await this.get(path, params, { start, size: this.pageSize });
      const page = validateItems(container.Metadata);
      const count = container.Metadata.length;
      if (count > 0) yield page;
      const total = container.totalSize ?? start + count;
      if (count < this.pageSize || start + count >= total) return;
    }
  }

  private async get(
    path: string,
    params: Record<string, string> = {},
    page?: { start: number; size: number },
  ): Promise<PlexContainer> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-Plex-Token': this.options.token,
      'X-Plex-Product': 'Retrovue',
      'X-Plex-Client-Identifier': 'retrovue-library',
    };
    if (page) {
      headers['X-Plex-Container-Start'] = String(page.start);
      headers['X-Plex-Container-Size'] = String(page.size);
    }
    for (let attempt = 0; ; attempt++) {
      const response = await this.attempt(url, headers, path);
      if (response.ok) {
        const text = await response.text();
        let body: unknown;
        try {
          body = parsePlexBody(text, response.headers.get('content-type'));
        } catch {
          throw new ServiceError('BAD_GATEWAY', `Plex answered ${path} with something that is neither JSON nor XML`);
        }
        const container = containerOf(body);
        if (!container) throw new ServiceError('BAD_GATEWAY', `Plex answered ${path} without a MediaContainer`);
        return container;
      }
      if (response.status === 401 || response.status === 403)
        throw new ServiceError('BAD_REQUEST', `Plex refused the source's token (HTTP ${response.status}); update config.token`);
      if (!RETRYABLE.has(response.status) || attempt >= this.retries)
        throw new ServiceError('BAD_GATEWAY', `Plex answered ${path} with HTTP ${response.status}`);
      await sleep(this.backoff(attempt, response.headers.get('retry-after')));
    }
  }

  private async attempt(url: URL, headers: Record<string, string>, path: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.requests++;
        return await this.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        if (attempt >= this.retries) {
          const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
          throw new ServiceError(
            'BAD_GATEWAY',
            timedOut
              ? `Plex did not answer ${path} within ${this.timeoutMs} ms`
              : `cannot reach the Plex server at ${this.baseUrl}`,
          );
        }
        await sleep(this.backoff(attempt, null));
      }
    }
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 10_000);
    return Math.min(100 * 2 ** attempt, 2_000) + Math.floor(Math.random() * 50);
  }
}
