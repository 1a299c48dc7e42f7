import type { Knex } from 'knex';

/**
 * Closes a hole in ck_provider_refs_polymorphic: `title_id = entity_id` is NULL (not false) when
 * title_id is NULL, and a CHECK that evaluates to NULL passes, so a ref of type title with no
 * title_id (no foreign key, no cascade) was accepted; likewise for episodes and assets.
 *
 * Rows that break the closed rule are repaired first: the foreign key is filled from entity_id when
 * that entity exists (and the other two keys cleared); a ref whose entity is gone is removed, as the
 * cascade would have done. Both counts are reported.
 */
const CONSTRAINT = 'ck_provider_refs_polymorphic';

const CLOSED = `(entity_type = 'title' AND title_id IS NOT NULL AND title_id = entity_id AND episode_id IS NULL AND asset_id IS NULL)
  OR (entity_type = 'episode' AND episode_id IS NOT NULL AND episode_id = entity_id AND title_id IS NULL AND asset_id IS NULL)
  OR (entity_type = 'asset' AND asset_id IS NOT NULL AND asset_id = entity_id AND title_id IS NULL AND episode_id IS NULL)`;

const ORIGINAL = `(entity_type = 'title' AND title_id = entity_id AND episode_id IS NULL AND asset_id IS NULL)
        OR (entity_type = 'episode' AND episode_id = entity_id AND title_id IS NULL AND asset_id IS NULL)
        OR (entity_type = 'asset' AND asset_id = entity_id AND title_id IS NULL AND episode_id IS NULL)`;

const KINDS = [
  { type: 'title', table: 'titles', column: 'title_id' },
  { type: 'episode', table: 'episodes', column: 'episode_id' },
  { type: 'asset', table: 'assets', column: 'asset_id' },
] as const;

const count = (result: { rowCount?: number | null; affectedRows?: number } | undefined): number =>
  Number(result?.rowCount ?? result?.affectedRows ?? 0);

export async function up(knex: Knex): Promise<void> {
  let repaired = 0;
  let removed = 0;
  for (const { type, table, column } of KINDS) {
    const others = KINDS.filter((k) => k.column !== column).map((k) => k.column);
    const broken = `entity_type = '${type}' AND NOT ((${CLOSED}) IS TRUE)`;
    removed += count(
      await knex.raw(
        `DELETE FROM provider_refs WHERE ${broken} AND NOT EXISTS (SELECT 1 FROM ${table} WHERE ${table}.id = provider_refs.entity_id)`,
      ),
    );
    repaired += count(
      await knex.raw(
        `UPDATE provider_refs SET ${column} = entity_id, ${others.map((c) => `${c} = NULL`).join(', ')} WHERE ${broken}`,
      ),
    );
  }
  if (repaired + removed > 0)
    console.warn(
      `${CONSTRAINT}: repaired ${repaired} provider ref(s) missing their foreign key; removed ${removed} pointing at nothing`,
    );
  await knex.raw(`ALTER TABLE provider_refs DROP CONSTRAINT ${CONSTRAINT}`);
  await knex.raw(`ALTER TABLE provider_refs ADD CONSTRAINT ${CONSTRAINT} CHECK (${CLOSED})`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE provider_refs DROP CONSTRAINT ${CONSTRAINT}`);
  await knex.raw(`ALTER TABLE provider_refs ADD CONSTRAINT ${CONSTRAINT} CHECK (${ORIGINAL})`);
}
