import type { Knex } from 'knex';

/**
 * Removals looked for only where something changed: under the given key prefixes (a changed or
 * vanished Plex show or movie, `<collectionId>:<ratingKey>:`), asset keys this pull did not see
 * name removed assets, unless the same asset was seen under another key (a re-keyed Plex library
 * lists the same files under new ratingKeys). Such stale keys are dropped. Each prefix is one
 * index range scan (`ix_provider_refs_asset_keys`, text_pattern_ops), so an unchanged re-sync,
 * which has no prefixes, costs nothing here, whatever the library's size.
 * An adapter that scopes its whole collection (Jellyfin/Emby list everything on every pull) but skips
 * unchanged items one by one names them in `skippedKeys`: asset keys directly under one of them
 * (`<skipped key>:<file>`) are present too (one hashed lookup per asset, no pattern matching).
 */
export async function scopedRemovals(
  db: Knex,
  {
    provider,
    scopes,
    seenKeys,
    skippedKeys = [],
  }: { provider: string; scopes: string[]; seenKeys: string[]; skippedKeys?: string[] },
): Promise<Array<{ id: string; uri: string }>> {
  if (scopes.length === 0) return [];
  // Every key starting with `prefix` sorts (bytewise) in [prefix, prefix with its last character + 1).
  const upper = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const { rows } = (await db.raw(
    `WITH unseen AS (
       SELECT pr.id AS ref_id, pr.asset_id FROM unnest(?::text[], ?::text[]) AS s(low, high)
       JOIN provider_refs pr ON pr.provider = ? AND pr.entity_type = 'asset'
         AND pr.provider_key ~>=~ s.low AND pr.provider_key ~<~ s.high
       WHERE NOT (pr.provider_key = ANY(?::text[]))
         AND NOT (regexp_replace(pr.provider_key, ':[^:]*$', '') = ANY(?::text[]))
     ), classified AS (
       SELECT u.ref_id, u.asset_id, EXISTS (
         SELECT 1 FROM provider_refs p2 WHERE p2.asset_id = u.asset_id AND p2.provider = ? AND p2.entity_type = 'asset'
           AND p2.provider_key = ANY(?::text[])) AS seen_elsewhere
       FROM unseen u
     ), stale AS (
       DELETE FROM provider_refs WHERE id IN (SELECT ref_id FROM classified WHERE seen_elsewhere) RETURNING id
     )
     SELECT DISTINCT a.id, a.uri FROM classified c JOIN assets a ON a.id = c.asset_id
     WHERE NOT c.seen_elsewhere ORDER BY a.uri`,
    [scopes, scopes.map(upper), provider, seenKeys, skippedKeys, provider, seenKeys],
  )) as { rows: Array<{ id: string; uri: string }> };
  return rows;
}
