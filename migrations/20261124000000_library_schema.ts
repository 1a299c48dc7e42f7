import type { Knex } from 'knex';

/**
 * The library schema of DB_SCHEMA.md, with the constraints it promises made real:
 * CHECKs for enums and ranges, business uniques, an index on every foreign key,
 * polymorphic integrity on provider_refs, at most one canonical asset per episode,
 * and updated_at maintained by the database.
 */

const uuidPk = (knex: Knex, t: Knex.CreateTableBuilder) => t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));

const createdAt = (knex: Knex, t: Knex.CreateTableBuilder, name = 'created_at') =>
  t.timestamp(name, { useTz: true }).notNullable().defaultTo(knex.fn.now());

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('titles', (t) => {
    uuidPk(knex, t);
    t.string('kind', 50).notNullable();
    t.string('name', 255).notNullable();
    t.integer('year');
    t.jsonb('external_ids');
    createdAt(knex, t);
    t.check(`kind IN ('movie', 'show')`, [], 'ck_titles_kind');
    t.check(`length(btrim(name)) > 0`, [], 'ck_titles_name_not_blank');
    t.check(`year IS NULL OR year BETWEEN 1800 AND 9999`, [], 'ck_titles_year');
    t.index(['name', 'id'], 'ix_titles_name_id');
    t.index(['kind', 'name', 'id'], 'ix_titles_kind_name_id');
    t.index(['year'], 'ix_titles_year');
  });

  // A title's identity for ingest upserts: one movie or show per (kind, name ignoring case, year).
  await knex.raw(`CREATE UNIQUE INDEX uq_titles_identity ON titles (kind, lower(name), (coalesce(year, 0)))`);

  await knex.schema.createTable('seasons', (t) => {
    uuidPk(knex, t);
    t.uuid('title_id').notNullable().references('id').inTable('titles').onDelete('CASCADE');
    t.integer('number').notNullable();
    createdAt(knex, t);
    t.check(`number >= 0`, [], 'ck_seasons_number');
    t.unique(['title_id', 'number'], { indexName: 'uq_seasons_title_number' });
    // Target of episodes' composite key: an episode's season belongs to the episode's title.
    t.unique(['id', 'title_id'], { indexName: 'uq_seasons_id_title' });
  });

  await knex.schema.createTable('episodes', (t) => {
    uuidPk(knex, t);
    t.uuid('title_id').notNullable().references('id').inTable('titles').onDelete('CASCADE');
    t.uuid('season_id').references('id').inTable('seasons').onDelete('CASCADE');
    t.integer('number');
    t.string('name', 255);
    t.jsonb('external_ids');
    createdAt(knex, t);
    t.check(`number IS NULL OR number >= 0`, [], 'ck_episodes_number');
    t.check(`season_id IS NULL OR number IS NOT NULL`, [], 'ck_episodes_numbered_in_season');
    t.unique(['season_id', 'number'], { indexName: 'uq_episodes_season_number' });
    t.foreign(['season_id', 'title_id'], 'fk_episodes_season_of_title')
      .references(['id', 'title_id'])
      .inTable('seasons')
      .onDelete('CASCADE');
    t.index(['title_id'], 'ix_episodes_title_id');
  });
  // Outside seasons (a movie's episode, a show's unseasoned specials): one episode per number per title.
  await knex.raw(
    `CREATE UNIQUE INDEX uq_episodes_unseasoned_number ON episodes (title_id, (coalesce(number, -1))) WHERE season_id IS NULL`,
  );

  await knex.schema.createTable('assets', (t) => {
    uuidPk(knex, t);
    t.text('uri').notNullable().unique({ indexName: 'uq_assets_uri' });
    t.bigInteger('size').notNullable();
    t.integer('duration_ms');
    t.string('video_codec', 50);
    t.string('audio_codec', 50);
    t.string('container', 50);
    t.string('hash_sha256', 64);
    createdAt(knex, t, 'discovered_at');
    t.boolean('canonical').notNullable().defaultTo(false);
    t.check(`length(uri) > 0`, [], 'ck_assets_uri_not_blank');
    t.check(`size >= 0`, [], 'ck_assets_size');
    t.check(`duration_ms IS NULL OR duration_ms >= 0`, [], 'ck_assets_duration');
    t.check(`hash_sha256 IS NULL OR hash_sha256 ~ '^[0-9a-f]{64}$'`, [], 'ck_assets_hash');
    t.index(['canonical'], 'ix_assets_canonical');
    t.index(['discovered_at', 'id'], 'ix_assets_discovered_at');
    t.index(['duration_ms', 'id'], 'ix_assets_duration_ms');
  });

  await knex.schema.createTable('episode_assets', (t) => {
    t.uuid('episode_id').notNullable().references('id').inTable('episodes').onDelete('CASCADE');
    t.uuid('asset_id').notNullable().references('id').inTable('assets').onDelete('CASCADE');
    t.primary(['episode_id', 'asset_id']);
    t.index(['asset_id'], 'ix_episode_assets_asset_id');
  });

  await knex.schema.createTable('provider_refs', (t) => {
    uuidPk(knex, t);
    t.string('entity_type', 50).notNullable();
    t.uuid('entity_id').notNullable();
    t.string('provider', 50).notNullable();
    t.text('provider_key').notNullable();
    t.jsonb('raw');
    t.uuid('title_id').references('id').inTable('titles').onDelete('CASCADE');
    t.uuid('episode_id').references('id').inTable('episodes').onDelete('CASCADE');
    t.uuid('asset_id').references('id').inTable('assets').onDelete('CASCADE');
    t.check(`entity_type IN ('title', 'episode', 'asset')`, [], 'ck_provider_refs_entity_type');
    t.check(`length(btrim(provider)) > 0 AND length(provider_key) > 0`, [], 'ck_provider_refs_key');
    // Exactly the foreign key that matches entity_type is set, and it equals entity_id.
    t.check(
      `(entity_type = 'title' AND title_id = entity_id AND episode_id IS NULL AND asset_id IS NULL)
        OR (entity_type = 'episode' AND episode_id = entity_id AND title_id IS NULL AND asset_id IS NULL)
        OR (entity_type = 'asset' AND asset_id = entity_id AND title_id IS NULL AND episode_id IS NULL)`,
      [],
      'ck_provider_refs_polymorphic',
    );
    t.unique(['provider', 'provider_key', 'entity_type'], { indexName: 'uq_provider_refs_provider_key' });
    t.index(['entity_type', 'entity_id'], 'ix_provider_refs_entity');
    t.index(['title_id'], 'ix_provider_refs_title_id');
    t.index(['episode_id'], 'ix_provider_refs_episode_id');
    t.index(['asset_id'], 'ix_provider_refs_asset_id');
  });

  await knex.schema.createTable('markers', (t) => {
    uuidPk(knex, t);
    t.uuid('asset_id').notNullable().references('id').inTable('assets').onDelete('CASCADE');
    t.string('kind', 50).notNullable();
    t.integer('start_ms').notNullable();
    t.integer('end_ms').notNullable();
    t.jsonb('payload');
    t.check(`length(btrim(kind)) > 0`, [], 'ck_markers_kind_not_blank');
    t.check(`start_ms >= 0 AND start_ms <= end_ms`, [], 'ck_markers_range');
    t.index(['asset_id', 'start_ms', 'id'], 'ix_markers_asset_id');
    t.index(['kind', 'id'], 'ix_markers_kind');
  });

  await knex.schema.createTable('review_queue', (t) => {
    uuidPk(knex, t);
    t.uuid('asset_id').notNullable().references('id').inTable('assets').onDelete('CASCADE');
    t.text('reason').notNullable();
    t.double('confidence').notNullable();
    t.string('status', 50).notNullable().defaultTo('pending');
    createdAt(knex, t);
    t.timestamp('resolved_at', { useTz: true });
    t.check(`length(btrim(reason)) > 0`, [], 'ck_review_queue_reason_not_blank');
    t.check(`confidence >= 0 AND confidence <= 1`, [], 'ck_review_queue_confidence');
    t.check(`status IN ('pending', 'resolved', 'rejected')`, [], 'ck_review_queue_status');
    t.check(`(status = 'pending') = (resolved_at IS NULL)`, [], 'ck_review_queue_resolved_at');
    t.index(['asset_id', 'created_at', 'id'], 'ix_review_queue_asset_id');
    t.index(['status', 'created_at', 'id'], 'ix_review_queue_status');
    t.index(['created_at', 'id'], 'ix_review_queue_created_at');
  });
  await knex.raw(`CREATE INDEX ix_review_queue_pending ON review_queue (created_at, id) WHERE status = 'pending'`);

  await knex.schema.createTable('sources', (t) => {
    uuidPk(knex, t);
    t.string('external_id', 255).notNullable().unique({ indexName: 'uq_sources_external_id' });
    t.string('name', 255).notNullable();
    t.string('kind', 50).notNullable();
    t.jsonb('config');
    createdAt(knex, t);
    createdAt(knex, t, 'updated_at');
    t.check(`kind IN ('plex', 'filesystem')`, [], 'ck_sources_kind');
    t.check(`length(btrim(name)) > 0 AND length(btrim(external_id)) > 0`, [], 'ck_sources_not_blank');
    t.index(['name', 'id'], 'ix_sources_name_id');
  });

  await knex.schema.createTable('source_collections', (t) => {
    uuidPk(knex, t);
    t.uuid('source_id').notNullable().references('id').inTable('sources').onDelete('CASCADE');
    t.string('external_id', 255).notNullable();
    t.string('name', 255).notNullable();
    t.boolean('enabled').notNullable().defaultTo(false);
    t.jsonb('config');
    createdAt(knex, t);
    createdAt(knex, t, 'updated_at');
    t.check(`length(btrim(name)) > 0 AND length(btrim(external_id)) > 0`, [], 'ck_source_collections_not_blank');
    t.unique(['source_id', 'external_id'], { indexName: 'uq_source_collections_source_external' });
    t.index(['source_id', 'name', 'id'], 'ix_source_collections_source_id');
    t.index(['enabled'], 'ix_source_collections_enabled');
    t.index(['name', 'id'], 'ix_source_collections_name_id');
  });

  await knex.schema.createTable('path_mappings', (t) => {
    uuidPk(knex, t);
    t.uuid('collection_id').notNullable().references('id').inTable('source_collections').onDelete('CASCADE');
    t.string('plex_path', 500).notNullable();
    t.string('local_path', 500).notNullable();
    createdAt(knex, t);
    t.check(`length(plex_path) > 0 AND length(local_path) > 0`, [], 'ck_path_mappings_not_blank');
    t.unique(['collection_id', 'plex_path'], { indexName: 'uq_path_mappings_collection_plex_path' });
    t.index(['collection_id'], 'ix_path_mappings_collection_id');
  });

  for (const statement of TRIGGERS_UP) await knex.raw(statement);
}

