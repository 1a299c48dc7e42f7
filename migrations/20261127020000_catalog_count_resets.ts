import type { Knex } from 'knex';

/**
 * Pool totals kept up to date from the change log (issue 16, services/catalog.ts): a cached count is
 * brought forward by recounting only the titles the change log says were touched. Two things change
 * the catalogue, or the log, without leaving log entries: TRUNCATE of a table a pool reads (not
 * logged) and deleting log entries (retention, or by hand). Either records here, in its own
 * transaction, that every cached count must be counted again: one row, holding the transaction id of
 * the last such statement (unique per transaction, transactional like the data it guards, so a count
 * reads it in the same snapshot as the rows it counts). Statement-level triggers on TRUNCATE (and on
 * the log's DELETE): nothing on the ingest write path. Additive and reversible.
 */

const POOL_TABLES = [
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
  await knex.raw(`CREATE TABLE catalog_count_resets (
    id smallint NOT NULL DEFAULT 1,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT pk_catalog_count_resets PRIMARY KEY (id),
    CONSTRAINT ck_catalog_count_resets_one_row CHECK (id = 1)
  )`);
  await knex.raw(`INSERT INTO catalog_count_resets DEFAULT VALUES`);
  await knex.raw(`CREATE FUNCTION retrovue_catalog_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO catalog_count_resets (id, xid) VALUES (1, pg_current_xact_id())
        ON CONFLICT (id) DO UPDATE SET xid = excluded.xid;
      RETURN NULL;
    END $$`);
  for (const table of POOL_TABLES)
    await knex.raw(
      `CREATE TRIGGER tg_${table}_catalog_count_reset AFTER TRUNCATE ON ?? FOR EACH STATEMENT EXECUTE FUNCTION retrovue_catalog_count_reset()`,
      [table],
    );
  await knex.raw(
    `CREATE TRIGGER tg_change_log_catalog_count_reset AFTER DELETE OR TRUNCATE ON change_log FOR EACH STATEMENT EXECUTE FUNCTION retrovue_catalog_count_reset()`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TRIGGER IF EXISTS tg_change_log_catalog_count_reset ON change_log`);
  for (const table of POOL_TABLES) await knex.raw(`DROP TRIGGER IF EXISTS tg_${table}_catalog_count_reset ON ??`, [table]);
  await knex.raw(`DROP FUNCTION IF EXISTS retrovue_catalog_count_reset()`);
  await knex.raw(`DROP TABLE IF EXISTS catalog_count_resets`);
}
