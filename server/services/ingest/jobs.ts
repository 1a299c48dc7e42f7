import type { Knex } from 'knex';
import { conflict, notFound } from '../../errors.js';
import { SourceCollection } from '../../models/index.js';
import { FilesystemSourceConfig } from '../../sources/config.js';
import { pullFilesystem } from '../../sources/filesystem.js';
import { plexClientFor, type AdapterOptions } from '../../sources/index.js';
import { pullPlex } from '../../sources/plex.js';
import type { CollectionPull } from '../../sources/types.js';
import { IngestRun, type IngestProgress, type IngestReport } from './core.js';
import type { IngestItem } from './items.js';

/** Loads a collection for ingest; refuses a missing or disabled one. */
export async function ingestableCollection(db: Knex, collectionId: string): Promise<SourceCollection> {
  const collection = await SourceCollection.query(db).findById(collectionId).withGraphFetched('[source, pathMappings]');
  if (!collection) throw notFound('collection', collectionId);
  if (!collection.enabled) throw conflict('the collection is disabled; enable it with collections.update first');
  return collection;
}

async function* itemsOf(
  db: Knex,
  collection: SourceCollection,
  pull: CollectionPull,
  options: AdapterOptions,
): AsyncGenerator<IngestItem[]> {
  const source = collection.source!;
  if (source.kind === 'plex') {
    yield* pullPlex(db, plexClientFor(source, options), collection, collection.pathMappings ?? [], pull);
  } else {
    const config = FilesystemSourceConfig.safeParse(source.config);
    yield* pullFilesystem(db, collection, { hash: config.success && config.data.hash === true }, pull);
  }
}

export interface PullHooks {
  /** After every pushed page (its batches committed): the place to store progress, or to stop by throwing. */
  afterPage?: (progress: IngestProgress) => Promise<void>;
  /** Items per write transaction (bounded on the embedded database so readers are not starved). */
  batchSize?: number;
  adapter?: AdapterOptions;
}

/**
 * Pulls a whole collection from its source through the ingest core. Every batch is its own
 * transaction, so a run stopped part-way keeps what it committed, and the next run skips it
 * (unchanged items are recognised by their stored versions, or re-checked without writing).
 */
export async function pullCollection(db: Knex, collectionId: string, hooks: PullHooks = {}): Promise<IngestReport> {
  const collection = await ingestableCollection(db, collectionId);
  const pull: CollectionPull = {
    provider: collection.source!.kind,
    keyPrefix: `${collection.id}:`,
    seenKeys: [],
    keepPrefixes: [],
    skipped: 0,
  };
  let last: IngestProgress | undefined;
  const ingest = new IngestRun(db, {
    collectionId: collection.id,
    ...(hooks.batchSize ? { batchSize: hooks.batchSize } : {}),
    onProgress: (progress) => {
      last = progress;
    },
  });
  for await (const items of itemsOf(db, collection, pull, hooks.adapter ?? {})) {
    for (const item of items)
      for (const asset of item.assets)
        for (const ref of asset.providerRefs ?? [])
          if (ref.provider === pull.provider && ref.key.startsWith(pull.keyPrefix)) pull.seenKeys.push(ref.key);
    await ingest.push(items);
    if (last) await hooks.afterPage?.(last);
  }
  return ingest.finish(pull);
}
