import type { Knex } from 'knex';
import { badRequest, conflict, notFound } from '../errors.js';
import { ProviderRef, type Json, type ProviderEntityType } from '../models/index.js';
import { byIdOf } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';

/** The polymorphic foreign key column for each entity type. */
export const ENTITY_COLUMN: Record<ProviderEntityType, 'title_id' | 'episode_id' | 'asset_id'> = {
  title: 'title_id',
  episode: 'episode_id',
  asset: 'asset_id',
};

export interface AttachInput {
  entityType: ProviderEntityType;
  entityId: string;
  provider: string;
  providerKey: string;
  raw?: Json | undefined;
}

/**
 * Attaches a provider key to an entity. Attaching the same key to the same entity again
 * refreshes `raw`; the same key already on another entity of that type is a CONFLICT.
 */
export async function attach(db: Knex, input: AttachInput): Promise<ProviderRef> {
  const [row] = await db('provider_refs')
    .insert({
      entity_type: input.entityType,
      entity_id: input.entityId,
      provider: input.provider,
      provider_key: input.providerKey,
      raw: input.raw === undefined ? null : JSON.stringify(input.raw),
      [ENTITY_COLUMN[input.entityType]]: input.entityId,
    })
    .onConflict(['provider', 'provider_key', 'entity_type'])
    .merge(['raw'])
    .where('provider_refs.entity_id', input.entityId)
    .returning('*');
  if (!row) throw conflict(`${input.provider} key ${input.providerKey} is already attached to another ${input.entityType}`);
  return ProviderRef.fromDatabaseJson(row as Record<string, unknown>);
}

/** The ref behind (provider, key) with its entity; `entityType` narrows when one key names several kinds. */
export async function find(
  db: Knex,
  { provider, providerKey, entityType }: { provider: string; providerKey: string; entityType?: ProviderEntityType | undefined },
): Promise<ProviderRef> {
  const query = ProviderRef.query(db)
    .where({ provider, provider_key: providerKey })
    .withGraphFetched('[title, episode, asset]')
    .limit(2);
  if (entityType) query.where('entity_type', entityType);
  const refs = await query;
  if (refs.length === 0) throw notFound(`${provider} key ${providerKey}`);
  if (refs.length > 1) throw badRequest(`${provider} key ${providerKey} names several kinds of entity; pass entityType`);
  return refs[0]!;
}

const BY_PROVIDER: SortKey[] = [
  { sql: 'provider_refs.provider', type: 'text' },
  { sql: 'provider_refs.provider_key', type: 'text' },
  { sql: 'provider_refs.id', type: 'uuid' },
];

/** The refs of one entity. */
export async function listProviderRefs(
  db: Knex,
  { entityType, entityId, ...page }: PageRequest & { entityType: ProviderEntityType; entityId: string },
): Promise<Page<ProviderRef>> {
  const query = ProviderRef.query(db).where({ entity_type: entityType, entity_id: entityId });
  return paginate(query, `providerRefs:${entityType}:${entityId}`, BY_PROVIDER, page);
}

export const detach = byIdOf<ProviderRef>(ProviderRef, 'provider ref').remove;
