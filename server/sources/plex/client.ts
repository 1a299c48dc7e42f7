import { ServiceError } from '../../errors.js';
import type { PlexSourceConfig } from './config.js';

/**
 * A small client for the Plex Media Server HTTP API: JSON responses, the token in the
 * `X-Plex-Token` header (never in a URL, so it cannot end up in a log), container paging,
 * a timeout per request and retries with backoff on 429/5xx and network failures.
 */

export interface PlexGuid {
  id: string;
}
export interface PlexPart {
  id?: number;
  file?: string;
  size?: number;
  duration?: number;
  container?: string;
}
export interface PlexMedia {
  id?: number;
  duration?: number;
  videoCodec?: string;
  audioCodec?: string;
  container?: string;
  bitrate?: number;
  width?: number;
  height?: number;
  Part?: PlexPart[];
}
export interface PlexMarker {
  type?: string;
  startTimeOffset?: number;
  endTimeOffset?: number;
}
export interface PlexChapter {
  tag?: string;
  index?: number;
  startTimeOffset?: number;
  endTimeOffset?: number;
}
export interface PlexMetadata {
  ratingKey: string;
  key?: string;
  guid?: string;
  type?: string;
  title?: string;
  year?: number;
  index?: number;
  parentIndex?: number;
  grandparentTitle?: string;
  grandparentRatingKey?: string;
  updatedAt?: number;
  duration?: number;
  Guid?: PlexGuid[];
  Media?: PlexMedia[];
  Marker?: PlexMarker[];
  Chapter?: PlexChapter[];
}
export interface PlexSection {
  key: string;
  type?: string;
  title?: string;
  updatedAt?: number;
  Location?: Array<{ id?: number; path: string }>;
}
interface MediaContainer {
  size?: number;
  totalSize?: number;
  offset?: number;
  Metadata?: PlexMetadata[];
  Directory?: PlexSection[];
}

export interface PlexClientOptions extends PlexSourceConfig {
  retries?: number;
  fetch?: typeof fetch;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PlexClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly retries: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PlexClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.pageSize = options.pageSize ?? 200;
    this.retries = options.retries ?? 3;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async sections(): Promise<PlexSection[]> {
    const container = await this.get('/library/sections');
    return container.Directory ?? [];
  }

  /** Every show or movie of a section, page by page. */
  sectionItems(sectionKey: string): AsyncGenerator<PlexMetadata[]> {
    return this.pages(`/library/sections/${encodeURIComponent(sectionKey)}/all`, { includeGuids: '1' });
  }

  /** Every episode of a show, with markers and chapters, page by page. */
  showEpisodes(ratingKey: string): AsyncGenerator<PlexMetadata[]> {
    return this.pages(`/library/metadata/${encodeURIComponent(ratingKey)}/allLeaves`, {
      includeGuids: '1',
      includeMarkers: '1',
      includeChapters: '1',
    });
  }

  /** One item in full (a movie with its markers and chapters). */
  async metadata(ratingKey: string): Promise<PlexMetadata | undefined> {
    const container = await this.get(`/library/metadata/${encodeURIComponent(ratingKey)}`, {
      includeGuids: '1',
      includeMarkers: '1',
      includeChapters: '1',
    });
    return container.Metadata?.[0];
  }

  private async *pages(path: string, params: Record<string, string>): AsyncGenerator<PlexMetadata[]> {
    for (let start = 0; ; start += this.pageSize) {
      const container = await this.get(path, params, { start, size: this.pageSize });
      const items = container.Metadata ?? [];
      if (items.length > 0) yield items;
      const total = container.totalSize ?? container.size ?? items.length;
      if (items.length < this.pageSize || start + items.length >= total) return;
    }
  }

  private async get(
    path: string,
    params: Record<string, string> = {},
    page?: { start: number; size: number },
  ): Promise<MediaContainer> {
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
        const body = (await response.json().catch(() => {
          throw new ServiceError('BAD_GATEWAY', `Plex answered ${path} with something that is not JSON`);
        })) as { MediaContainer?: MediaContainer };
        return body.MediaContainer ?? {};
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
