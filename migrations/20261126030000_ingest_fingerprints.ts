import type { Knex } from 'knex';

/**
 * Cheap re-checks (issue 14, point 6): per ingested item, a fingerprint (a hash of the item as its
 * source gave it, keys sorted) next to the link it produced (episode, asset) and the collection it
 * came from (none for `ingest.items` without one). An item whose fingerprint is stored skips all
 * further work on the next ingest. The foreign key to the link cascades: a person deleting the
 * episode, the asset or the link invalidates the fingerprint, so the next ingest writes the item
 * again. Additive only: DB_SCHEMA.md's tables and columns stay as they are.
 */
const NO_COLLECTION = `'00000000-0000-0000-0000-000000000000'::uuid`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ingest_fingerprints', (t) => {
    t.uuid('asset_id').notNullable();
    t.uuid('episode_id').notNullable();
    t.uuid('collection_id').nullable().references('id').inTable('source_collections').onDelete('CASCADE');
    t.binary('fingerprint').notNullable();
    t.foreign(['asset_id', 'episode_id'], 'fk_ingest_fingerprints_link')
      .references(['asset_id', 'episode_id'])
      .inTable('episode_assets')
      .onDelete('CASCADE');
    t.check('octet_length(fingerprint) = 20', [], 'ck_ingest_fingerprints_length');
  });
  // One per link and collection; looked up by asset (the batch's files), and serves the link's foreign key.
  await knex.raw(
    `CREATE UNIQUE INDEX uq_ingest_fingerprints ON ingest_fingerprints (asset_id, episode_id, (coalesce(collection_id, ${NO_COLLECTION})))`,
  );
  await knex.raw(`CREATE INDEX ix_ingest_fingerprints_collection_id ON ingest_fingerprints (collection_id) WHERE collection_id IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ingest_fingerprints');
}
