import type { IngestItem } from '../../domain/items.js';
import { collectionKey, collectionKeyPrefix } from '../../domain/keys.js';
import { joinVersion, type PullBatch, type PullCost, type PullInput, type SourceAdapter } from '../port.js';
import { MediaBrowserClient } from './client.js';
import { MediaBrowserSourceConfig, MediaBrowserSourceConfigUpdate, type MediaBrowserDialect } from './config.js';
import { episodeItems, itemKey, movieItems, type MapContext, type Mapped } from './mapper.js';
import type { Item, MediaSegment, VirtualFolder } from './schemas.js';

/**
 * Jellyfin and Emby behind the source port: one adapter, two dialects. A show library is pulled as
 * its Series, then all its Episodes in pages (one recursive `/Items` listing for the library, not one
 * per show); a movie library as its Movies. An episode or movie whose `Etag` (and Jellyfin's
 * `DateLastSaved`) is what the last ingest stored is skipped: no segment request, no ingest work.
 * A changed Series re-maps all its episodes, since the title they carry changed. Every pull lists the
 * whole library, so the whole collection is the removal scope: a file neither listed nor under a
 * skipped item is reported removed. Nothing here touches the database.
 */

/** Version fields kept in the refs' raw item JSON. */
const VERSION_FIELDS = ['Etag', 'DateLastSaved'] as const;
const versionOf = (item: Item) => joinVersion(item.Etag, item.DateLastSaved);
const unchanged = (stored: ReadonlyMap<string, string> | undefined, key: string, item: Item) =>
  item.Etag != null && stored?.get(key) === versionOf(item);

/**
 * `Fields` names from each server's ItemFields: Jellyfin's enum has DateLastSaved (and refuses names it
 * does not know, such as ProductionYear, which it sends anyway); Emby has no DateLastSaved and wants
 * ProductionYear asked for.
 */
const COMMON_FIELDS = ['Path', 'ProviderIds', 'Etag', 'DateCreated'];
const FILE_FIELDS = [...COMMON_FIELDS, 'MediaSources', 'Chapters', 'ParentId'];
const fieldsFor = (dialect: MediaBrowserDialect, base: string[]) =>
  dialect === 'jellyfin' ? [...base, 'DateLastSaved'] : [...base, 'ProductionYear'];

/** Collection types worth ingesting; a mixed library (no type) may hold both. */
const LIBRARY_TYPES = new Set(['movies', 'tvshows']);

export function collectionFromFolder(folder: VirtualFolder) {
  const id = folder.ItemId ?? folder.Id;
  const type = folder.CollectionType ?? null;
  if (!id || (type !== null && !LIBRARY_TYPES.has(type))) return null;
  const locations = folder.Locations ?? (folder.LibraryOptions?.PathInfos ?? []).flatMap((p) => (p.Path ? [p.Path] : []));
  return {
    externalId: id.slice(0, 255),
    name: (folder.Name?.trim() || `Library ${id}`).slice(0, 255),
    config: { collectionType: type, locations },
  };
}

/** Media segments can only be asked item by item: a few requests in flight at a time. */
const SEGMENT_CONCURRENCY = 8;

/** One pull: the client, the mapping context, and what each batch reports. */
class LibraryPull {
  readonly ctx: MapContext;
  private segmentRequests = 0;

  constructor(
    readonly client: MediaBrowserClient,
    readonly input: PullInput<MediaBrowserSourceConfig>,
  ) {
    this.ctx = { provider: client.dialect, collectionId: input.collection.id, mappings: input.pathMappings, markersDropped: {} };
  }

  key(item: Item): string {
    return itemKey(this.input.collection.id, item);
  }

  cost(): PullCost {
    return {
      requests: this.client.requests,
      markerRequests: this.segmentRequests,
      markersClamped: 0,
      markersDropped: { ...this.ctx.markersDropped },
    };
  }

  batch(items: IngestItem[], rest: Omit<PullBatch, 'items' | 'cost'> = {}): PullBatch {
    return { items, ...rest, cost: this.cost() };
  }

  rejectedOf(bad: Array<{ id: string | null; reason: string }>) {
    return bad.map((b) => ({ sourceKey: collectionKey(this.input.collection.id, b.id ?? '(no Id)'), reason: b.reason }));
  }

  take(mapped: Mapped, item: Item, rejected: Array<{ sourceKey: string; reason: string }>): IngestItem[] {
    if (mapped.problem) rejected.push({ sourceKey: this.key(item), reason: mapped.problem });
    return mapped.items;
  }

