import type { IngestItem } from '../../services/ingest/items.js';
import type { Mapping } from '../../services/pathMapping.js';
import type { BadItem, MediaBrowserClient } from './client.js';
import { assetsOf, episodeItems, movieItems, versionOf, type MapContext, type Mapped } from './mapper.js';
import type { Item, VirtualFolder } from './schemas.js';

/**
 * Pulls one Jellyfin/Emby library: shows (Series, then every Episode of the library in pages) and
 * movies. An item whose Etag/DateLastSaved is what the last ingest stored is skipped (no segment
 * request, no ingest work) and its assets are counted as present; a show whose Series item changed
 * re-maps all its episodes (the title they carry changed). Nothing here touches the database.
 */

/** What the last ingest stored, by provider key: titles (series and movies) and episodes. */
export interface KnownVersions {
  titles: ReadonlyMap<string, string>;
  episodes: ReadonlyMap<string, string>;
}

/** What the pull tells the ingest about presence, skips and bad items (filled while it runs). */
export interface PullTally {
  /** Asset keys of skipped items (computed from their unchanged MediaSources: exact keys, not prefixes). */
  seenKeys: string[];
  skipped: number;
  problems: BadItem[];
}

export interface LibraryPull {
  client: MediaBrowserClient;
  collection: { id: string; externalId: string; collectionType: string | null };
  mappings: readonly Mapping[];
  known: KnownVersions;
  tally: PullTally;
}

const COMMON_FIELDS = ['Path', 'ProviderIds', 'Etag', 'DateCreated', 'ProductionYear'];
const FILE_FIELDS = [...COMMON_FIELDS, 'MediaSources', 'Chapters', 'ParentId'];
/** Jellyfin's extra version field; Emby has none (and refuses unknown Fields names on some versions). */
const fieldsFor = (client: MediaBrowserClient, base: string[]) =>
  client.dialect === 'jellyfin' ? [...base, 'DateLastSaved'] : base;

const unchanged = (known: ReadonlyMap<string, string>, key: string, item: Item) => {
  const version = versionOf(item);
  return version !== '|' && known.get(key) === version;
};

/** Collection types worth ingesting; a mixed library (no type) may hold both. */
export const LIBRARY_TYPES = new Set(['movies', 'tvshows']);

export function collectionFromFolder(
  folder: VirtualFolder,
): { externalId: string; name: string; config: Record<string, unknown> } | null {
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

export async function* pullLibrary(input: LibraryPull): AsyncGenerator<IngestItem[]> {
  const type = input.collection.collectionType;
  if (type !== 'movies') yield* pullShows(input);
  if (type !== 'tvshows') yield* pullMovies(input);
}

/** An unchanged item: counted as skipped, its assets as present. */
function skip(item: Item, ctx: MapContext, tally: PullTally): void {
  tally.skipped++;
  for (const asset of assetsOf(item, ctx)) for (const ref of asset.providerRefs ?? []) tally.seenKeys.push(ref.key);
}

function take(mapped: Mapped, id: string, tally: PullTally): IngestItem[] {
  if (mapped.problem) tally.problems.push({ id, reason: mapped.problem });
  return mapped.items;
}

async function segmentsFor(client: MediaBrowserClient, item: Item) {
  return (item.MediaSources ?? []).length > 0 ? client.mediaSegments(item.Id) : null;
}

async function* pullMovies({ client, collection, mappings, known, tally }: LibraryPull): AsyncGenerator<IngestItem[]> {
  const ctx: MapContext = { provider: client.dialect, collectionId: collection.id, mappings };
  const pages = client.items({
    parentId: collection.externalId,
    includeItemTypes: 'Movie',
    fields: fieldsFor(client, FILE_FIELDS),
  });
  for await (const { items, bad } of pages) {
    tally.problems.push(...bad);
    const out: IngestItem[] = [];
    for (const movie of items) {
      const key = `${collection.id}:${movie.Id}`;
      if (unchanged(known.titles, key, movie)) {
        skip(movie, ctx, tally);
        continue;
      }
      out.push(...take(movieItems(movie, ctx, await segmentsFor(client, movie)), movie.Id, tally));
    }
    if (out.length) yield out;
  }
}

async function* pullShows({ client, collection, mappings, known, tally }: LibraryPull): AsyncGenerator<IngestItem[]> {
  const ctx: MapContext = { provider: client.dialect, collectionId: collection.id, mappings };
  const series = new Map<string, Item>();
  const changedSeries = new Set<string>();
  const seriesPages = client.items({
    parentId: collection.externalId,
    includeItemTypes: 'Series',
    fields: fieldsFor(client, COMMON_FIELDS),
  });
  for await (const { items, bad } of seriesPages) {
    tally.problems.push(...bad);
    for (const show of items) {
      series.set(show.Id, show);
      if (!unchanged(known.titles, `${collection.id}:${show.Id}`, show)) changedSeries.add(show.Id);
    }
  }
  const episodePages = client.items({
    parentId: collection.externalId,
    includeItemTypes: 'Episode',
    fields: fieldsFor(client, [...FILE_FIELDS, 'SeriesId']),
  });
  for await (const { items, bad } of episodePages) {
    tally.problems.push(...bad);
    const out: IngestItem[] = [];
    for (const episode of items) {
      const key = `${collection.id}:${episode.Id}`;
      const seriesChanged = episode.SeriesId ? changedSeries.has(episode.SeriesId) : true;
      if (!seriesChanged && unchanged(known.episodes, key, episode)) {
        skip(episode, ctx, tally);
        continue;
      }
      const show = episode.SeriesId ? series.get(episode.SeriesId) : undefined;
      out.push(...take(episodeItems(show, episode, ctx, await segmentsFor(client, episode)), episode.Id, tally));
    }
    if (out.length) yield out;
  }
}
