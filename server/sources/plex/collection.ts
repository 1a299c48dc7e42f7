import type { Knex } from 'knex';
import type { PathMapping, SourceCollection } from '../../models/index.js';
import type { IngestItem } from '../../services/ingest/items.js';
import { resolvePath } from '../../services/pathMapping.js';
import type { CollectionPull } from '../types.js';
import type { PlexHttp } from './http.js';
import { plexUri } from './items.js';
import { pullPlexSection, type PlexPullStats } from './sync.js';

/** What the last ingest stored on the collection's Plex locators of one entity type (`updatedAt|leafCount`). */
async function locatorVersions(db: Knex, entityType: 'title' | 'episode', collectionId: string, keys?: string[]) {
  const query = db('provider_refs')
    .where({ provider: 'plex', entity_type: entityType })
    .select('provider_key', db.raw(`coalesce(raw->>'updatedAt', '') || '|' || coalesce(raw->>'leafCount', '') AS version`));
  if (keys) query.whereIn('provider_key', keys);
  else query.whereRaw('starts_with(provider_key, ?)', [`${collectionId}:`]);
  const rows = (await query) as Array<{ provider_key: string; version: string }>;
  return new Map(rows.map((r) => [r.provider_key, r.version]));
}

/** A Plex collection's items for the ingest run, with what the pull saw (skips, removal scopes) recorded in `pull`. */
export async function* pullPlexCollection(
  db: Knex,
  http: PlexHttp,
  collection: SourceCollection,
  mappings: PathMapping[],
  pull: CollectionPull,
  stats: PlexPullStats,
): AsyncGenerator<IngestItem[]> {
  pull.scopes ??= [];
  const batches = pullPlexSection(
    {
      http,
      collectionId: collection.id,
      sectionKey: collection.externalId,
      uriOf: plexUri((p) => resolvePath(mappings, p)?.localPath ?? null),
      storedVersions: await locatorVersions(db, 'title', collection.id),
      episodeVersions: (keys) => (keys.length ? locatorVersions(db, 'episode', collection.id, keys) : Promise.resolve(new Map())),
    },
    stats,
  );
  for await (const batch of batches) {
    pull.keepPrefixes.push(...batch.skippedKeys.map((k) => `${k}:`));
    pull.skipped += batch.skippedKeys.length;
    pull.scopes.push(...batch.scopes);
    if (batch.items.length) yield batch.items;
  }
}
