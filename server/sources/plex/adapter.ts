import type { IngestAssetItem, IngestItem, ProviderKey } from '../../domain/items.js';
import { collectionKey } from '../../domain/keys.js';
import { resolvePath, type Mapping } from '../../domain/pathMapping.js';
import { joinVersion, type CollectionInfo, type PullBatch, type PullInput, type SourceAdapter } from '../port.js';
import { PlexClient, type PlexMedia, type PlexMetadata } from './client.js';
import { PlexSourceConfig, PlexSourceConfigUpdate } from './config.js';

/**
 * Pulls a Plex library section into normalized items. Provider keys are scoped by the collection
 * (`<collectionId>:<show ratingKey>[:...]`), so two Plex servers never collide and the assets of one
 * section can be told apart for removal. Shows and movies whose `updatedAt` (and episode count)
 * did not change since the last ingest are skipped without fetching their episodes.
 */

const GUID_PROVIDERS = ['tmdb', 'tvdb', 'imdb'] as const;

function guidRefs(item: PlexMetadata): { externalIds: Record<string, string> | null; refs: ProviderKey[] } {
  const externalIds: Record<string, string> = {};
  for (const { id } of item.Guid ?? []) {
    const match = /^(\w+):\/\/(.+)$/.exec(id);
    if (match && (GUID_PROVIDERS as readonly string[]).includes(match[1]!)) externalIds[match[1]!] ??= match[2]!;
  }
  const refs = Object.entries(externalIds).map(([provider, key]) => ({ provider, key }));
  return { externalIds: refs.length ? externalIds : null, refs };
}

/** The best version first: largest frame, then highest bitrate. */
function rankMedia(media: PlexMedia[]): PlexMedia[] {
  const score = (m: PlexMedia) => (m.width ?? 0) * (m.height ?? 0) * 1e6 + (m.bitrate ?? 0);
  return [...media].sort((a, b) => score(b) - score(a));
}

function markersOf(item: PlexMetadata, durationMs: number | null): IngestAssetItem['markers'] {
  const fits = (start: number, end: number) => start >= 0 && start <= end && (durationMs === null || end <= durationMs);
  const markers: NonNullable<IngestAssetItem['markers']> = [];
  for (const m of item.Marker ?? []) {
    const [start, end] = [m.startTimeOffset ?? -1, m.endTimeOffset ?? -1];
    if (m.type && fits(start, end)) markers.push({ kind: m.type.slice(0, 50), startMs: start, endMs: end, payload: null });
  }
  for (const c of item.Chapter ?? []) {
    const [start, end] = [c.startTimeOffset ?? -1, c.endTimeOffset ?? -1];
    if (fits(start, end))
      markers.push({ kind: 'chapter', startMs: start, endMs: end, payload: { title: c.tag ?? null, index: c.index ?? null } });
  }
  return markers;
}

interface PlexContext {
  collection: CollectionInfo;
  mappings: readonly Mapping[];
}

function assetsOf(item: PlexMetadata, scope: string, ctx: PlexContext): IngestAssetItem[] {
  const ranked = rankMedia(item.Media ?? []);
  return ranked.flatMap((media, rank) => {
    const part = media.Part?.[0];
    if (!part?.file) return [];
    const local = resolvePath(ctx.mappings, part.file);
    const durationMs = media.duration ?? part.duration ?? item.duration ?? null;
    return [
      {
        uri: local ? local.localPath : part.file,
        size: Math.max(0, part.size ?? 0),
        durationMs,
        videoCodec: media.videoCodec?.slice(0, 50) ?? null,
        audioCodec: media.audioCodec?.slice(0, 50) ?? null,
        container: (part.container ?? media.container)?.slice(0, 50) ?? null,
        canonical: rank === 0,
        providerRefs: [{ provider: 'plex', key: collectionKey(scope, 'media', media.id ?? part.id ?? rank) }],
        markers: markersOf(item, durationMs),
      },
    ];
  });
}

