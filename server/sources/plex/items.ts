import { canonicalFileUri } from '../../domain/fileUri.js';
import type { IngestAssetItem, IngestItem, ProviderKey } from '../../domain/items.js';
import type { PlexMedia, PlexMetadata } from './api.js';
import { idsOf } from './guids.js';
import { markersOf, type MarkerStats } from './markers.js';

/**
 * Plex items as normalized ingest items. Provider keys:
 * - `plex` `<collectionId>:<ratingKey>` on titles and episodes: where the item is in this library
 *   (a locator; raw keeps `updatedAt`/`leafCount` to skip unchanged items, and `ratingKey`, `guid`,
 *   `machineIdentifier`). A rebuilt Plex database gives new ratingKeys: locators then follow the item.
 * - `plex` `plex://show/...` / `plex://episode/...` (or a legacy agent guid): the item's identity, shared
 *   by every library and server that has it; `tmdb`, `tvdb`, `imdb` from `Guid[]` and legacy guids.
 * - `plex` `<collectionId>:<top ratingKey>:<item ratingKey>:<media id>:<part n>` on every file: presence,
 *   so removals can be told per show or movie.
 */

export interface ItemContext {
  collectionId: string;
  machineIdentifier: string | null;
  /** Plex path -> canonical uri (path mappings applied, then `canonicalFileUri`). */
  uriOf: (plexPath: string) => string;
  markers: MarkerStats;
}

export const locatorKey = (collectionId: string, ratingKey: string) => `${collectionId}:${ratingKey}`;

/** The version the next sync compares against (see storedVersions). */
export const versionOf = (item: {
  updatedAt?: number | undefined;
  addedAt?: number | undefined;
  leafCount?: number | undefined;
}) => `${item.updatedAt ?? item.addedAt ?? ''}|${item.leafCount ?? ''}`;

type Metadata = Pick<
  NonNullable<IngestItem['title']>,
  'genres' | 'contentRating' | 'summary' | 'originallyAvailableAt' | 'studio'
>;

/**
 * What a scheduler filters on, as Plex sends it: `Genre[].tag`, `contentRating`, `summary`,
 * `originallyAvailableAt`, `studio` (the network, on shows). Genres only when `fullGenres` (the
 * item's own metadata): a listing's first few tags would replace the full list. A field Plex leaves
 * out is left out (the stored value stays; a person's edit is locked against the sync anyway).
 */
export function metadataOf(item: PlexMetadata, fullGenres: boolean): Metadata {
  const text = (v: string | undefined, max: number) => v?.trim().slice(0, max) || undefined;
  const genres = fullGenres
    ? [...new Set(item.Genre.map((g) => g.tag?.trim().slice(0, 100)).filter((t): t is string => Boolean(t)))].slice(0, 50)
    : [];
  const out: Metadata = {};
  if (genres.length) out.genres = genres;
  const contentRating = text(item.contentRating, 50);
  if (contentRating) out.contentRating = contentRating;
  const summary = text(item.summary, 20_000);
  if (summary) out.summary = summary;
  if (item.originallyAvailableAt) out.originallyAvailableAt = item.originallyAvailableAt;
  const studio = text(item.studio, 255);
  if (studio) out.studio = studio;
  return out;
}

function refsOf(item: PlexMetadata, ctx: ItemContext) {
  const { plexGuid, external } = idsOf(item);
  const raw = {
    ratingKey: item.ratingKey,
    guid: item.guid ?? null,
    updatedAt: item.updatedAt ?? null,
    leafCount: item.leafCount ?? null,
    machineIdentifier: ctx.machineIdentifier,
  };
  const refs: ProviderKey[] = [{ provider: 'plex', key: locatorKey(ctx.collectionId, item.ratingKey), raw }];
  if (plexGuid) refs.push({ provider: 'plex', key: plexGuid.slice(0, 1000) });
  for (const [provider, key] of Object.entries(external)) refs.push({ provider, key });
  return { refs, externalIds: Object.keys(external).length ? external : null };
}

/** The best version first: largest frame, then highest bitrate. */
function rankMedia(media: PlexMedia[]): PlexMedia[] {
  const score = (m: PlexMedia) => (m.width ?? 0) * (m.height ?? 0) * 1e6 + (m.bitrate ?? 0);
  return [...media].sort((a, b) => score(b) - score(a));
}

/**
 * Each `Media` is a version; its `Part`s are its files in play order (part 1 is the version's
 * asset, the rest its `parts`). A single-part version without a part duration takes the media's.
 * `withMarkers`: the item came from its own metadata (the only answer carrying markers); otherwise
 * markers are left as stored.
 */
