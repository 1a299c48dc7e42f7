import type { Knex } from 'knex';
import { collectionKeyPrefix } from '../../domain/keys.js';
import type { VersionSpec } from '../../sources/registry.js';

/**
 * What the last ingest of a collection stored about each item, by provider key: the two raw
 * fields the adapter names, joined with '|' (as `joinVersion` does). Handed to the adapter as data
 * so it can skip unchanged items without work.
 */
export async function storedVersions(
  db: Knex,
  provider: string,
  { entityType, fields }: VersionSpec,
  collectionId: string,
): Promise<Map<string, string>> {
  const rows = (await db('provider_refs')
    .where({ provider, entity_type: entityType })
    .whereRaw('starts_with(provider_key, ?)', [collectionKeyPrefix(collectionId)])
    .select('provider_key', db.raw(`coalesce(raw->>?, '') || '|' || coalesce(raw->>?, '') AS version`, [...fields]))) as Array<{
    provider_key: string;
    version: string;
  }>;
  return new Map(rows.map((r) => [r.provider_key, r.version]));
}

/** The same, for the given keys of one entity type only (unique-index probes). */
export async function versionsOf(
  db: Knex,
  provider: string,
  fields: readonly [string, string],
  entityType: 'title' | 'episode' | 'asset',
  keys: readonly string[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = (await db('provider_refs')
    .where({ provider, entity_type: entityType })
    .whereIn('provider_key', [...keys])
    .select('provider_key', db.raw(`coalesce(raw->>?, '') || '|' || coalesce(raw->>?, '') AS version`, [...fields]))) as Array<{
    provider_key: string;
    version: string;
  }>;
  return new Map(rows.map((r) => [r.provider_key, r.version]));
}
