import type { IngestAssetItem, IngestItem, ProviderKey } from '../../domain/items.js';
import { collectionKey } from '../../domain/keys.js';
import { resolvePath, type Mapping } from '../../domain/pathMapping.js';
import type { MediaBrowserDialect } from './config.js';
import type { Chapter, Item, MediaSegment, MediaSource, MediaStream } from './schemas.js';

/**
 * Jellyfin/Emby items -> normalized ingest items. Pure: no I/O, no database. Provider keys are
 * scoped by the collection and nest like the library (`<collectionId>:<movieId>:<mediaSourceId>`,
 * `<collectionId>:<seriesId>:<episodeId>:<mediaSourceId>`), so two servers never collide and
 * removals can be looked for under one show or one item.
 */

export interface MapContext {
  provider: MediaBrowserDialect;
  collectionId: string;
  mappings: readonly Mapping[];
  /** Markers left out (outside the file's duration), counted by reason for the report. */
  markersDropped?: Record<string, number>;
}

/** An item's own key: movies and series under the collection, episodes under their series. */
export const itemKey = (collectionId: string, item: Item): string =>
  item.Type === 'Episode' ? collectionKey(collectionId, item.SeriesId ?? '-', item.Id) : collectionKey(collectionId, item.Id);

/** What a mapping produced: items to ingest, or why the source item could not be used. */
export type Mapped = { items: IngestItem[]; problem?: undefined } | { items: []; problem: string };

const TICKS_PER_MS = 10_000;
const ticksToMs = (ticks: number | null | undefined): number | null =>
  ticks == null ? null : Math.min(Math.round(ticks / TICKS_PER_MS), 2_147_483_647);

const ID_PROVIDERS = new Set(['tmdb', 'tvdb', 'imdb']);

/** `ProviderIds` ({ Tmdb, Tvdb, Imdb, ... }) as externalIds and provider refs, provider names lowercased. */
export function providerIds(item: Item): { externalIds: Record<string, string> | null; refs: ProviderKey[] } {
  const externalIds: Record<string, string> = {};
  for (const [name, value] of Object.entries(item.ProviderIds ?? {})) {
    const provider = name.toLowerCase();
    const key = value?.trim();
    if (ID_PROVIDERS.has(provider) && key) externalIds[provider] ??= key.slice(0, 1000);
  }
  const refs = Object.entries(externalIds).map(([provider, key]) => ({ provider, key }));
  return { externalIds: refs.length ? externalIds : null, refs };
}

const itemRaw = (item: Item) => item as unknown as ProviderKey['raw'];
const year = (y: number | null | undefined) => (y != null && y >= 1800 && y <= 9999 ? y : null);
const code = (value: string | null | undefined) => value?.trim().toLowerCase().slice(0, 50) || null;

function streamOf(source: MediaSource, type: 'Video' | 'Audio'): MediaStream | undefined {
  const streams = (source.MediaStreams ?? []).filter((s) => s.Type === type);
  return streams.find((s) => s.IsDefault) ?? streams[0];
}

