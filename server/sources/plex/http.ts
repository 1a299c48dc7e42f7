import { ServiceError } from '../../errors.js';
import { fetchWithRetry } from '../fetchWithRetry.js';
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
 * has a timeout and is retried with backoff on 429/5xx and network failures (`fetchWithRetry`). It counts its
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

  /**
   * Shows or movies of a section (or, with `type: 4`, every episode of a show section), page by page.
   * `filters` are Plex filter parameters, e.g. `{ 'updatedAt>>': '1700000000' }` (updated at or after).
   */
  sectionItems(sectionKey: string, type?: number, filters: Record<string, string> = {}): AsyncGenerator<PlexPage> {
    return this.pages(`/library/sections/${encodeURIComponent(sectionKey)}/all`, {
      includeGuids: '1',
      ...(type ? { type: String(type) } : {}),
      ...filters,
    });
  }

  /** The children of a season (its episodes) or a show (its seasons), page by page. */
  children(ratingKey: string): AsyncGenerator<PlexPage> {
    return this.pages(`/library/metadata/${encodeURIComponent(ratingKey)}/children`, { includeGuids: '1' });
  }

  /** As `metadata`, but items the server no longer has are simply absent (Plex answers 404 when none is left). */
  async metadataIfPresent(ratingKeys: readonly string[]): Promise<PlexPage> {
    const ids = ratingKeys.map(encodeURIComponent).join(',');
    const container = await this.get(
      `/library/metadata/${ids}`,
      { includeGuids: '1', includeMarkers: '1', includeChapters: '1' },
      undefined,
      true,
    );
    return container ? validateItems(container.Metadata) : { items: [], rejected: [] };
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
    params?: Record<string, string>,
    page?: { start: number; size: number },
  ): Promise<PlexContainer>;
  private async get(
    path: string,
    params: Record<string, string> | undefined,
    page: { start: number; size: number } | undefined,
    allowMissing: true,
  ): Promise<PlexContainer | null>;
  private async get(
    path: string,
    params: Record<string, string> = {},
    page?: { start: number; size: number },
    allowMissing = false,
  ): Promise<PlexContainer | null> {
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
    const response = await fetchWithRetry(url, headers, path, {
      label: 'Plex',
      baseUrl: this.baseUrl,
      timeoutMs: this.timeoutMs,
      retries: this.retries,
      fetch: this.fetchImpl,
      onRequest: () => this.requests++,
      refused: (status) => `Plex refused the source's token (HTTP ${status}); update config.token`,
      passThrough: allowMissing ? [404] : [],
    });
    if (response.status === 404) return null;
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
}
