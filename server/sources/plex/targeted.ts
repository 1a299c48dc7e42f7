import type { IngestItem } from '../../domain/items.js';
import type { PlexMetadata } from './api.js';
import { PLEX_TYPE, type PlexHttp } from './http.js';
import { episodeItem, locatorKey, movieItem, showTitle, versionOf, withoutLocator } from './items.js';
import { pullContext, type PlexPullStats } from './sync.js';

/**
 * Live sync's side of the Plex adapter: just the named items (what a notification or the poll
 * named), the items changed since a time, and every key a section has (the deletion sweep).
 *
 * What a ratingKey brings in:
 * - a movie: itself, in full (markers and chapters);
 * - an episode: itself in full, under its show's title WITHOUT the show's locator (whose raw holds
 *   the show's version): a full sync still sees the show as changed and lists all its episodes, so
 *   one episode never makes the rest of a show look ingested;
 * - a season: its episodes (`/children`), in full;
 * - a show: the show and all its episodes (`/allLeaves`); episodes whose version is as stored are
 *   listed without markers (kept as stored), the others fetched in full; the show's locator goes
 *   out with its last episode, as in a full sync.
 * Keys Plex no longer has (a 404, or absent from a several-item answer) come back as `gone`.
 */

export interface PlexTargetInput {
  http: PlexHttp;
  collectionId: string;
  keys: readonly string[];
  uriOf: (plexPath: string) => string;
  episodeVersions: (keys: string[]) => Promise<ReadonlyMap<string, string>>;
  metadataBatch?: number;
}

export interface PlexTargetBatch {
  items: IngestItem[];
  gone: string[];
}

const chunks = <T>(all: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, i * size + size));

export async function* pullPlexItems(input: PlexTargetInput, stats: PlexPullStats): AsyncGenerator<PlexTargetBatch> {
  const { http, collectionId } = input;
  const metadataBatch = input.metadataBatch ?? 100;
  const { ctx, reject } = await pullContext(http, collectionId, input.uriOf, stats);
  const fetchFull = async (keys: readonly string[]): Promise<PlexMetadata[]> => {
    const found: PlexMetadata[] = [];
    for (const chunk of chunks([...new Set(keys)], metadataBatch)) {
      stats.markerRequests++;
      const page = await http.metadataIfPresent(chunk);
      reject(page);
      found.push(...page.items);
    }
    return found;
  };

  const requested = await fetchFull(input.keys);
  const seen = new Set(requested.map((i) => i.ratingKey));
  const refused = new Set(stats.rejected.map((r) => r.ratingKey));
  const gone = input.keys.filter((k) => !seen.has(k) && !refused.has(k));

  const items: IngestItem[] = [];
  const shows = new Map<string, PlexMetadata>();
  const looseEpisodes: PlexMetadata[] = [];
  for (const item of requested) {
    if (item.type === 'movie') {
      const movie = movieItem(item, ctx, true);
      if (movie) items.push(movie);
    } else if (item.type === 'show') shows.set(item.ratingKey, item);
    else if (item.type === 'episode') looseEpisodes.push(item);
    else if (item.type === 'season') {
      const keys: string[] = [];
      for await (const page of http.children(item.ratingKey)) {
        reject(page);
        keys.push(...page.items.filter((e) => e.type === 'episode').map((e) => e.ratingKey));
      }
      looseEpisodes.push(...(await fetchFull(keys)));
    }
  }

  // Episodes on their own: under their show's title, minus the show's locator (see above).
  const episodes = looseEpisodes.filter((e) => e.grandparentRatingKey && !shows.has(e.grandparentRatingKey));
  const parentKeys = [...new Set(episodes.map((e) => e.grandparentRatingKey!))];
  const parents = new Map(
    (await fetchFull(parentKeys))
      .filter((s) => s.type === 'show')
      .map((s) => [s.ratingKey, { show: s, bare: withoutLocator(showTitle(s, ctx), locatorKey(collectionId, s.ratingKey)) }]),
  );
  for (const episode of episodes) {
    const parent = parents.get(episode.grandparentRatingKey!);
    if (!parent) continue;
    const item = episodeItem(parent.show, parent.bare, episode, ctx, true);
    if (item) items.push(item);
  }
  if (items.length || gone.length) yield { items: items.splice(0), gone };

  // Whole shows.
  for (const show of shows.values()) {
    const title = showTitle(show, ctx);
    const bare = withoutLocator(title, locatorKey(collectionId, show.ratingKey));
    const listed: PlexMetadata[] = [];
    for await (const page of http.showEpisodes(show.ratingKey)) {
      reject(page);
      listed.push(...page.items.filter((e) => e.type === 'episode'));
    }
    const stored = await input.episodeVersions(listed.map((e) => locatorKey(collectionId, e.ratingKey)));
    const changed = listed.filter((e) => stored.get(locatorKey(collectionId, e.ratingKey)) !== versionOf(e));
    const full = new Map((await fetchFull(changed.map((e) => e.ratingKey))).map((e) => [e.ratingKey, e]));
    const showItems = listed.flatMap((listing) => {
      const episode = full.get(listing.ratingKey);
      const item = episodeItem(show, bare, episode ?? listing, ctx, episode !== undefined);
      return item ? [item] : [];
    });
    const last = showItems.pop();
    // The show's version goes out last: a run stopped part-way must not mark the show as ingested.
    for (const chunk of chunks(showItems, 500)) yield { items: chunk, gone: [] };
    if (last) yield { items: [{ ...last, title }], gone: [] };
  }
}

