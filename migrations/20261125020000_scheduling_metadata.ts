import type { Knex } from 'knex';

/**
 * What the scheduler programs with (issue 16), all additive:
 * - metadata on titles and episodes (genres, content rating, summary, original date, studio/network),
 *   with `locked_fields`: the fields a person edited, which the next sync leaves alone;
 * - `episodes.shuffle_key`: a stored random permutation, so a seeded random page is an index range scan;
 * - `assets.missing_since`: when a file disappeared from its source (NULL while present);
 * - pg_trgm indexes for typo-forgiving search, a slug index for `playout.get` by slug.
 */

const METADATA = (t: Knex.AlterTableBuilder, knex: Knex) => {
  t.specificType('genres', 'text[]').notNullable().defaultTo(knex.raw(`'{}'::text[]`));
  t.string('content_rating', 50);
  t.text('summary');
  t.date('originally_available_at');
  t.string('studio', 255);
  t.specificType('locked_fields', 'text[]').notNullable().defaultTo(knex.raw(`'{}'::text[]`));
};

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  // Lowercase ASCII words joined by '-': "The X-Files" -> "the-x-files". IMMUTABLE so it can be indexed.
  await knex.raw(`CREATE FUNCTION retrovue_slug(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g'), '-') $$`);

  await knex.schema.alterTable('titles', (t) => METADATA(t, knex));
  await knex.schema.alterTable('episodes', (t) => {
    METADATA(t, knex);
    // Volatile default: every existing and new row draws its own key.
    t.integer('shuffle_key').notNullable().defaultTo(knex.raw('(floor(random() * 2147483647))::int'));
  });
  await knex.schema.alterTable('assets', (t) => {
    t.timestamp('missing_since', { useTz: true });
  });

  await knex.raw(`CREATE INDEX ix_titles_genres ON titles USING gin (genres)`);
  await knex.raw(`CREATE INDEX ix_titles_content_rating ON titles (content_rating)`);
  await knex.raw(`CREATE INDEX ix_titles_name_trgm ON titles USING gin (name gin_trgm_ops)`);
  await knex.raw(`CREATE INDEX ix_titles_slug ON titles (retrovue_slug(name), year)`);
  await knex.raw(`CREATE INDEX ix_episodes_name_trgm ON episodes USING gin (name gin_trgm_ops)`);
  await knex.raw(`CREATE INDEX ix_episodes_shuffle ON episodes (shuffle_key, id)`);
  await knex.raw(`CREATE INDEX ix_assets_missing_since ON assets (missing_since, id) WHERE missing_since IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  for (const index of [
    'ix_titles_genres',
    'ix_titles_content_rating',
    'ix_titles_name_trgm',
    'ix_titles_slug',
    'ix_episodes_name_trgm',
    'ix_episodes_shuffle',
    'ix_assets_missing_since',
  ])
    await knex.raw(`DROP INDEX IF EXISTS ${index}`);
  await knex.schema.alterTable('assets', (t) => t.dropColumn('missing_since'));
  const metadata = ['genres', 'content_rating', 'summary', 'originally_available_at', 'studio', 'locked_fields'];
  await knex.schema.alterTable('episodes', (t) => t.dropColumns(...metadata, 'shuffle_key'));
  await knex.schema.alterTable('titles', (t) => t.dropColumns(...metadata));
  await knex.raw('DROP FUNCTION IF EXISTS retrovue_slug(text)');
  await knex.raw('DROP EXTENSION IF EXISTS pg_trgm');
}
