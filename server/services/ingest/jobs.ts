import type { Knex } from 'knex';
import { conflict, notFound } from '../../errors.js';
import { SourceCollection } from '../../models/index.js';
import { IngestRun, type IngestProgress, type IngestReport } from './core.js';
import { pullCollection } from './pull.js';

/** Loads a collection for ingest, with its source and path mappings; refuses a missing or disabled one. */
export async function ingestableCollection(db: Knex, collectionId: string): Promise<SourceCollection> {
  const collection = await SourceCollection.query(db).findById(collectionId).withGraphFetched('[source, pathMappings]');
  if (!collection) throw notFound('collection', collectionId);
  if (!collection.enabled) throw conflict('the collection is disabled; enable it with collections.update first');
  return collection;
}

export interface CollectionRunHooks {
  /** After every committed batch: the place to store progress, or to stop the run by throwing. */
  afterBatch?: (progress: IngestProgress) => Promise<void>;
  /** Items per write transaction. */
  batchSize?: number;
}

/**
 * Runs one attempt of a collection ingest (the job queue calls this). Every batch is its own
 * transaction, so an attempt stopped part-way keeps what it committed, and the next attempt skips
 * it (unchanged items are recognised by their stored versions, or re-checked without writing).
 */
export async function runCollectionAttempt(
  db: Knex,
  collectionId: string,
  hooks: CollectionRunHooks = {},
): Promise<IngestReport> {
  const collection = await ingestableCollection(db, collectionId);
  const ingest = new IngestRun(db, {
    collectionId: collection.id,
    ...(hooks.batchSize ? { batchSize: hooks.batchSize } : {}),
    ...(hooks.afterBatch ? { afterBatch: hooks.afterBatch } : {}),
  });
  return pullCollection(db, collection, ingest);
}
