import { resolvePath } from '../../domain/pathMapping.js';
import type { PullBatch, PullInput, PullItemsInput, SourceAdapter } from '../port.js';
import { PlexSourceConfig, PlexSourceConfigUpdate } from './config.js';
import { PlexHttp } from './http.js';
import { plexUri } from './items.js';
import { listenPlex } from './notifications.js';
import { emptyPullStats, pullPlexSection, type PlexPullStats } from './sync.js';
import { plexChangedSince, plexSectionKeys, pullPlexItems } from './targeted.js';

/**
 * The Plex adapter: a section becomes a collection; `pull` lists it and yields normalized items in
 * batches across shows and movies (see sync.ts for what is fetched when, items.ts for the mapping
 * and provider keys, api.ts for the boundary). It never touches the database: stored versions
 * arrive as data, episode versions through `lookupVersions`.
 */

/**
 * What a batch reports besides its items: the items rejected since the previous batch (each named
 * by its ratingKey) and the sync's cost so far.
 */
function progressOf(http: PlexHttp, stats: PlexPullStats): () => Pick<PullBatch, 'rejected' | 'cost'> {
  let reported = 0;
  return () => {
    const rejected = stats.rejected
      .slice(reported)
      .map((r) => ({ sourceKey: r.ratingKey, reason: `ratingKey ${r.ratingKey}: ${r.reason}` }));
    reported = stats.rejected.length;
    const cost = {
      requests: http.requests,
      markerRequests: stats.markerRequests,
      markersClamped: stats.markers.clamped,
      markersDropped: { ...stats.markers.dropped },
    };
    return { rejected, cost };
  };
}

/** What every pull needs: the client, the collection, the uri form through the path mappings, stored episode versions. */
function pullBase(input: PullItemsInput<PlexSourceConfig> | PullInput<PlexSourceConfig>, http: PlexHttp) {
  const { collection, pathMappings, lookupVersions } = input;
  return {
    http,
    collectionId: collection.id,
    uriOf: plexUri((p) => resolvePath(pathMappings, p)?.localPath ?? null),
    episodeVersions: (keys: readonly string[]) => (lookupVersions ? lookupVersions('episode', keys) : Promise.resolve(new Map())),
  };
}

async function* pullSection(input: PullInput<PlexSourceConfig>): AsyncGenerator<PullBatch> {
  const http = new PlexHttp(input.config);
  const stats = emptyPullStats();
  const batches = pullPlexSection(
    { ...pullBase(input, http), sectionKey: input.collection.externalId, storedVersions: input.storedVersions },
    stats,
  );
  const progress = progressOf(http, stats);
  for await (const batch of batches)
    yield { items: batch.items, skippedKeys: batch.skippedKeys, scopes: batch.scopes, ...progress() };
}

/** Just the named ratingKeys (live sync): see targeted.ts. */
async function* pullItems(input: PullItemsInput<PlexSourceConfig>): AsyncGenerator<PullBatch> {
  const http = new PlexHttp(input.config);
  const stats = emptyPullStats();
  const batches = pullPlexItems({ ...pullBase(input, http), keys: input.keys }, stats);
  const progress = progressOf(http, stats);
  for await (const batch of batches) yield { items: batch.items, gone: batch.gone, ...progress() };
}

const sectionType = (config: Record<string, unknown> | null) => (typeof config?.type === 'string' ? config.type : null);

const LIBRARY_TYPES = new Set(['movie', 'show']);

export const plexAdapter = {
  provider: 'plex',
  config: PlexSourceConfig,
  configUpdate: PlexSourceConfigUpdate,
  versions: { entityType: 'title', fields: ['updatedAt', 'leafCount'] },

  /** Plex movie and show sections, with their folders. */
  async discover(config: PlexSourceConfig) {
    const http = new PlexHttp(config);
    const sections = await http.sections();
    // Webhooks and notifications name items by server and ratingKey: keep the server's id with its libraries.
    const machineIdentifier = await http.machineIdentifier();
    return sections
      .filter((s) => LIBRARY_TYPES.has(s.type ?? ''))
      .map((s) => ({
        externalId: s.key,
        name: s.title?.trim() || `Section ${s.key}`,
        config: { type: s.type ?? null, locations: s.Location.map((l) => l.path), machineIdentifier },
      }));
  },

  pull: pullSection,
  pullItems,
  listen: listenPlex,
  changedSince: ({ config, collection, since, lookupVersions }) =>
    plexChangedSince(new PlexHttp(config), {
      collectionId: collection.id,
      sectionKey: collection.externalId,
      sectionType: sectionType(collection.config),
      since,
      lookupVersions,
    }),
  listKeys: ({ config, collection }) =>
    plexSectionKeys(new PlexHttp(config), collection.externalId, sectionType(collection.config)),
} satisfies SourceAdapter<PlexSourceConfig>;
