import type { Knex } from 'knex';
import { notFound } from '../errors.js';
import { SourceCollection, type JsonObject } from '../models/index.js';
import { definedOnly } from './crud.js';
import { mergeConfig } from './secrets.js';

export interface UpdateCollectionInput {
  name?: string | undefined;
  enabled?: boolean | undefined;
  /** Secret-looking keys are never returned, so a config sent back without them keeps the stored ones (null removes one). */
  config?: JsonObject | null | undefined;
}

export async function updateCollection(db: Knex, id: string, input: UpdateCollectionInput): Promise<SourceCollection> {
  return db.transaction(async (trx) => {
    const current = await SourceCollection.query(trx).findById(id).forUpdate();
    if (!current) throw notFound('collection', id);
    const patch = definedOnly({ ...input, config: input.config ? mergeConfig(current.config, input.config) : input.config });
    return Object.keys(patch).length === 0 ? current : current.$query(trx).patchAndFetch(patch);
  });
}
