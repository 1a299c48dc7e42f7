import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { notFound } from '../errors.js';
import { Source, SourceCollection, type JsonObject } from '../models/index.js';
import { adapterFor, type SourceKindName } from '../sources/registry.js';
import { mergeConfig, redactConfig } from './secrets.js';

/** A source as callers see it: config without secrets, and the names of the secrets it holds. */
export function redactSource<T extends { config?: JsonObject | null }>(
  source: T,
): Omit<T, 'config'> & { config: JsonObject; secretKeys: string[] } {
  const { config, secretKeys } = redactConfig(source.config);
  return { ...source, config, secretKeys };
}

const validConfig = (kind: string, config: JsonObject): JsonObject => adapterFor(kind).parseConfig(config);

export interface CreateSourceInput {
  kind: SourceKindName;
  name: string;
  externalId?: string | undefined;
  config: JsonObject;
}

export async function createSource(db: Knex, input: CreateSourceInput): Promise<Source> {
  return Source.query(db).insertAndFetch({
    kind: input.kind,
    name: input.name,
    externalId: input.externalId ?? `${input.kind}:${randomUUID()}`,
    config: validConfig(input.kind, input.config),
  });
}

export interface UpdateSourceInput {
  name?: string | undefined;
  externalId?: string | undefined;
  /** New settings; secrets not resent are kept, a secret resent as null is removed. */
  config?: JsonObject | undefined;
}

export async function updateSource(db: Knex, id: string, input: UpdateSourceInput): Promise<Source> {
  return db.transaction(async (trx) => {
    const source = await Source.query(trx).findById(id).forUpdate();
    if (!source) throw notFound('source', id);
    const patch: Partial<Pick<Source, 'name' | 'externalId' | 'config'>> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.externalId !== undefined) patch.externalId = input.externalId;
    if (input.config !== undefined) patch.config = validConfig(source.kind, mergeConfig(source.config, input.config));
    if (Object.keys(patch).length === 0) return source;
    return source.$query(trx).patchAndFetch(patch);
  });
}

/** Asks the source for its libraries and upserts them as collections; new ones start disabled. */
export async function discover(db: Knex, sourceId: string): Promise<SourceCollection[]> {
  const source = await Source.query(db).findById(sourceId);
  if (!source) throw notFound('source', sourceId);
  const found = await adapterFor(source.kind).discover(source.config);
  if (found.length > 0) {
    await db('source_collections')
      .insert(
        found.map((c) => ({ source_id: sourceId, external_id: c.externalId, name: c.name, config: JSON.stringify(c.config) })),
      )
      .onConflict(['source_id', 'external_id'])
      .merge(['name', 'config'])
      // Touch only what changed, so re-discovery of an unchanged source writes nothing.
      .whereRaw('(source_collections.name, source_collections.config) IS DISTINCT FROM (excluded.name, excluded.config)');
  }
  return SourceCollection.query(db)
    .where('source_id', sourceId)
    .whereIn(
      'external_id',
      found.map((c) => c.externalId),
    )
    .modify('ordered');
}
