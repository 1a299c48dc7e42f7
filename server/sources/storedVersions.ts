import type { Knex } from 'knex';

/**
 * What the last ingest of a collection stored about each item, by provider key: two fields of the
 * ref's raw JSON joined with '|' (Plex: updatedAt|leafCount; files: size|mtimeMs). An item whose
 * version is unchanged is skipped without further work.
 */
export async function storedVersions(
  db: Knex,
  {
    provider,
    entityType,
    collectionId,
    fields,
  }: { provider: string; entityType: 'title' | 'asset'; collectionId: string; fields: [string, string] },
): Promise<Map<string, string>> {
  const rows = (await db('provider_refs')
    .where({ provider, entity_type: entityType })
    .whereRaw('starts_with(provider_key, ?)', [`${collectionId}:`])
    .select('provider_key', db.raw(`coalesce(raw->>?, '') || '|' || coalesce(raw->>?, '') AS version`, fields))) as Array<{
    provider_key: string;
    version: string;
  }>;
  return new Map(rows.map((r) => [r.provider_key, r.version]));
}