function showTitle(show: PlexMetadata, scope: string): NonNullable<IngestItem['title']> {
  const { externalIds, refs } = guidRefs(show);
  return {
    kind: 'show',
    name: (show.title ?? `Plex show ${show.ratingKey}`).slice(0, 255),
    year: show.year ?? null,
    externalIds,
    providerRefs: [{ provider: 'plex', key: scope, raw: show as unknown as ProviderKey['raw'] }, ...refs],
  };
}

function episodeItem(show: PlexMetadata, episode: PlexMetadata, ctx: PlexContext): IngestItem | null {
  const showScope = collectionKey(ctx.collection.id, show.ratingKey);
  const assets = assetsOf(episode, collectionKey(showScope, episode.ratingKey), ctx);
  if (assets.length === 0) return null;
  const { externalIds, refs } = guidRefs(episode);
  const numbered = episode.parentIndex != null && episode.index != null;
  return {
    title: showTitle(show, showScope),
    ...(numbered ? { season: { number: episode.parentIndex! } } : {}),
    episode: {
      number: numbered ? episode.index! : null,
      name: episode.title?.slice(0, 255) ?? null,
      externalIds,
      providerRefs: [
        { provider: 'plex', key: collectionKey(showScope, episode.ratingKey), raw: episode as unknown as ProviderKey['raw'] },
        ...refs,
      ],
    },
    assets,
    ...(numbered ? {} : { review: { reason: 'Plex gives no season or episode number', confidence: 0.5 } }),
  };
}

function movieItem(movie: PlexMetadata, ctx: PlexContext): IngestItem | null {
  const scope = collectionKey(ctx.collection.id, movie.ratingKey);
  const assets = assetsOf(movie, scope, ctx);
  if (assets.length === 0) return null;
  const { externalIds, refs } = guidRefs(movie);
  return {
    title: {
      kind: 'movie',
      name: (movie.title ?? `Plex movie ${movie.ratingKey}`).slice(0, 255),
      year: movie.year ?? null,
      externalIds,
      providerRefs: [{ provider: 'plex', key: scope, raw: movie as unknown as ProviderKey['raw'] }, ...refs],
    },
    episode: { number: null, name: movie.title?.slice(0, 255) ?? null },
    assets,
  };
}

const versionOf = (item: PlexMetadata & { leafCount?: number }) => joinVersion(item.updatedAt, item.leafCount);

async function* pullSection({
  config,
  collection,
  pathMappings,
  storedVersions,
}: PullInput<PlexSourceConfig>): AsyncGenerator<PullBatch> {
  const client = new PlexClient(config);
  const ctx: PlexContext = { collection, mappings: pathMappings };
  for await (const page of client.sectionItems(collection.externalId)) {
    for (const item of page) {
      const scope = collectionKey(collection.id, item.ratingKey);
      // Unchanged since the last ingest: skip it; its assets stay counted as present.
      if (storedVersions.get(scope) === versionOf(item)) {
        yield { items: [], skippedKeys: [scope] };
        continue;
      }
      if (item.type === 'movie') {
        const movie = movieItem(item, ctx);
        if (movie) yield { items: [movie] };
        continue;
      }
      for await (const episodes of client.showEpisodes(item.ratingKey)) {
        yield { items: episodes.map((e) => episodeItem(item, e, ctx)).filter((e): e is IngestItem => e !== null) };
      }
    }
  }
}

const LIBRARY_TYPES = new Set(['movie', 'show']);

export const plexAdapter = {
  provider: 'plex',
  config: PlexSourceConfig,
  configUpdate: PlexSourceConfigUpdate,
  versions: { entityType: 'title', fields: ['updatedAt', 'leafCount'] },

  /** Plex movie and show sections, with their folders. */
  async discover(config: PlexSourceConfig) {
    const sections = await new PlexClient(config).sections();
    return sections
      .filter((s) => LIBRARY_TYPES.has(s.type ?? ''))
      .map((s) => ({
        externalId: String(s.key),
        name: s.title?.trim() || `Section ${s.key}`,
        config: { type: s.type ?? null, locations: (s.Location ?? []).map((l) => l.path) },
      }));
  },

  pull: pullSection,
} satisfies SourceAdapter<PlexSourceConfig>;