const TRIGGERS_UP: string[] = [
  `CREATE FUNCTION retrovue_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$`,
  `CREATE TRIGGER tr_sources_updated_at BEFORE UPDATE ON sources
  FOR EACH ROW EXECUTE FUNCTION retrovue_touch_updated_at()`,
  `CREATE TRIGGER tr_source_collections_updated_at BEFORE UPDATE ON source_collections
  FOR EACH ROW EXECUTE FUNCTION retrovue_touch_updated_at()`,
  // Seasons exist only for shows, and a title with seasons stays a show.
  `CREATE FUNCTION retrovue_season_title_is_show() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM titles WHERE id = NEW.title_id AND kind = 'show') THEN
    IF NOT EXISTS (SELECT 1 FROM titles WHERE id = NEW.title_id) THEN
      RETURN NEW; -- the foreign key reports the missing title
    END IF;
    RAISE EXCEPTION 'seasons belong only to shows'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_seasons_title_is_show', TABLE = 'seasons';
  END IF;
  RETURN NEW;
END $$`,
  `CREATE TRIGGER tr_seasons_title_is_show BEFORE INSERT OR UPDATE OF title_id ON seasons
  FOR EACH ROW EXECUTE FUNCTION retrovue_season_title_is_show()`,
  `CREATE FUNCTION retrovue_title_kind_keeps_seasons() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind <> 'show' AND EXISTS (SELECT 1 FROM seasons WHERE title_id = NEW.id) THEN
    RAISE EXCEPTION 'a title with seasons must stay a show'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_seasons_title_is_show', TABLE = 'titles';
  END IF;
  RETURN NEW;
END $$`,
  `CREATE TRIGGER tr_titles_kind_keeps_seasons BEFORE UPDATE OF kind ON titles
  FOR EACH ROW EXECUTE FUNCTION retrovue_title_kind_keeps_seasons()`,
  // At most one canonical asset per episode. Row triggers doing index lookups only: their cost
  // is flat whatever the table size, and the WHEN clause keeps every other asset update free.
  // plpgsql caches each plan from its first calls, when a fresh table is tiny and a sequential scan
  // looks cheapest; these functions only ever look up keys, so they are pinned to index plans.
  `CREATE FUNCTION retrovue_check_single_canonical(episode uuid) RETURNS void LANGUAGE plpgsql
  SET enable_seqscan = off AS $$
BEGIN
  -- Per link, a primary-key lookup: a join here plans as a scan of every canonical asset.
  IF (SELECT count(*) FROM episode_assets ea
      WHERE ea.episode_id = episode AND (SELECT a.canonical FROM assets a WHERE a.id = ea.asset_id)) > 1 THEN
    RAISE EXCEPTION 'an episode can have only one canonical asset'
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'uq_episode_canonical_asset', TABLE = 'episode_assets';
  END IF;
END $$`,
  `CREATE FUNCTION retrovue_check_canonical_link() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off AS $$
BEGIN
  IF (SELECT canonical FROM assets WHERE id = NEW.asset_id) THEN
    PERFORM retrovue_check_single_canonical(NEW.episode_id);
  END IF;
  RETURN NULL;
END $$`,
  `CREATE TRIGGER tr_episode_assets_single_canonical AFTER INSERT OR UPDATE ON episode_assets
  FOR EACH ROW EXECUTE FUNCTION retrovue_check_canonical_link()`,
  `CREATE FUNCTION retrovue_check_canonical_asset() RETURNS trigger LANGUAGE plpgsql
  SET enable_seqscan = off AS $$
DECLARE
  linked uuid;
BEGIN
  FOR linked IN SELECT episode_id FROM episode_assets WHERE asset_id = NEW.id LOOP
    PERFORM retrovue_check_single_canonical(linked);
  END LOOP;
  RETURN NULL;
END $$`,
  `CREATE TRIGGER tr_assets_single_canonical AFTER UPDATE OF canonical ON assets
  FOR EACH ROW WHEN (NEW.canonical AND NOT OLD.canonical) EXECUTE FUNCTION retrovue_check_canonical_asset()`,
];

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'path_mappings',
    'source_collections',
    'sources',
    'review_queue',
    'markers',
    'provider_refs',
    'episode_assets',
    'assets',
    'episodes',
    'seasons',
    'titles',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  for (const fn of [
    'retrovue_touch_updated_at',
    'retrovue_season_title_is_show',
    'retrovue_title_kind_keeps_seasons',
    'retrovue_check_canonical_link',
    'retrovue_check_canonical_asset',
  ]) {
    await knex.raw(`DROP FUNCTION IF EXISTS ${fn}()`);
  }
  await knex.raw('DROP FUNCTION IF EXISTS retrovue_check_single_canonical(uuid)');
}
