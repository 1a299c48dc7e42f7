import type { IngestAssetItem, IngestItem, ProviderKey } from '../../domain/items.js';
import type { ProviderIds } from './naming/names.js';
import type { NfoMetadata } from './naming/nfo.js';
import type { ParsedPath } from './naming/parsePath.js';

/**
 * How a parsed file becomes catalogue items (pure; the scanner supplies the asset):
 * - a movie: one unseasoned, unnumbered episode named after the movie;
 * - an episode: one item per episode the file holds (`S01E01-E03` links one asset to three episodes);
 * - a daily show (`Show.2014.10.31`): season = the year, episode number = month * 100 + day (1031),
 *   so the broadcast order holds within a year; the date itself in `episodes.external_ids.airDate`;
 * - anime absolute numbering with no season: an unseasoned episode numbered by the absolute number,
 *   which is also kept in `episodes.external_ids.absolute`.
 * Provider ids written in names (`{tmdb-603}`) become the title's provider refs and external ids.
 */

/** The most episodes one multi-episode file is linked to (a guard against misread ranges). */
export const MAX_EPISODES_PER_FILE = 50;

function refs(ids: ProviderIds | undefined): { providerRefs?: ProviderKey[]; externalIds?: Record<string, string> } {
  const entries = Object.entries(ids ?? {}).filter(([, v]) => typeof v === 'string' && v.length > 0) as [string, string][];
  if (!entries.length) return {};
  return {
    providerRefs: entries.map(([provider, key]) => ({ provider, key })),
    externalIds: Object.fromEntries(entries),
  };
}

/** The first episode row of a daily show's air date. */
function dailyNumbers(airDate: string): { season: number; number: number } {
  const [y, m, d] = airDate.split('-').map(Number) as [number, number, number];
  return { season: y, number: m * 100 + d };
}

export interface ItemExtras {
  /** The scanner's doubt about the file itself (probe failed, damaged). */
  review?: IngestItem['review'];
  /** Ids found for the episode itself (an episode NFO's uniqueid). */
  episodeIds?: ProviderIds;
  /** The title's metadata from its NFO (tvshow.nfo, movie.nfo): genres, rating, plot, date, studio. */
  titleMetadata?: NfoMetadata;
  /** The episode's own, from its NFO. */
  episodeMetadata?: NfoMetadata;
}

/** Catalogue items for one parsed video file; none for extras and ignored files. */
export function itemsForFile(parsed: ParsedPath, asset: IngestAssetItem, extras: ItemExtras = {}): IngestItem[] {
  const review = extras.review ? { review: extras.review } : {};
  if (parsed.kind === 'extra' || parsed.kind === 'ignored') return [];
  if (parsed.kind === 'unknown') {
    return [
      {
        assets: [asset],
        review: extras.review ?? { reason: parsed.reason ?? 'the file name says nothing usable', confidence: 0.3 },
      },
    ];
  }
  if (parsed.kind === 'movie') {
    const name = parsed.title!;
    return [
      {
        title: { kind: 'movie', name, year: parsed.year ?? null, ...refs(parsed.providerIds), ...extras.titleMetadata },
        episode: { number: null, name },
        assets: [asset],
        ...review,
      },
    ];
  }
  const title = {
    kind: 'show' as const,
    name: parsed.show!,
    year: parsed.year ?? null,
    ...refs(parsed.providerIds),
    ...extras.titleMetadata,
  };
  const episodeRefs = refs(extras.episodeIds);
  const externalIds = {
    ...episodeRefs.externalIds,
    ...(parsed.airDate && { airDate: parsed.airDate }),
    ...(parsed.absolute !== undefined && { absolute: parsed.absolute }),
  };
  const episodeExtras = {
    ...extras.episodeMetadata,
    ...(Object.keys(externalIds).length && { externalIds }),
    ...(episodeRefs.providerRefs && { providerRefs: episodeRefs.providerRefs }),
  };
  if (parsed.airDate && parsed.episode === undefined) {
    const { season, number } = dailyNumbers(parsed.airDate);
    return [
      {
        title,
        season: { number: parsed.season ?? season },
        episode: { number, name: parsed.episodeTitle ?? parsed.airDate, ...episodeExtras },
        assets: [asset],
        ...review,
      },
    ];
  }
  const first = parsed.episode!;
  const last = Math.min(parsed.episodeEnd ?? first, first + MAX_EPISODES_PER_FILE - 1);
  const items: IngestItem[] = [];
  for (let n = first; n <= last; n++) {
    items.push({
      title,
      ...(parsed.season !== undefined && { season: { number: parsed.season } }),
      // A multi-episode file's title names the file, so only its first episode takes it.
      episode: { number: n, name: n === first ? (parsed.episodeTitle ?? null) : null, ...(n === first ? episodeExtras : {}) },
      assets: [asset],
      // The file's own doubt is queued once, with its first episode.
      ...(n === first ? review : {}),
    });
  }
  return items;
}

/** What makes files parts of one version: same folder, same reading, different part numbers. */
export function partGroupKey(folder: string, parsed: ParsedPath): string | null {
  if (parsed.part === undefined || (parsed.kind !== 'movie' && parsed.kind !== 'episode')) return null;
  return JSON.stringify([
    folder,
    parsed.kind,
    parsed.title ?? parsed.show,
    parsed.year ?? null,
    parsed.season ?? null,
    parsed.episode ?? null,
    parsed.airDate ?? null,
    parsed.edition ?? null,
  ]);
}
