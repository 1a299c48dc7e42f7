import type { Knex } from 'knex';

/**
 * Cheap re-checks (issue 14, point 6): per ingested item, a fingerprint (a hash of the collection it
 * came from and of the item as its source gave it, keys sorted) next to the link it produced
 * (episode, asset). An item whose fingerprint is stored skips all further work on the next ingest.
 * The foreign key to the link cascades: a person deleting the episode, the asset or the link
 * invalidates the fingerprint, so the next ingest writes the item again. The primary key serves
 * the lookup (by asset) and the foreign key. Additive only: DB_SCHEMA.md's tables and columns stay.
 */
export async function up(knex: Knex): Promise<void> {
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
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ingest_fingerprints');
}