  async segments(items: Item[]): Promise<Map<string, MediaSegment[] | null>> {
    const found = new Map<string, MediaSegment[] | null>();
    const wanted = items.filter((i) => (i.MediaSources ?? []).length > 0);
    for (let start = 0; start < wanted.length; start += SEGMENT_CONCURRENCY) {
      const chunk = wanted.slice(start, start + SEGMENT_CONCURRENCY);
      const before = this.client.requests;
      const answers = await Promise.all(chunk.map((item) => this.client.mediaSegments(item.Id)));
      this.segmentRequests += this.client.requests - before;
      chunk.forEach((item, i) => found.set(item.Id, answers[i]!));
    }
    return found;
  }
}

async function* pullMovies(pull: LibraryPull): AsyncGenerator<PullBatch> {
  const { client, input, ctx } = pull;
  const pages = client.items({
    parentId: input.collection.externalId,
    includeItemTypes: 'Movie',
    fields: fieldsFor(client.dialect, FILE_FIELDS),
  });
  for await (const page of pages) {
    const skippedKeys: string[] = [];
    const rejected = pull.rejectedOf(page.bad);
    const changed = page.items.filter((movie) => {
      const key = pull.key(movie);
      if (!unchanged(input.storedVersions, key, movie)) return true;
      skippedKeys.push(key);
      return false;
    });
    const segments = await pull.segments(changed);
    const items = changed.flatMap((movie) => pull.take(movieItems(movie, ctx, segments.get(movie.Id)), movie, rejected));
    yield pull.batch(items, { skippedKeys, rejected });
  }
}

async function* pullShows(pull: LibraryPull): AsyncGenerator<PullBatch> {
  const { client, input, ctx } = pull;
  const series = new Map<string, Item>();
  const changedSeries = new Set<string>();
  const seriesPages = client.items({
    parentId: input.collection.externalId,
    includeItemTypes: 'Series',
    fields: fieldsFor(client.dialect, COMMON_FIELDS),
  });
  for await (const page of seriesPages) {
    for (const show of page.items) {
      series.set(show.Id, show);
      if (!unchanged(input.storedVersions, pull.key(show), show)) changedSeries.add(show.Id);
    }
    if (page.bad.length) yield pull.batch([], { rejected: pull.rejectedOf(page.bad) });
  }

  const episodePages = client.items({
    parentId: input.collection.externalId,
    includeItemTypes: 'Episode',
    fields: fieldsFor(client.dialect, FILE_FIELDS),
  });
  for await (const page of episodePages) {
    const rejected = pull.rejectedOf(page.bad);
    // Only episodes of an unchanged series can be skipped; their stored versions are looked up by key.
    const candidates = new Set(page.items.filter((e) => e.SeriesId && series.has(e.SeriesId) && !changedSeries.has(e.SeriesId)));
    const stored = await input.lookupVersions?.(
      'episode',
      [...candidates].map((e) => pull.key(e)),
    );
    const skippedKeys: string[] = [];
    const changed = page.items.filter((episode) => {
      const key = pull.key(episode);
      if (!candidates.has(episode) || !unchanged(stored, key, episode)) return true;
      skippedKeys.push(key);
      return false;
    });
    const segments = await pull.segments(changed);
    const items = changed.flatMap((episode) => {
      const show = episode.SeriesId ? series.get(episode.SeriesId) : undefined;
      return pull.take(episodeItems(show, episode, ctx, segments.get(episode.Id)), episode, rejected);
    });
    yield pull.batch(items, { skippedKeys, rejected });
  }
}

function mediaBrowserAdapter(dialect: MediaBrowserDialect) {
  return {
    provider: dialect,
    config: MediaBrowserSourceConfig,
    configUpdate: MediaBrowserSourceConfigUpdate,
    // Series and movies keep their item JSON on the title ref (episodes on theirs, read by lookupVersions).
    versions: { entityType: 'title', fields: VERSION_FIELDS },

    async discover(config: MediaBrowserSourceConfig) {
      const folders = await new MediaBrowserClient({ ...config, dialect }).virtualFolders();
      return folders.map(collectionFromFolder).filter((c) => c !== null);
    },

    async *pull(input: PullInput<MediaBrowserSourceConfig>): AsyncGenerator<PullBatch> {
      const pull = new LibraryPull(new MediaBrowserClient({ ...input.config, dialect }), input);
      const type = (input.collection.config as { collectionType?: unknown } | null)?.collectionType ?? null;
      // The whole library is listed on every pull: removals are looked for across the collection.
      yield pull.batch([], { scopes: [collectionKeyPrefix(input.collection.id)] });
      if (type !== 'movies') yield* pullShows(pull);
      if (type !== 'tvshows') yield* pullMovies(pull);
    },
  } satisfies SourceAdapter<MediaBrowserSourceConfig>;
}

export const jellyfinAdapter = mediaBrowserAdapter('jellyfin');
export const embyAdapter = mediaBrowserAdapter('emby');
