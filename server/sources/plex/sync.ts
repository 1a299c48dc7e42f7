import type { IngestItem } from '../../domain/items.js';
import type { PlexMetadata, RejectedPlexItem } from './api.js';
import { PLEX_TYPE, type PlexHttp, type PlexPage } from './http.js';
import { episodeItem, locatorKey, movieItem, showTitle, versionOf, withoutLocator, type ItemContext } from './items.js';
import { emptyMarkerStats, type MarkerStats } from './markers.js';

/**
 * One Plex library section, pulled at a cost that follows what changed:
 * - one paged listing of its shows or movies; those whose `updatedAt` (and episode count) are as
 *   stored are skipped with everything under them;
 * - changed shows' own metadata, several per request, for their full `Genre` lists;
 * - episodes of changed shows: per show (`allLeaves`) when few changed, else the whole section's
 *   episodes in one paged listing (`type=4`), whichever takes fewer requests;
 * - markers and chapters, which Plex serves only on an item's own metadata, for new or changed
 *   episodes and movies only, several items per request (`/library/metadata/1,2,3`);
 * - items written in batches across shows and movies, never one transaction per show.
 */

export interface PlexPullInput {
  http: PlexHttp;
  collectionId: string;
  sectionKey: string;
  uriOf: (plexPath: string) => string;
  /** Title locators as last stored: `<collectionId>:<ratingKey>` -> `updatedAt|leafCount`. */
  storedVersions: ReadonlyMap<string, string>;
  /** Episode locators as last stored, looked up for the given keys. */
  episodeVersions: (keys: string[]) => Promise<ReadonlyMap<string, string>>;
  /** Items per yielded batch (default 500). */
  batchSize?: number;
  /** Items per metadata request for markers (default 100). */
  metadataBatch?: number;
}

export interface PlexPullStats {
  /** HTTP requests sent to Plex, retries included. */
  requests: number;
  /** Of which metadata requests for markers and chapters. */
  markerRequests: number;
  /** Items Plex sent that failed validation (first 100), and how many in all. */
  rejected: RejectedPlexItem[];
  rejectedCount: number;
  markers: MarkerStats;
}

export interface PlexBatch {
  items: IngestItem[];
  /** Title locators skipped as unchanged (their assets count as present). */
  skippedKeys: string[];
  /**
   * Key prefixes (`<locator>:`) whose assets were all listed in this pull or are gone: removals are
   * looked for only under these (changed and vanished shows and movies, and new shows an
   * interrupted run had begun), never the whole library: a first import looks nowhere.
   */
  scopes: string[];
}

export const emptyPullStats = (): PlexPullStats => ({
  requests: 0,
  markerRequests: 0,
  rejected: [],
  rejectedCount: 0,
  markers: emptyMarkerStats(),
});

/**
 * What mapping a pull's items needs (the server's id, the uri form, the marker counts), and how a
 * page's rejected items are counted (the first 100 kept with their reasons).
 */
export async function pullContext(
  http: PlexHttp,
  collectionId: string,
  uriOf: ItemContext['uriOf'],
  stats: PlexPullStats,
): Promise<{ ctx: ItemContext; reject: (page: PlexPage) => void }> {
  const ctx: ItemContext = { collectionId, machineIdentifier: await http.machineIdentifier(), uriOf, markers: stats.markers };
  const reject = (page: PlexPage) => {
    stats.rejectedCount += page.rejected.length;
    stats.rejected.push(...page.rejected.slice(0, Math.max(0, 100 - stats.rejected.length)));
  };
  return { ctx, reject };
}

