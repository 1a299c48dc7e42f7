import type { z } from 'zod';
import { ServiceError } from '../../errors.js';
import { fetchWithRetry } from '../fetchWithRetry.js';
import type { MediaBrowserDialect, MediaBrowserSourceConfig } from './config.js';
import { Item, ItemPage, MediaSegmentPage, VirtualFolder, VirtualFolders, type MediaSegment } from './schemas.js';

/**
 * A thin client for the Jellyfin and Emby REST APIs, which share their paths and JSON shapes and
 * differ in how the key travels: Jellyfin's `Authorization: MediaBrowser Token="..."`, Emby's
 * `X-Emby-Token`. The key is never put in a URL (so it cannot reach a log). Every response is
 * validated with zod; a page's items are validated one by one so a bad item is reported, not fatal.
 * A timeout per request, retries with backoff on 429/5xx and network failures, and a request count
 * (`fetchWithRetry`, shared with the Plex client).
 */

export interface MediaBrowserClientOptions extends MediaBrowserSourceConfig {
  dialect: MediaBrowserDialect;
  retries?: number;
  fetch?: typeof fetch;
}

/** An item the server sent that failed validation: its id (when it had one) and why. */
export interface BadItem {
  id: string | null;
  reason: string;
}

export interface ItemQuery {
  parentId: string;
  includeItemTypes: string;
  fields: readonly string[];
}

const LABEL: Record<MediaBrowserDialect, string> = { jellyfin: 'Jellyfin', emby: 'Emby' };

const issueText = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`)
    .join('; ');

export class MediaBrowserClient {
  /** HTTP requests made (retries included), for the ingest report. */
  requests = 0;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly retries: number;
  private readonly fetchImpl: typeof fetch;
  private readonly label: string;
  /** Whether the server has the media-segments API (Jellyfin 10.10+); learnt from the first answer. */
  private segmentsSupported: boolean;

  constructor(private readonly options: MediaBrowserClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.pageSize = options.pageSize ?? 200;
    this.retries = options.retries ?? 3;
    this.fetchImpl = options.fetch ?? fetch;
    this.label = LABEL[options.dialect];
    this.segmentsSupported = options.dialect === 'jellyfin';
  }

  get dialect(): MediaBrowserDialect {
    return this.options.dialect;
  }

  /** The server's libraries (Jellyfin and Emby call them virtual folders). */
  async virtualFolders(): Promise<VirtualFolder[]> {
    const body = await this.get('/Library/VirtualFolders');
    const parsed = VirtualFolders.safeParse(body);
    if (!parsed.success) throw this.badShape('/Library/VirtualFolders', parsed.error);
    return parsed.data;
  }

  /** Every item of a library of the given types, page by page (`StartIndex`/`Limit`). */
  async *items(query: ItemQuery): AsyncGenerator<{ items: Item[]; bad: BadItem[] }> {
    for (let start = 0; ; start += this.pageSize) {
      const body = await this.get('/Items', {
        ParentId: query.parentId,
        Recursive: 'true',
        IncludeItemTypes: query.includeItemTypes,
        Fields: query.fields.join(','),
        // Both valid ItemSortBy names on both servers (Jellyfin refuses unknown ones); a stable order for paging.
        SortBy: 'SortName,DateCreated',
        SortOrder: 'Ascending',
        StartIndex: String(start),
        Limit: String(this.pageSize),
        ...(this.options.userId ? { UserId: this.options.userId } : {}),
      });
      const page = ItemPage.safeParse(body);
      if (!page.success) throw this.badShape('/Items', page.error);
      const items: Item[] = [];
      const bad: BadItem[] = [];
      for (const raw of page.data.Items) {
        const item = Item.safeParse(raw);
        if (item.success) items.push(item.data);
        else bad.push({ id: idOf(raw), reason: `${this.label} item failed validation: ${issueText(item.error)}` });
      }
      yield { items, bad };
      const received = page.data.Items.length;
      const total = page.data.TotalRecordCount ?? start + received;
      if (received < this.pageSize || start + received >= total) return;
    }
  }

  /**
   * An item's intro/outro/recap segments, or null when the server has no media-segments API
   * (Emby; Jellyfin before 10.10): then it is not asked again during this run.
   */
  async mediaSegments(itemId: string): Promise<MediaSegment[] | null> {
    if (!this.segmentsSupported) return null;
    const path = `/MediaSegments/${encodeURIComponent(itemId)}`;
    const body = await this.get(path, {}, { notFoundAs: null });
    if (body === null) {
      this.segmentsSupported = false;
      return null;
    }
    const page = MediaSegmentPage.safeParse(body);
    if (!page.success) throw this.badShape('/MediaSegments', page.error);
    return page.data.Items;
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.options.dialect === 'jellyfin')
      headers.Authorization = `MediaBrowser Client="Retrovue", Device="retrovue-library", DeviceId="retrovue-library", Version="1", Token="${this.options.apiKey}"`;
    else headers['X-Emby-Token'] = this.options.apiKey;
    return headers;
  }

  private badShape(path: string, error: z.ZodError): ServiceError {
    return new ServiceError('BAD_GATEWAY', `${this.label} answered ${path} with an unexpected shape (${issueText(error)})`);
  }

  private async get(path: string, params: Record<string, string> = {}, opts: { notFoundAs?: null } = {}): Promise<unknown> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const headers = this.headers();
    const response = await fetchWithRetry(url, headers, path, {
      label: this.label,
      baseUrl: this.baseUrl,
      timeoutMs: this.timeoutMs,
      retries: this.retries,
      fetch: this.fetchImpl,
      onRequest: () => this.requests++,
      refused: (status) => `${this.label} refused the source's API key (HTTP ${status}); update config.apiKey`,
      ...('notFoundAs' in opts ? { passThrough: [404] } : {}),
    });
    if (response.status === 404 && 'notFoundAs' in opts) return opts.notFoundAs;
    return response.json().catch(() => {
      throw new ServiceError('BAD_GATEWAY', `${this.label} answered ${path} with something that is not JSON`);
    });
  }
}

function idOf(raw: unknown): string | null {
  const id = raw && typeof raw === 'object' ? (raw as { Id?: unknown }).Id : undefined;
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 200) : null;
}
