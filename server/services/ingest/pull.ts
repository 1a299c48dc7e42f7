import type { Knex } from 'knex';
import { validateItems } from '../../domain/items.js';
import { collectionKeyPrefix } from '../../domain/keys.js';
import type { SourceCollection } from '../../models/index.js';
import type { PullCost } from '../../sources/port.js';
import { adapterFor } from '../../sources/registry.js';
import type { CollectionPull, IngestReport, IngestRun } from './core.js';
import { storedVersions, versionsOf } from './storedVersions.js';

/** Asset provider keys an item names (best effort: the item may be one the schema refuses). */
function assetKeys(item: unknown, provider: string, prefix: string): string[] {
  const assets = (item as { assets?: unknown } | null)?.assets;
  if (!Array.isArray(assets)) return [];
  type Refs = { providerRefs?: Array<{ provider?: unknown; key?: unknown }> } | null;
  // A version's parts 2..n are files of their own, with their own keys.
  const files = (assets as Array<(Refs & { parts?: unknown }) | null>).flatMap((a) => [
    a,
    ...(Array.isArray(a?.parts) ? (a.parts as Refs[]) : []),
  ]);
  return files.flatMap((asset: Refs) =>
    (Array.isArray(asset?.providerRefs) ? asset.providerRefs : []).flatMap((ref) =>
      ref?.provider === provider && typeof ref.key === 'string' && ref.key.startsWith(prefix) ? [ref.key] : [],
    ),
  );
}

/**
 * Pulls a whole collection through its source's adapter into an ingest run: hands the adapter its
 * config, path mappings and the stored versions as data, validates every item it yields (an invalid
 * one is rejected alone), and tells the core what was seen so removals can be reported.
 * `collection` comes with its `source` and `pathMappings`.
 */
export async function pullCollection(db: Knex, collection: SourceCollection, ingest: IngestRun): Promise<IngestReport> {
  const source = collection.source!;
  const adapter = adapterFor(source.kind);
  const pull: CollectionPull = {
    provider: adapter.provider,
    keyPrefix: collectionKeyPrefix(collection.id),
    seenKeys: [],
    skippedKeys: [],
    extras: 0,
    notices: [],
  };
  const versions = await storedVersions(db, adapter.provider, adapter.versions, collection.id);
  const batches = adapter.pull({
    config: source.config,
    collection: { id: collection.id, externalId: collection.externalId, name: collection.name, config: collection.config },
    pathMappings: collection.pathMappings ?? [],
    storedVersions: versions,
    lookupVersions: (entityType, keys) => versionsOf(db, adapter.provider, adapter.versions.fields, entityType, keys),
  });
  let index = 0;
  let analyzeAt = await firstAnalyzeAt(db);
  let cost: PullCost | undefined;
  for await (const batch of readAhead(batches)) {
    pull.skippedKeys.push(...(batch.skippedKeys ?? []));
    if (batch.scopes) (pull.scopes ??= []).push(...batch.scopes);
    if (batch.cost) cost = batch.cost;
    // Refused at the adapter's own boundary (a Plex item without a title, say): reported, the rest goes on.
    if (batch.rejected?.length)
      ingest.reject(
        batch.rejected.map((r) => ({ index: -1, sourceKey: r.sourceKey, errors: [{ path: '', message: r.reason }] })),
      );
    pull.extras += batch.extras ?? 0;
    pull.notices.push(...(batch.notices ?? []));
    // Keys of refused items count as seen too: the source still has them, they are not removed.
    for (const item of batch.items) pull.seenKeys.push(...assetKeys(item, pull.provider, pull.keyPrefix));
    const { valid, rejected } = validateItems(batch.items, index);
    index += batch.items.length;
    ingest.reject(rejected);
    if (valid.length) await ingest.push(valid);
    if (ingest.report.items >= analyzeAt) {
      await refreshStatistics(db);
      analyzeAt *= 4;
    }
  }
  const report = await ingest.finish(pull);
  return cost ? { ...report, source: structuredClone(cost) } : report;
}

/** Tables whose rows an ingest adds in bulk and whose statistics its batch statements are planned with. */
const INGESTED_TABLES = ['provider_refs', 'assets', 'episodes', 'seasons', 'titles', 'episode_assets', 'markers'];

/**
 * Items written after which the planner's statistics are refreshed (then every 4x as many), when
 * the run is about to outgrow what the statistics describe. A first import starts from (nearly)
 * empty tables: planned with the empty tables' statistics, the batch's key lookups probe the wrong
 * index (provider refs by entity type alone) and slow down as the table grows, until autovacuum
 * happens to analyse it. A run that adds little to a large catalogue never reaches the first step.
 */
const ANALYZE_FIRST_AT = 1000;

/** The first item count at which this run refreshes statistics: when it will have added about as many rows as the tables had. */
export async function firstAnalyzeAt(db: Knex): Promise<number> {
  const rows = (await db.raw(`SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE relname = 'provider_refs'`)) as {
    rows: Array<{ n: string | number }>;
  };
  // About four provider refs per item (locator, identity, external id, file).
  return Math.max(ANALYZE_FIRST_AT, Math.ceil(Number(rows.rows[0]?.n ?? 0) / 4));
}

export async function refreshStatistics(db: Knex): Promise<void> {
  await db.raw(`ANALYZE ${INGESTED_TABLES.join(', ')}`);
}

/**
 * Asks the source for its next batch while the current one is being written, so a pull costs
 * about max(fetching, writing) rather than their sum. One batch ahead: memory stays bounded.
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // Keep a failure of the read-ahead from going unhandled while this batch is written; it is rethrown above.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await iterator.return?.();
  }
}