export async function* pullPlexSection(input: PlexPullInput, stats: PlexPullStats): AsyncGenerator<PlexBatch> {
  const { http, collectionId } = input;
  const batchSize = input.batchSize ?? 500;
  const metadataBatch = input.metadataBatch ?? 100;
  const requestsBefore = http.requests;
  const { ctx, reject } = await pullContext(http, collectionId, input.uriOf, stats);

  let out: PlexBatch = { items: [], skippedKeys: [], scopes: [] };
  const flush = (force = false): PlexBatch | null => {
    if (!force && out.items.length < batchSize) return null;
    const batch = out;
    out = { items: [], skippedKeys: [], scopes: [] };
    return batch.items.length || batch.skippedKeys.length || batch.scopes.length ? batch : null;
  };

  // 1. The section's shows or movies.
  const listed = new Set<string>();
  const changedShows = new Map<string, PlexMetadata>();
  const changedMovies: PlexMetadata[] = [];
  /** Shows with no stored version whose episodes have not yet shown one stored (by an earlier, interrupted run). */
  const newShows = new Set<string>();
  let allLeaves = 0;
  for await (const page of http.sectionItems(input.sectionKey)) {
    reject(page);
    for (const item of page.items) {
      const key = locatorKey(collectionId, item.ratingKey);
      listed.add(key);
      if (item.type === 'show') allLeaves += item.leafCount ?? 0;
      const stored = input.storedVersions.get(key);
      if (stored === versionOf(item)) {
        out.skippedKeys.push(key);
        continue;
      }
      // Removals are looked for under what was stored before. A new movie has nothing stored (its
      // files and its locator are written together); a new show may (its episodes are written
      // before its locator): its scope waits until its episodes tell (see `newShows`).
      if (stored !== undefined) out.scopes.push(`${key}:`);
      if (item.type === 'movie') changedMovies.push(item);
      else if (item.type === 'show') {
        changedShows.set(item.ratingKey, item);
        if (stored === undefined) newShows.add(item.ratingKey);
      }
    }
  }
  for (const key of input.storedVersions.keys()) if (!listed.has(key)) out.scopes.push(`${key}:`);

  // 2. Changed movies, in full (markers and chapters come only this way).
  for (let i = 0; i < changedMovies.length; i += metadataBatch) {
    const full = await fetchMetadata(changedMovies.slice(i, i + metadataBatch));
    for (const movie of full) {
      const item = movieItem(movie, ctx, true);
      if (item) out.items.push(item);
    }
    const batch = flush();
    if (batch) yield batch;
  }

  // 3. Episodes of changed shows. Their titles from the shows' own metadata, several per request:
  //    a listing carries only a show's first few genres.
  const fullShows = new Map<string, PlexMetadata>();
  const showKeys = [...changedShows.keys()];
  for (let i = 0; i < showKeys.length; i += metadataBatch) {
    const page = await http.metadata(showKeys.slice(i, i + metadataBatch), { markers: false });
    reject(page);
    for (const show of page.items) if (show.type === 'show') fullShows.set(show.ratingKey, show);
  }
  const titles = new Map(
    [...changedShows].map(([rk, show]) => {
      const full = fullShows.get(rk);
      return [
        rk,
        full ? showTitle({ ...full, leafCount: show.leafCount, updatedAt: show.updatedAt }, ctx, true) : showTitle(show, ctx),
      ];
    }),
  );
  // A show's version (its locator ref, whose raw holds updatedAt) is written only after all of its
  // episodes: a run stopped part-way through a show must not mark the show as ingested, or the
  // resumed run would skip the episodes it had not reached. Episodes go out with the title minus
  // that ref; each show's last episode is held back and sent with the full title at the end.
  const bareTitles = new Map([...titles].map(([rk, title]) => [rk, withoutLocator(title, locatorKey(collectionId, rk))]));
  const heldBack = new Map<string, IngestItem>();
  const emitEpisode = (show: PlexMetadata, episode: PlexMetadata, withMarkers: boolean) => {
    const item = episodeItem(show, bareTitles.get(show.ratingKey)!, episode, ctx, withMarkers);
    if (!item) return;
    const previous = heldBack.get(show.ratingKey);
    if (previous) out.items.push(previous);
    heldBack.set(show.ratingKey, item);
  };
  const perShowRequests = [...changedShows.values()].reduce(
    (n, s) => n + Math.max(1, Math.ceil((s.leafCount ?? 0) / http.pageSize)),
    0,
  );
  const sectionWide = changedShows.size > 0 && Math.max(1, Math.ceil(allLeaves / http.pageSize)) < perShowRequests;
  const episodePages = sectionWide
    ? http.sectionItems(input.sectionKey, PLEX_TYPE.episode)
    : (async function* () {
        for (const show of changedShows.values())
          for await (const page of http.showEpisodes(show.ratingKey)) {
            for (const episode of page.items) episode.grandparentRatingKey ??= show.ratingKey;
            yield page;
          }
      })();
  let pending: Array<{ show: PlexMetadata; episode: PlexMetadata }> = [];
  const fetchPending = async () => {
    const byKey = new Map(pending.map((p) => [p.episode.ratingKey, p.show]));
    pending = [];
    for (const episode of await fetchMetadata([...byKey.keys()].map((ratingKey) => ({ ratingKey })))) {
      const show = byKey.get(episode.ratingKey);
      if (show) emitEpisode(show, episode, true);
    }
  };
  for await (const page of episodePages) {
    reject(page);
    const episodes = page.items.filter((e) => e.type === 'episode');
    const stored = await input.episodeVersions(episodes.map((e) => locatorKey(collectionId, e.ratingKey)));
    for (const episode of episodes) {
      const show = changedShows.get(episode.grandparentRatingKey ?? '');
      if (!show) continue; // section-wide listing: an episode of an unchanged show
      const storedVersion = stored.get(locatorKey(collectionId, episode.ratingKey));
      if (storedVersion !== undefined && newShows.delete(show.ratingKey)) {
        out.scopes.push(`${locatorKey(collectionId, show.ratingKey)}:`);
      }
      if (storedVersion === versionOf(episode)) {
        // Unchanged: listed (so its files count as present), markers left as stored.
        emitEpisode(show, episode, false);
      } else pending.push({ show, episode });
      if (pending.length >= metadataBatch) await fetchPending();
    }
    const batch = flush();
    if (batch) yield batch;
  }
  if (pending.length) await fetchPending();
  for (const [rk, item] of heldBack) out.items.push({ ...item, title: titles.get(rk)! });
  const last = flush(true);
  stats.requests += http.requests - requestsBefore;
  if (last) yield last;

  async function fetchMetadata(items: Array<{ ratingKey: string }>): Promise<PlexMetadata[]> {
    if (items.length === 0) return [];
    stats.markerRequests++;
    const page = await http.metadata(items.map((i) => i.ratingKey));
    reject(page);
    return page.items;
  }
}
