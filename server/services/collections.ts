import type { Knex } from 'knex';
import { notFound } from '../errors.js';
import { Source, SourceCollection } from '../models/index.js';
import { adapterFor } from '../sources/registry.js';
import { byIdOf, type GetRequest } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';
import { updateCollection as updateCollectionKeepingSecrets, type UpdateCollectionInput } from './collectionUpdate.js';
import { claimPlexIdentity } from './sourceIdentity.js';
import { redactSource } from './sources.js';

export const COLLECTION_INCLUDES = ['source', 'pathMappings'] as const;
const BY_NAME: SortKey[] = [
  { sql: 'source_collections.name', type: 'text' },
  { sql: 'source_collections.id', type: 'uuid' },
];

export async function listCollections(
  db: Knex,
  { sourceId, enabled, ...page }: PageRequest & { sourceId?: string | undefined; enabled?: boolean | undefined },
): Promise<Page<SourceCollection>> {
  const query = SourceCollection.query(db);
  if (sourceId) query.where('source_collections.source_id', sourceId);
  if (enabled !== undefined) query.where('source_collections.enabled', enabled);
  return paginate(query, `collections:${sourceId ?? ''}:${enabled ?? ''}`, BY_NAME, page);
}

const collections = byIdOf<SourceCollection>(SourceCollection, 'collection', COLLECTION_INCLUDES);

/** A collection; an included source comes without its secrets. */
export async function getCollection(db: Knex, request: GetRequest) {
  const json = (await collections.get(db, request)).toJSON();
  return { ...json, source: json.source ? redactSource(json.source) : undefined };
}

/** Secret-looking config keys are never returned, so a config sent back without them keeps them (collectionUpdate.ts). */
export const updateCollection = (db: Knex, { id, ...input }: { id: string } & UpdateCollectionInput): Promise<SourceCollection> =>
  updateCollectionKeepingSecrets(db, id, input);

/** Asks the source for its libraries and upserts them as collections; new ones start disabled. */
export async function discover(db: Knex, sourceId: string): Promise<SourceCollection[]> {
  const source = await Source.query(db).findById(sourceId);
  if (!source) throw notFound('source', sourceId);
  const found = await adapterFor(source.kind).discover(source.config);
  if (source.kind === 'plex') await claimPlexIdentity(db, source);
  if (found.length > 0) {
    await db('source_collections')
      .insert(
        found.map((c) => ({ source_id: sourceId, external_id: c.externalId, name: c.name, config: JSON.stringify(c.config) })),
      )
      .onConflict(['source_id', 'external_id'])
      // Discovery owns only the keys it reports (type, locations, ...): keys a person set in the config
      // (resyncIntervalSeconds, watch, ...) are kept, so a re-discovery merges instead of replacing.
      .merge({ name: db.raw('excluded.name'), config: db.raw('source_collections.config || excluded.config') })
      // Touch only what changed, so re-discovery of an unchanged source writes nothing.
      .whereRaw(
        '(source_collections.name, source_collections.config) IS DISTINCT FROM (excluded.name, source_collections.config || excluded.config)',
      );
  }
  return SourceCollection.query(db)
    .where('source_id', sourceId)
    .whereIn(
      'external_id',
      found.map((c) => c.externalId),
    )
    .modify('ordered');
}
