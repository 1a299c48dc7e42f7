import type { Knex } from 'knex';
import { validateItems } from '../../domain/items.js';
import { collectionKey, collectionKeyPrefix } from '../../domain/keys.js';
import type { Logger } from '../../logger.js';
import { SourceCollection } from '../../models/index.js';
import { adapterFor } from '../../sources/registry.js';
import { IngestRun, type IngestReport } from '../ingest/core.js';
import type { LiveTarget } from '../ingest/queue.js';
import { versionsOf } from '../ingest/storedVersions.js';
import { throughWriteGate } from '../ingest/writeGate.js';

/**
 * A targeted ingest (a durable job of kind `live`, a row of `ingest_jobs` worked from the pg-boss
 * queue `ingest-live`, services/ingest/queue.ts): just the items a live source named,
 * fetched through the adapter's `pullItems`, written by the ingest core WITHOUT the removal sweep
 * of a collection ingest; the keys the source no longer has get their files marked missing.
 *
 * Overlap with a full ingest of the same collection: a targeted job never runs while one is
 * running; it is put back (the queue runs it again `deferSeconds` later) and runs after it, reading the source then, so what it
 * writes is never older than what the full run wrote and the full run's removal pass never sees
 * a file it did not list. A full run that starts while a targeted job runs reads the source after
 * it (its listing is at least as new), and the core serialises their batches per collection.
 */

export type TargetedJob = LiveTarget;

export interface TargetedResult {
  deferred: boolean;
  report: IngestReport | null;
  /** Files marked missing (keys the source no longer has). */
  missing: Array<{ id: string; uri: string }>;
}

export interface TargetedOptions {
  log: Logger;
  batchSize?: number | undefined;
}

export async function runTargeted(db: Knex, job: TargetedJob, options: TargetedOptions): Promise<TargetedResult> {
  const started = performance.now();
  const collection = await SourceCollection.query(db).findById(job.collectionId).withGraphFetched('[source, pathMappings]');
  // Deleted or disabled since the change was seen: nothing to do (its next ingest starts from the source).
  if (!collection?.enabled || !collection.source) return { deferred: false, report: null, missing: [] };
  const running = await db('ingest_jobs')
    .where({ collection_id: collection.id, kind: 'collection', state: 'running' })
    .first('id');
  if (running) return { deferred: true, report: null, missing: [] };
  const adapter = adapterFor(collection.source.kind);
  if (!adapter.live.pullItems) return { deferred: false, report: null, missing: [] };
  const keys = [...new Set([...job.changed, ...job.deleted])];
  const ingest = new IngestRun(db, {
    collectionId: collection.id,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  });
  const gone: string[] = [];
  const batches = adapter.live.pullItems({
    config: collection.source.config,
    collection: { id: collection.id, externalId: collection.externalId, name: collection.name, config: collection.config },
    pathMappings: collection.pathMappings ?? [],
    storedVersions: new Map(),
    lookupVersions: (entityType, lookup) => versionsOf(db, adapter.provider, adapter.versions.fields, entityType, lookup),
    keys,
  });
  let index = 0;
  for await (const batch of batches) {
    gone.push(...(batch.gone ?? []));
    if (batch.rejected?.length)
      ingest.reject(
        batch.rejected.map((r) => ({ index: -1, sourceKey: r.sourceKey, errors: [{ path: '', message: r.reason }] })),
      );
    const { valid, rejected } = validateItems(batch.items, index);
    index += batch.items.length;
    ingest.reject(rejected);
    if (valid.length) await ingest.push(valid);
  }
  const report = await ingest.finish();
  const missing = await markGone(db, adapter.provider, collection.id, gone);
  options.log.info(
    {
      collectionId: collection.id,
      reason: job.reason,
      changed: job.changed.length,
      deleted: job.deleted.length,
      items: report.items,
      rowsWritten: report.rowsWritten,
      rejected: report.rejected,
      missing: missing.length,
      ms: Math.round(performance.now() - started),
    },
    'live: targeted ingest done',
  );
  return { deferred: false, report, missing };
}

/**
 * Marks missing (from now; cleared when the file is ingested again) the files of source items that
 * are gone, by their provider keys in this collection (`<collectionId>:<key>` = L):
 * - an asset keyed L itself (a folder's file), or under it: `L:...` (a Plex show or movie is the top
 *   of its files' keys) or `L/...` (a folder);
 * - the files of the episode located by L (a Plex episode: `<collectionId>:<top>:<key>:...`), in this collection only.
 * One statement, from the keys (unique-index and key-range probes), in the collection's write order.
 */
export async function markGone(
  db: Knex,
  provider: string,
  collectionId: string,
  keys: readonly string[],
): Promise<Array<{ id: string; uri: string }>> {
  if (keys.length === 0) return [];
  const locators = keys.map((k) => collectionKey(collectionId, k));
  return throughWriteGate(db, () =>
    db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`ingest:${collectionId}`]);
      const { rows } = (await trx.raw(
        `WITH loc AS (SELECT l, k FROM unnest(?::text[], ?::text[]) AS u(l, k)),
         hit AS (
           SELECT pr.asset_id FROM loc JOIN provider_refs pr
             ON pr.provider = ? AND pr.entity_type = 'asset' AND pr.provider_key = loc.l
           UNION
           SELECT pr.asset_id FROM loc JOIN provider_refs pr
             ON pr.provider = ? AND pr.entity_type = 'asset' AND pr.provider_key ~>=~ (loc.l || ':') AND pr.provider_key ~<~ (loc.l || ';')
           UNION
           SELECT pr.asset_id FROM loc JOIN provider_refs pr
             ON pr.provider = ? AND pr.entity_type = 'asset' AND pr.provider_key ~>=~ (loc.l || '/') AND pr.provider_key ~<~ (loc.l || '0')
           UNION
           SELECT ar.asset_id FROM loc
             JOIN provider_refs er ON er.provider = ? AND er.entity_type = 'episode' AND er.provider_key = loc.l
             JOIN episode_assets ea ON ea.episode_id = er.episode_id
             JOIN provider_refs ar ON ar.asset_id = ea.asset_id AND ar.provider = ? AND ar.entity_type = 'asset'
               AND starts_with(ar.provider_key, ?) AND split_part(ar.provider_key, ':', 3) = loc.k
         )
         UPDATE assets a SET missing_since = now() FROM hit
         WHERE a.id = hit.asset_id AND a.missing_since IS NULL
         RETURNING a.id, a.uri`,
        [locators, [...keys], provider, provider, provider, provider, provider, collectionKeyPrefix(collectionId)],
      )) as { rows: Array<{ id: string; uri: string }> };
      return rows;
    }),
  );
}

/** Item keys of a collection the catalogue has located (`<collectionId>:<key>` on a title or episode): what the deletion sweep compares with the source. */
export async function storedItemKeys(db: Knex, provider: string, collectionId: string): Promise<string[]> {
  const prefix = collectionKeyPrefix(collectionId);
  const { rows } = (await db.raw(
    `SELECT DISTINCT substr(provider_key, ?) AS k FROM provider_refs
     WHERE provider = ? AND entity_type IN ('title', 'episode') AND starts_with(provider_key, ?)
       AND strpos(substr(provider_key, ?), ':') = 0`,
    [prefix.length + 1, provider, prefix, prefix.length + 1],
  )) as { rows: Array<{ k: string }> };
  return rows.map((r) => r.k);
}
