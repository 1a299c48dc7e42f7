import type { Knex } from 'knex';

/**
 * The scheduler's queries at their targets (issue 16), all additive and reversible:
 * - GiST trigram indexes on title and episode names (replacing the GIN ones): they serve the
 *   similarity test (`<%`), the substring test (ILIKE) and best-first order (`<<->`), where a GIN
 *   index over many look-alike names rechecks thousands of rows;
 * - genres compared ignoring case: `retrovue_lower_genres(genres)` (IMMUTABLE, so indexable) with
 *   a GIN index on titles and episodes; the stored genres keep their spelling;
 * - a catalogue version: a sequence every write to the tables a catalog query reads bumps (one
 *   statement-level trigger per table, no row lock, so concurrent writers never wait on it); a
 *   cached pool total is good while the version it was counted at is current.
 */

const BUMPED = [
  'titles',
  'seasons',
  'episodes',
  'episode_assets',
  'assets',
  'asset_parts',
  'markers',
  'provider_refs',
  'source_collections',
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS ix_titles_name_trgm`);
  await knex.raw(`DROP INDEX IF EXISTS ix_episodes_name_trgm`);
  // 128-byte signatures (the default is 12): far fewer false candidates to recheck on 100,000 names.
  await knex.raw(`CREATE INDEX ix_titles_name_trgm_gist ON titles USING gist (name gist_trgm_ops(siglen = 128))`);
  await knex.raw(`CREATE INDEX ix_episodes_name_trgm_gist ON episodes USING gist (name gist_trgm_ops(siglen = 128))`);

  await knex.raw(`CREATE FUNCTION retrovue_lower_genres(genres text[]) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(lower(g)), '{}'::text[]) FROM unnest(genres) AS g $$`);
  await knex.raw(`DROP INDEX IF EXISTS ix_titles_genres`);
  await knex.raw(`CREATE INDEX ix_titles_genres_lower ON titles USING gin (retrovue_lower_genres(genres))`);
  await knex.raw(`CREATE INDEX ix_episodes_genres_lower ON episodes USING gin (retrovue_lower_genres(genres))`);

  await knex.raw(`CREATE SEQUENCE retrovue_catalog_version`);
  await knex.raw(`CREATE FUNCTION retrovue_catalog_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM nextval('retrovue_catalog_version'); RETURN NULL; END $$`);
  for (const table of BUMPED)
    await knex.raw(
      `CREATE TRIGGER tg_${table}_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ?? FOR EACH STATEMENT EXECUTE FUNCTION retrovue_catalog_bump()`,
      [table],
    );
}

export async function down(knex: Knex): Promise<void> {
  for (const table of BUMPED) await knex.raw(`DROP TRIGGER IF EXISTS tg_${table}_catalog_version ON ??`, [table]);
  await knex.raw(`DROP FUNCTION IF EXISTS retrovue_catalog_bump()`);
  await knex.raw(`DROP SEQUENCE IF EXISTS retrovue_catalog_version`);

  await knex.raw(`DROP INDEX IF EXISTS ix_episodes_genres_lower`);
  await knex.raw(`DROP INDEX IF EXISTS ix_titles_genres_lower`);
  await knex.raw(`CREATE INDEX ix_titles_genres ON titles USING gin (genres)`);
  await knex.raw(`DROP FUNCTION IF EXISTS retrovue_lower_genres(text[])`);

  await knex.raw(`DROP INDEX IF EXISTS ix_episodes_name_trgm_gist`);
  await knex.raw(`DROP INDEX IF EXISTS ix_titles_name_trgm_gist`);
  await knex.raw(`CREATE INDEX ix_titles_name_trgm ON titles USING gin (name gin_trgm_ops)`);
  await knex.raw(`CREATE INDEX ix_episodes_name_trgm ON episodes USING gin (name gin_trgm_ops)`);
}
