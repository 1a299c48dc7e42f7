import type { Knex } from 'knex';
import { describeFieldErrors } from '../../domain/fields.js';
import { MAX_ITEMS_PER_CALL, validateItems, type RejectedItem } from '../../domain/items.js';
import { badRequest, notFound } from '../../errors.js';
import { ingestItems, type IngestReport } from './core.js';

export interface PushItemsInput {
  items: readonly unknown[];
  /** Keep the valid items and return the others in `rejected` (default: one bad item refuses the call). */
  partial: boolean;
  /** The collection the items belong to: serialises with its other ingests. */
  collectionId?: string | undefined;
}

/**
 * `ingest.items`: every item through the one `IngestItem` schema, so a bad item is named by its
 * index; then one batch, one transaction: a call that fails in the database writes nothing.
 */
export async function pushItems(
  db: Knex,
  { items, partial, collectionId }: PushItemsInput,
): Promise<{ report: IngestReport; rejected: RejectedItem[] }> {
  const { valid, rejected } = validateItems(items);
  if (rejected.length && !partial) {
    const first = rejected.slice(0, 5).map((r) => describeFieldErrors(r.errors, `items.${r.index}.`));
    throw badRequest(`${rejected.length} invalid item(s), nothing written: ${first.join('; ')}`);
  }
  if (collectionId && !(await db('source_collections').where({ id: collectionId }).first('id')))
    throw notFound('collection', collectionId);
  const report = await ingestItems(db, valid, { batchSize: MAX_ITEMS_PER_CALL, ...(collectionId ? { collectionId } : {}) });
  return { report, rejected };
}
