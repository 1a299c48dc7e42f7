import type { Knex } from 'knex';

/**
 * Live sync's targeted ingests become rows of `ingest_jobs` (issue 15), so `ingest.list` and
 * `ingest.status` show them next to collection runs:
 * - `kind`: `collection` (a whole-collection run, as before) or `live` (a targeted job);
 * - `target`: a live job's work, `{ reason, changed: [keys], deleted: [keys] }` (null for a
 *   collection run); its pg-boss job carries only the row id.
 * "One active run per collection" stays a rule of collection runs only: the partial unique index
 * now also says `kind = 'collection'` (any number of live jobs may be queued for a collection).
 * Reversible: `down` deletes the live rows and restores the index and the columns as they were.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE ingest_jobs
    ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'collection',
    ADD COLUMN target jsonb,
    ADD CONSTRAINT ck_ingest_jobs_kind CHECK (kind IN ('collection', 'live')),
    ADD CONSTRAINT ck_ingest_jobs_target CHECK ((kind = 'live') = (target IS NOT NULL))`);
  await knex.raw(`DROP INDEX uq_ingest_jobs_active_collection`);
  await knex.raw(
    `CREATE UNIQUE INDEX uq_ingest_jobs_active_collection ON ingest_jobs (collection_id)
     WHERE state IN ('queued', 'running') AND kind = 'collection'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DELETE FROM ingest_jobs WHERE kind <> 'collection'`);
  await knex.raw(`DROP INDEX uq_ingest_jobs_active_collection`);
  await knex.raw(
    `CREATE UNIQUE INDEX uq_ingest_jobs_active_collection ON ingest_jobs (collection_id) WHERE state IN ('queued', 'running')`,
  );
  await knex.raw(`ALTER TABLE ingest_jobs
    DROP CONSTRAINT ck_ingest_jobs_target,
    DROP CONSTRAINT ck_ingest_jobs_kind,
    DROP COLUMN target,
    DROP COLUMN kind`);
}
