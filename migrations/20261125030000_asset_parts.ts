import type { Knex } from 'knex';

/**
 * A version made of parts: a film split into `cd1`/`cd2` files (Plex `Media` with several `Part`s,
 * or a folder's `part1..n` files) is one version whose first part is the asset linked to the
 * episode (and possibly canonical); parts 2..n are assets of their own (own uri, size, duration),
 * listed here in play order. `assets.edition` names a version ("Director's Cut").
 * Also an index for removal checks by key prefix. Additive only: DB_SCHEMA.md's tables and columns stay as they are.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assets', (t) => {
    t.string('edition', 100).nullable();
  });
  await knex.schema.createTable('asset_parts', (t) => {
    t.uuid('version_id').notNullable().references('id').inTable('assets').onDelete('CASCADE');
    t.uuid('asset_id').notNullable().references('id').inTable('assets').onDelete('CASCADE');
    t.integer('part_index').notNullable();
    t.primary(['version_id', 'part_index'], { constraintName: 'pk_asset_parts' });
    t.unique(['asset_id'], { indexName: 'uq_asset_parts_asset_id' });
    t.check('part_index >= 2', [], 'ck_asset_parts_index');
    t.check('version_id <> asset_id', [], 'ck_asset_parts_not_self');
  });
  // Asset keys by prefix (a Plex show's or movie's files, `<collectionId>:<ratingKey>:...`): removal
  // checks range-scan only the prefixes that changed (text_pattern_ops: bytewise, any collation).
  await knex.raw(
    `CREATE INDEX ix_provider_refs_asset_keys ON provider_refs (provider, provider_key text_pattern_ops) WHERE entity_type = 'asset'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS ix_provider_refs_asset_keys');
  await knex.schema.dropTableIfExists('asset_parts');
  await knex.schema.alterTable('assets', (t) => {
    t.dropColumn('edition');
  });
}