function assetsOf(item: PlexMetadata, top: PlexMetadata, ctx: ItemContext, withMarkers: boolean): IngestAssetItem[] {
  return rankMedia(item.Media).flatMap((media, rank): IngestAssetItem[] => {
    const files = media.Part.map((part, i): IngestAssetItem => {
      const single = media.Part.length === 1;
      return {
        uri: ctx.uriOf(part.file),
        size: Math.max(0, Math.min(part.size ?? 0, Number.MAX_SAFE_INTEGER)),
        durationMs: part.duration ?? (single ? (media.duration ?? item.duration ?? null) : null),
        videoCodec: media.videoCodec?.slice(0, 50) ?? null,
        audioCodec: media.audioCodec?.slice(0, 50) ?? null,
        container: (part.container ?? media.container)?.slice(0, 50) ?? null,
        providerRefs: [
          { provider: 'plex', key: `${ctx.collectionId}:${top.ratingKey}:${item.ratingKey}:${media.id ?? rank}:${i + 1}` },
        ],
      };
    });
    // One part without a duration: the media's total tells it.
    const unknown = files.filter((f) => f.durationMs === null);
    if (unknown.length === 1 && files.length > 1 && media.duration !== undefined) {
      const rest = media.duration - files.reduce((n, f) => n + (f.durationMs ?? 0), 0);
      if (rest > 0) unknown[0]!.durationMs = rest;
    }
    const [first, ...rest] = files;
    if (!first) return [];
    const total = files.every((f) => f.durationMs !== null) ? files.reduce((n, f) => n + f.durationMs!, 0) : null;
    const edition = (media.editionTitle ?? item.editionTitle)?.trim().slice(0, 100) || undefined;
    return [
      {
        ...first,
        canonical: rank === 0,
        ...(rest.length ? { parts: rest } : {}),
        ...(edition ? { edition } : {}),
        ...(withMarkers ? { markers: markersOf(item, total ?? media.duration ?? null, ctx.markers) } : {}),
      },
    ];
  });
}

/** `full`: the show's own metadata (all its genres), not its listing entry. */
export const showTitle = (show: PlexMetadata, ctx: ItemContext, full = false) => titleOf('show', show, ctx, full);

/**
 * A show's title without its locator ref (`locator`): what its episodes go out with, since the
 * locator marks the whole show ingested and is written only with the show's last episode.
 */
export const withoutLocator = (title: NonNullable<IngestItem['title']>, locator: string): NonNullable<IngestItem['title']> => ({
  ...title,
  providerRefs: (title.providerRefs ?? []).filter((r) => r.key !== locator),
});

/** A show or movie as a catalogue title: its name, year, every id Plex gives, and its metadata (`full`: from its own metadata). */
function titleOf(kind: 'show' | 'movie', item: PlexMetadata, ctx: ItemContext, full: boolean): NonNullable<IngestItem['title']> {
  const { refs, externalIds } = refsOf(item, ctx);
  return {
    kind,
    name: item.title.slice(0, 255),
    year: item.year ?? null,
    externalIds,
    providerRefs: refs,
    ...metadataOf(item, full),
  };
}

export function episodeItem(
  show: PlexMetadata,
  title: NonNullable<IngestItem['title']>,
  episode: PlexMetadata,
  ctx: ItemContext,
  withMarkers: boolean,
): IngestItem | null {
  const assets = assetsOf(episode, show, ctx, withMarkers);
  if (assets.length === 0) return null;
  const { refs, externalIds } = refsOf(episode, ctx);
  const numbered = episode.parentIndex !== undefined && episode.index !== undefined;
  return {
    title,
    ...(numbered ? { season: { number: episode.parentIndex! } } : {}),
    episode: {
      number: numbered ? episode.index! : null,
      name: episode.title.slice(0, 255),
      externalIds,
      providerRefs: refs,
      ...metadataOf(episode, withMarkers),
    },
    assets,
    ...(numbered ? {} : { review: { reason: 'Plex gives no season or episode number', confidence: 0.5 } }),
  };
}

export function movieItem(movie: PlexMetadata, ctx: ItemContext, withMarkers: boolean): IngestItem | null {
  const assets = assetsOf(movie, movie, ctx, withMarkers);
  if (assets.length === 0) return null;
  return {
    title: titleOf('movie', movie, ctx, withMarkers),
    episode: { number: null, name: movie.title.slice(0, 255) },
    assets,
  };
}

/** A Plex path as a canonical uri, through the collection's mappings when one covers it. */
export const plexUri = (resolve: (p: string) => string | null) => (plexPath: string) =>
  canonicalFileUri(resolve(plexPath) ?? plexPath);