/** The container as a single name: ffprobe's `mov,mp4,m4a,...` becomes the one the file's extension names. */
function containerOf(source: MediaSource): string | null {
  const names = (source.Container ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  const extension = /\.([a-z0-9]+)$/i.exec(source.Path ?? '')?.[1]?.toLowerCase();
  return code((extension && names.includes(extension) ? extension : names[0]) ?? null);
}

/** The best version first: largest frame, then highest bitrate (as the Plex adapter ranks Media). */
function rankSources(sources: MediaSource[]): MediaSource[] {
  const score = (s: MediaSource) => {
    const video = streamOf(s, 'Video');
    return (video?.Width ?? 0) * (video?.Height ?? 0) * 1e6 + (s.Bitrate ?? 0);
  };
  return [...sources].sort((a, b) => score(b) - score(a));
}

/** Chapters as markers, each ending where the next starts. Emby's intro/credits chapter markers become intro/credits. */
function chapterMarkers(chapters: Chapter[], durationMs: number | null): NonNullable<IngestAssetItem['markers']> {
  const sorted = [...chapters].sort((a, b) => a.StartPositionTicks - b.StartPositionTicks);
  const markers: NonNullable<IngestAssetItem['markers']> = [];
  const plain = sorted.filter((c) => !c.MarkerType || c.MarkerType === 'Chapter');
  plain.forEach((c, i) => {
    const startMs = ticksToMs(c.StartPositionTicks)!;
    const next = plain[i + 1];
    const endMs = next ? ticksToMs(next.StartPositionTicks)! : (durationMs ?? startMs);
    markers.push({ kind: 'chapter', startMs, endMs, payload: { title: c.Name?.slice(0, 500) ?? null, index: i } });
  });
  const at = (type: string) => sorted.find((c) => c.MarkerType === type);
  const [introStart, introEnd, creditsStart] = [at('IntroStart'), at('IntroEnd'), at('CreditsStart')];
  if (introStart && introEnd)
    markers.push({
      kind: 'intro',
      startMs: ticksToMs(introStart.StartPositionTicks)!,
      endMs: ticksToMs(introEnd.StartPositionTicks)!,
      payload: null,
    });
  if (creditsStart && durationMs != null)
    markers.push({ kind: 'credits', startMs: ticksToMs(creditsStart.StartPositionTicks)!, endMs: durationMs, payload: null });
  return markers;
}

/** Jellyfin media segment types -> marker kinds (Outro is what Plex and this catalogue call credits). */
const SEGMENT_KINDS: Record<string, string> = {
  Intro: 'intro',
  Outro: 'credits',
  Recap: 'recap',
  Preview: 'preview',
  Commercial: 'commercial',
};

function segmentMarkers(segments: readonly MediaSegment[]): NonNullable<IngestAssetItem['markers']> {
  return segments.flatMap((s) => {
    const kind = SEGMENT_KINDS[s.Type];
    return kind ? [{ kind, startMs: ticksToMs(s.StartTicks)!, endMs: ticksToMs(s.EndTicks)!, payload: null }] : [];
  });
}

const sameId = (a: string | null | undefined, b: string) =>
  a?.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();

/** Every file-backed MediaSource of an item becomes an asset (a version); the best one is preferred. */
export function assetsOf(item: Item, ctx: MapContext, segments: readonly MediaSegment[] | null = null): IngestAssetItem[] {
  const files = (item.MediaSources ?? []).filter((s) => s.Path && (s.Protocol == null || s.Protocol === 'File'));
  const ranked = rankSources(files);
  return ranked.map((source, rank) => {
    const path = source.Path!;
    const local = resolvePath(ctx.mappings, path);
    const durationMs = ticksToMs(source.RunTimeTicks ?? item.RunTimeTicks);
    // Segments belong to the item's own file (other versions may be cut differently).
    const ownFile = files.length === 1 || sameId(source.Id, item.Id);
    const candidates = [
      ...chapterMarkers(source.Chapters ?? item.Chapters ?? [], durationMs),
      ...(ownFile && segments ? segmentMarkers(segments) : []),
    ];
    const markers = candidates.filter((m) => {
      const fits = m.startMs <= m.endMs && (durationMs === null || m.endMs <= durationMs);
      if (!fits && ctx.markersDropped)
        ctx.markersDropped['outside the duration'] = (ctx.markersDropped['outside the duration'] ?? 0) + 1;
      return fits;
    });
    return {
      uri: local ? local.localPath : path,
      size: source.Size ?? 0,
      durationMs,
      videoCodec: code(streamOf(source, 'Video')?.Codec),
      audioCodec: code(streamOf(source, 'Audio')?.Codec),
      container: containerOf(source),
      canonical: rank === 0,
      providerRefs: [{ provider: ctx.provider, key: collectionKey(itemKey(ctx.collectionId, item), source.Id ?? rank) }],
      markers,
    };
  });
}

export function movieItems(movie: Item, ctx: MapContext, segments: readonly MediaSegment[] | null = null): Mapped {
  const assets = assetsOf(movie, ctx, segments);
  if (assets.length === 0) return { items: [] };
  const key = itemKey(ctx.collectionId, movie);
  const name = (movie.Name?.trim() || `${ctx.provider} movie ${movie.Id}`).slice(0, 255);
  const { externalIds, refs } = providerIds(movie);
  return {
    items: [
      {
        title: {
          kind: 'movie',
          name,
          year: year(movie.ProductionYear),
          externalIds,
          providerRefs: [{ provider: ctx.provider, key, raw: itemRaw(movie) }, ...refs],
        },
        episode: { number: null, name },
        assets,
      },
    ],
  };
}

export function seriesTitle(series: Item, ctx: MapContext): NonNullable<IngestItem['title']> {
  const { externalIds, refs } = providerIds(series);
  return {
    kind: 'show',
    name: (series.Name?.trim() || `${ctx.provider} show ${series.Id}`).slice(0, 255),
    year: year(series.ProductionYear),
    externalIds,
    providerRefs: [{ provider: ctx.provider, key: collectionKey(ctx.collectionId, series.Id), raw: itemRaw(series) }, ...refs],
  };
}

/** The most episodes one multi-episode file may stand for (IndexNumber..IndexNumberEnd). */
const MAX_EPISODES_PER_FILE = 20;

/**
 * An episode; a multi-episode file (`IndexNumber` 2, `IndexNumberEnd` 3) becomes one item per
 * episode sharing the same assets. Only the first carries the item's own ids and JSON, so no
 * provider id names two episodes.
 */
export function episodeItems(
  series: Item | undefined,
  episode: Item,
  ctx: MapContext,
  segments: readonly MediaSegment[] | null = null,
): Mapped {
  const assets = assetsOf(episode, ctx, segments);
  if (assets.length === 0) return { items: [] };
  const title = series
    ? seriesTitle(series, ctx)
    : episode.SeriesName?.trim()
      ? ({ kind: 'show', name: episode.SeriesName.trim().slice(0, 255) } as const)
      : undefined;
  if (!title) return { items: [], problem: `episode ${episode.Id}: no series (SeriesId ${episode.SeriesId ?? 'missing'})` };
  const key = itemKey(ctx.collectionId, episode);
  const name = episode.Name?.trim().slice(0, 255) || null;
  const { externalIds, refs } = providerIds(episode);
  const season = episode.ParentIndexNumber;
  const first = episode.IndexNumber;
  if (season == null || first == null)
    return {
      items: [
        {
          title,
          episode: {
            number: null,
            name,
            externalIds,
            providerRefs: [{ provider: ctx.provider, key, raw: itemRaw(episode) }, ...refs],
          },
          assets,
          review: { reason: `${ctx.provider} gives no season or episode number`, confidence: 0.5 },
        },
      ],
    };
  const last = Math.min(Math.max(episode.IndexNumberEnd ?? first, first), first + MAX_EPISODES_PER_FILE - 1);
  const items: IngestItem[] = [];
  for (let number = first; number <= last; number++) {
    const isFirst = number === first;
    items.push({
      title,
      season: { number: season },
      episode: {
        number,
        name,
        ...(isFirst ? { externalIds } : {}),
        providerRefs: isFirst
          ? [{ provider: ctx.provider, key, raw: itemRaw(episode) }, ...refs]
          : [{ provider: ctx.provider, key: collectionKey(key, `e${number}`) }],
      },
      assets,
    });
  }
  return { items };
}
