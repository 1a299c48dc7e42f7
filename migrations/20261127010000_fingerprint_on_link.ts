import type { Knex } from 'knex';

/**
 * Cheap re-checks at a lower price (issue 14, point 6): an item's fingerprint moves from its own
 * table (`ingest_fingerprints`, 20261126030000) onto the link it describes, `episode_assets.fingerprint`.
 * The link insert carries it: no second table, no second index, no per-row foreign-key check, which
 * together cost about a second per 100,000 items of a first import. What the foreign key's cascade
 * did, the row itself now does: deleting the link, its episode or its asset takes the fingerprint
 * with it. NULL means "not fingerprinted" (weak items, extra versions, rows written by hand).
 *
 * A fingerprint is bookkeeping, not catalogue content: the change log (20261126010000) leaves it out
 * of a link's update diff (an update that only moves it logs nothing) and out of a deleted link's row.
 * Additive and reversible: DB_SCHEMA.md's columns stay; `down` restores the table and its rows.
 */

const LOG_FUNCTIONS = (keep: 'with' | 'without') => {
  const drop = keep === 'without' ? ` AND nv.key <> 'fingerprint'` : '';
  const row = keep === 'without' ? `to_jsonb(o) - 'fingerprint'` : 'to_jsonb(o)';
  const rowId = (alias: string) => `${alias}.episode_id::text || '/' || ${alias}.asset_id::text`;
  const who = `coalesce(nullif(current_setting('retrovue.actor', true), ''), 'db:' || session_user)`;
  return [
    `CREATE OR REPLACE FUNCTION retrovue_log_episode_assets_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  who text := ${who};
BEGIN
  INSERT INTO change_log (table_name, row_id, op, changes, actor)
  SELECT 'episode_assets', ${rowId('n')}, 'update', d.changes, who
  FROM o JOIN n ON o.episode_id = n.episode_id AND o.asset_id = n.asset_id
  CROSS JOIN LATERAL (
    SELECT jsonb_object_agg(nv.key, jsonb_build_array(ov.value, nv.value)) AS changes
    FROM jsonb_each(to_jsonb(n)) nv JOIN jsonb_each(to_jsonb(o)) ov ON ov.key = nv.key
    WHERE nv.value IS DISTINCT FROM ov.value AND nv.key <> 'updated_at'${drop}
  ) d
  WHERE o IS DISTINCT FROM n AND d.changes IS NOT NULL;
  RETURN NULL;
END $$`,
    `CREATE OR REPLACE FUNCTION retrovue_log_episode_assets_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  who text := ${who};
BEGIN
  INSERT INTO change_log (table_name, row_id, op, changes, actor)
  SELECT 'episode_assets', ${rowId('o')}, 'delete', ${row}, who FROM o;
  RETURN NULL;
END $$`,
  ];
};

export async function up(knex: Knex): Promise<void> {
  // The log functions first: the copy below must not log.
  for (const statement of LOG_FUNCTIONS('without')) await knex.raw(statement);
  await knex.raw(`ALTER TABLE episode_assets ADD COLUMN fingerprint bytea,
    ADD CONSTRAINT ck_episode_assets_fingerprint CHECK (octet_length(fingerprint) = 20)`);
  await knex.raw(`UPDATE episode_assets ea SET fingerprint = f.fingerprint FROM ingest_fingerprints f
    WHERE f.asset_id = ea.asset_id AND f.episode_id = ea.episode_id`);
  await knex.schema.dropTable('ingest_fingerprints');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.createTable('ingest_fingerprints', (t) => {
    t.uuid('asset_id').notNullable();
    t.uuid('episode_id').notNullable();
    t.binary('fingerprint').notNullable();
    t.primary(['asset_id', 'episode_id'], { constraintName: 'pk_ingest_fingerprints' });
    t.foreign(['asset_id', 'episode_id'], 'fk_ingest_fingerprints_link')
      .references(['asset_id', 'episode_id'])
      .inTable('episode_assets')
      .onDelete('CASCADE');
    t.check('octet_length(fingerprint) = 20', [], 'ck_ingest_fingerprints_length');
  });
  await knex.raw(`INSERT INTO ingest_fingerprints (asset_id, episode_id, fingerprint)
    SELECT asset_id, episode_id, fingerprint FROM episode_assets WHERE fingerprint IS NOT NULL`);
  await knex.raw(`ALTER TABLE episode_assets DROP COLUMN fingerprint`);
  for (const statement of LOG_FUNCTIONS('with')) await knex.raw(statement);
}