/**
 * Keys of a section's items updated at or after `since` (Plex's `updatedAt>>=` filter) whose
 * version differs from the stored one: movies or shows, and in a show section its episodes too
 * (a new episode does not always touch its show's `updatedAt`).
 */
export async function plexChangedSince(
  http: PlexHttp,
  {
    collectionId,
    sectionKey,
    sectionType,
    since,
    lookupVersions,
  }: {
    collectionId: string;
    sectionKey: string;
    sectionType: string | null;
    since: number;
    lookupVersions: (entityType: 'title' | 'episode', keys: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  },
): Promise<string[]> {
  const filter = { 'updatedAt>>': String(Math.max(0, Math.floor(since))) };
  const changed: string[] = [];
  const compare = async (items: PlexMetadata[], entityType: 'title' | 'episode') => {
    const stored = await lookupVersions(
      entityType,
      items.map((i) => locatorKey(collectionId, i.ratingKey)),
    );
    for (const item of items)
      if (stored.get(locatorKey(collectionId, item.ratingKey)) !== versionOf(item)) changed.push(item.ratingKey);
  };
  const tops: PlexMetadata[] = [];
  for await (const page of http.sectionItems(sectionKey, undefined, filter)) tops.push(...page.items);
  await compare(tops, 'title');
  if (sectionType === 'show' || tops.some((t) => t.type === 'show')) {
    const episodes: PlexMetadata[] = [];
    for await (const page of http.sectionItems(sectionKey, PLEX_TYPE.episode, filter)) episodes.push(...page.items);
    await compare(
      episodes.filter((e) => !changed.includes(e.grandparentRatingKey ?? '')),
      'episode',
    );
  }
  return changed;
}

/** Every ratingKey a section lists now: its movies or shows, and in a show section every episode. */
export async function plexSectionKeys(http: PlexHttp, sectionKey: string, sectionType: string | null): Promise<string[]> {
  const keys: string[] = [];
  let shows = false;
  for await (const page of http.sectionItems(sectionKey)) {
    for (const item of page.items) {
      keys.push(item.ratingKey);
      shows ||= item.type === 'show';
    }
    // Refused items are still there: not deleted.
    keys.push(...page.rejected.map((r) => r.ratingKey));
  }
  if (sectionType === 'show' || shows)
    for await (const page of http.sectionItems(sectionKey, PLEX_TYPE.episode))
      keys.push(...page.items.map((e) => e.ratingKey), ...page.rejected.map((r) => r.ratingKey));
  return keys;
}
