import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { Asset, Episode, PathMapping, ProviderRef, Season, Source, SourceCollection, Title } from '../server/models/index.js';
import { seed as seedDemo } from '../seeds/01_demo_library.js';
import { seed as seedSynthetic } from '../seeds/02_synthetic_library.js';
import { snapshotCounts } from './support/database.js';

/** The tables DB_SCHEMA.md promises. */
const DB_SCHEMA_TABLES = [
  'titles',
  'seasons',
  'episodes',
  'assets',
  'episode_assets',
  'markers',
  'review_queue',
  'provider_refs',
  'sources',
  'source_collections',
  'path_mappings',
];
import { db } from './support/harness.js';

/** Runs a raw write that the database itself must refuse with `sqlState`, inside a savepoint. */
async function refused(write: (trx: Knex.Transaction) => Promise<unknown>, sqlState: string, constraint?: string) {
  let error: { code?: string; constraint?: string } | undefined;
  await db()
    .transaction(async (trx) => {
      try {
        await write(trx);
      } catch (err) {
        error = err as typeof error;
      }
      throw new Error('rollback');
    })
    .catch(() => undefined);
  assert.ok(error, 'the database accepted a row it must refuse');
  assert.equal(error.code, sqlState, `expected SQLSTATE ${sqlState}, got ${error.code}`);
  if (constraint) assert.equal(error.constraint, constraint);
}

async function insertShow(name = 'Show', kind = 'show'): Promise<string> {
  const [row] = await db()('titles').insert({ kind, name, year: 1990 }).returning('id');
  return (row as { id: string }).id;
}

async function insertAsset(uri: string, extra: Record<string, unknown> = {}): Promise<string> {
  const [row] = await db()('assets')
    .insert({ uri, size: 10, ...extra })
    .returning('id');
  return (row as { id: string }).id;
}

describe('schema', () => {
  describe('migrations', () => {
    it('rolls back to an empty schema and migrates up again', async () => {
      const [, rolledBack] = (await db().migrate.rollback(undefined, true)) as [number, string[]];
      assert.ok(rolledBack.length >= 1);
      const { rows } = await db().raw(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'knex_%'`,
      );
      assert.deepEqual(rows, []);
      const { rows: functions } = await db().raw(`SELECT proname FROM pg_proc WHERE proname LIKE 'retrovue_%'`);
      assert.deepEqual(functions, []);
      await db().migrate.latest();
      const tables = Object.keys(await snapshotCounts(db()));
      for (const table of DB_SCHEMA_TABLES) assert.ok(tables.includes(table), `${table} is back`);
    });

    it('has an index on every foreign key column', async () => {
      const { rows } = await db().raw(`
        SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND NOT EXISTS (
          SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])`);
      assert.deepEqual(rows, [], `foreign keys without a leading index: ${JSON.stringify(rows)}`);
    });

    it('keeps the documented column types and defaults', async () => {
      const { rows } = await db().raw(`
        SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'assets' ORDER BY ordinal_position`);
      const byName = Object.fromEntries(
        (rows as Array<{ column_name: string; data_type: string; column_default: string | null }>).map((r) => [r.column_name, r]),
      );
      assert.equal(byName.id!.data_type, 'uuid');
      assert.match(byName.id!.column_default ?? '', /gen_random_uuid/);
      assert.equal(byName.size!.data_type, 'bigint');
      assert.equal(byName.discovered_at!.data_type, 'timestamp with time zone');
      assert.equal(byName.canonical!.column_default, 'false');
    });
  });

  describe('constraints', () => {
    it('titles: kind, blank name and year are checked', async () => {
      await refused((t) => t('titles').insert({ kind: 'series', name: 'X' }), '23514', 'ck_titles_kind');
      await refused((t) => t('titles').insert({ kind: 'show', name: '  ' }), '23514', 'ck_titles_name_not_blank');
      await refused((t) => t('titles').insert({ kind: 'show', name: 'X', year: -5 }), '23514', 'ck_titles_year');
      await refused(
        async (t) => {
          await t('titles').insert({ kind: 'show', name: 'Dup', year: 2000 });
          await t('titles').insert({ kind: 'show', name: 'DUP', year: 2000 });
        },
        '23505',
        'uq_titles_identity',
      );
      await insertShow('Fine');
      assert.equal((await snapshotCounts(db())).titles, 1);
    });

    it('seasons: one number per title, non-negative, only for shows', async () => {
      const show = await insertShow();
      const movie = await insertShow('A movie', 'movie');
      await db()('seasons').insert({ title_id: show, number: 1 });
      await refused((t) => t('seasons').insert({ title_id: show, number: 1 }), '23505', 'uq_seasons_title_number');
      await refused((t) => t('seasons').insert({ title_id: show, number: -1 }), '23514', 'ck_seasons_number');
      await refused((t) => t('seasons').insert({ title_id: movie, number: 1 }), '23514', 'ck_seasons_title_is_show');
      await refused((t) => t('titles').update({ kind: 'movie' }).where({ id: show }), '23514', 'ck_seasons_title_is_show');
      await refused((t) => t('seasons').insert({ title_id: '00000000-0000-4000-8000-000000000000', number: 1 }), '23503');
    });

    it('episodes: one number per season, season of the same title, numbered in a season', async () => {
      const show = await insertShow();
      const other = await insertShow('Other');
      const [season] = await db()('seasons').insert({ title_id: show, number: 1 }).returning('id');
      const seasonId = (season as { id: string }).id;
      await db()('episodes').insert({ title_id: show, season_id: seasonId, number: 1 });
      await refused(
        (t) => t('episodes').insert({ title_id: show, season_id: seasonId, number: 1 }),
        '23505',
        'uq_episodes_season_number',
      );
      await refused(
        (t) => t('episodes').insert({ title_id: other, season_id: seasonId, number: 2 }),
        '23503',
        'fk_episodes_season_of_title',
      );
      await refused(
        (t) => t('episodes').insert({ title_id: show, season_id: seasonId, number: null }),
        '23514',
        'ck_episodes_numbered_in_season',
      );
      await refused((t) => t('episodes').insert({ title_id: show, number: -3 }), '23514', 'ck_episodes_number');
    });

    it('assets: unique uri, non-negative size and duration, hex hash', async () => {
      await insertAsset('file:///a.mkv');
      await refused((t) => t('assets').insert({ uri: 'file:///a.mkv', size: 1 }), '23505', 'uq_assets_uri');
      await refused((t) => t('assets').insert({ uri: 'file:///b.mkv', size: -1 }), '23514', 'ck_assets_size');
      await refused((t) => t('assets').insert({ uri: 'file:///b.mkv', size: 1, duration_ms: -1 }), '23514', 'ck_assets_duration');
      await refused((t) => t('assets').insert({ uri: 'file:///b.mkv', size: 1, hash_sha256: 'xyz' }), '23514', 'ck_assets_hash');
      await insertAsset('file:///c.mkv', { hash_sha256: 'a'.repeat(64), duration_ms: 0 });
    });

    it('markers: 0 <= start_ms <= end_ms', async () => {
      const asset = await insertAsset('file:///m.mkv');
      await refused(
        (t) => t('markers').insert({ asset_id: asset, kind: 'avail', start_ms: 10, end_ms: 5 }),
        '23514',
        'ck_markers_range',
      );
      await refused(
        (t) => t('markers').insert({ asset_id: asset, kind: 'avail', start_ms: -1, end_ms: 5 }),
        '23514',
        'ck_markers_range',
      );
      await db()('markers').insert({ asset_id: asset, kind: 'avail', start_ms: 5, end_ms: 5 });
    });

    it('review_queue: status, confidence range and resolved_at consistency', async () => {
      const asset = await insertAsset('file:///r.mkv');
      const base = { asset_id: asset, reason: 'why' };
      await refused((t) => t('review_queue').insert({ ...base, confidence: 1.5 }), '23514', 'ck_review_queue_confidence');
      await refused((t) => t('review_queue').insert({ ...base, confidence: -0.1 }), '23514', 'ck_review_queue_confidence');
      await refused(
        (t) => t('review_queue').insert({ ...base, confidence: 0.5, status: 'done', resolved_at: new Date() }),
        '23514',
        'ck_review_queue_status',
      );
      await refused(
        (t) => t('review_queue').insert({ ...base, confidence: 0.5, status: 'resolved' }),
        '23514',
        'ck_review_queue_resolved_at',
      );
      const [row] = await db()('review_queue')
        .insert({ ...base, confidence: 0 })
        .returning('*');
      assert.equal((row as { status: string }).status, 'pending');
    });

    it('provider_refs: entity type, unique key, polymorphic integrity', async () => {
      const title = await insertShow();
      const asset = await insertAsset('file:///p.mkv');
      const ref = { provider: 'tmdb', provider_key: '1' };
      await refused(
        (t) => t('provider_refs').insert({ ...ref, entity_type: 'season', entity_id: title, title_id: title }),
        '23514',
      );
      // The foreign key must match entity_type ...
      await refused(
        (t) => t('provider_refs').insert({ ...ref, entity_type: 'title', entity_id: asset, asset_id: asset }),
        '23514',
        'ck_provider_refs_polymorphic',
      );
      // ... equal entity_id ...
      await refused(
        (t) => t('provider_refs').insert({ ...ref, entity_type: 'asset', entity_id: title, asset_id: asset }),
        '23514',
        'ck_provider_refs_polymorphic',
      );
      // ... and be the only one set.
      await refused(
        (t) => t('provider_refs').insert({ ...ref, entity_type: 'title', entity_id: title, title_id: title, asset_id: asset }),
        '23514',
        'ck_provider_refs_polymorphic',
      );
      await db()('provider_refs').insert({ ...ref, entity_type: 'title', entity_id: title, title_id: title });
      await refused(
        (t) => t('provider_refs').insert({ ...ref, entity_type: 'title', entity_id: title, title_id: title }),
        '23505',
        'uq_provider_refs_provider_key',
      );
      await db()('provider_refs').insert({ ...ref, entity_type: 'asset', entity_id: asset, asset_id: asset });
    });

    it('sources, collections and path mappings: uniques, kinds, updated_at', async () => {
      const [src] = await db()('sources').insert({ external_id: 's1', name: 'S', kind: 'plex' }).returning('*');
      const source = src as { id: string; updated_at: Date; created_at: Date };
      await refused(
        (t) => t('sources').insert({ external_id: 's1', name: 'S2', kind: 'plex' }),
        '23505',
        'uq_sources_external_id',
      );
      await refused((t) => t('sources').insert({ external_id: 's2', name: 'S2', kind: 'ftp' }), '23514', 'ck_sources_kind');
      const [col] = await db()('source_collections')
        .insert({ source_id: source.id, external_id: '1', name: 'TV' })
        .returning('*');
      const collection = col as { id: string; enabled: boolean; updated_at: Date };
      assert.equal(collection.enabled, false);
      await refused(
        (t) => t('source_collections').insert({ source_id: source.id, external_id: '1', name: 'TV' }),
        '23505',
        'uq_source_collections_source_external',
      );
      await db()('path_mappings').insert({ collection_id: collection.id, plex_path: 'D:\\TV', local_path: '/mnt/tv' });
      await refused(
        (t) => t('path_mappings').insert({ collection_id: collection.id, plex_path: 'D:\\TV', local_path: '/x' }),
        '23505',
        'uq_path_mappings_collection_plex_path',
      );

      await new Promise((r) => setTimeout(r, 5));
      const [updatedSource] = await db()('sources').update({ name: 'Renamed' }).where({ id: source.id }).returning('*');
      assert.ok((updatedSource as { updated_at: Date }).updated_at > source.updated_at);
      const [updatedCollection] = await db()('source_collections')
        .update({ enabled: true })
        .where({ id: collection.id })
        .returning('*');
      assert.ok((updatedCollection as { updated_at: Date }).updated_at > collection.updated_at);
    });

    it('at most one canonical asset per episode, on link and on update', async () => {
      const show = await insertShow();
      const [ep] = await db()('episodes').insert({ title_id: show, number: 1 }).returning('id');
      const episode = (ep as { id: string }).id;
      const a = await insertAsset('file:///1.mkv', { canonical: true });
      const b = await insertAsset('file:///2.mkv', { canonical: true });
      const c = await insertAsset('file:///3.mkv');
      await db()('episode_assets').insert([
        { episode_id: episode, asset_id: a },
        { episode_id: episode, asset_id: c },
      ]);
      await refused(
        (t) => t('episode_assets').insert({ episode_id: episode, asset_id: b }),
        '23505',
        'uq_episode_canonical_asset',
      );
      await refused((t) => t('assets').update({ canonical: true }).where({ id: c }), '23505', 'uq_episode_canonical_asset');
      await db()('assets').update({ canonical: false }).where({ id: a });
      await db()('assets').update({ canonical: true }).where({ id: c });
    });
  });

  describe('cascades', () => {
    it('deleting a title removes its seasons, episodes, links and refs, and nothing else', async () => {
      await seedDemo(db());
      const cheers = await Title.query(db()).findOne({ name: 'Cheers' }).withGraphFetched('[seasons, episodes.assets]');
      assert.ok(cheers);
      const before = await snapshotCounts(db());
      const episodeIds = cheers.episodes!.map((e) => e.id);
      const links = await db()('episode_assets').whereIn('episode_id', episodeIds);
      const episodeRefs = await db()('provider_refs').whereIn('episode_id', episodeIds).orWhere('title_id', cheers.id);

      await Title.query(db()).deleteById(cheers.id);

      const after = await snapshotCounts(db());
      assert.equal(after.titles, before.titles! - 1);
      assert.equal(after.seasons, before.seasons! - cheers.seasons!.length);
      assert.equal(after.episodes, before.episodes! - episodeIds.length);
      assert.equal(after.episode_assets, before.episode_assets! - links.length);
      assert.equal(after.provider_refs, before.provider_refs! - episodeRefs.length);
      // Files are not the title's: assets and their markers stay, unlinked.
      assert.equal(after.assets, before.assets);
      assert.equal(after.markers, before.markers);
      assert.equal(after.sources, before.sources);
    });

    it('deleting an asset removes its markers, reviews, links and refs', async () => {
      await seedDemo(db());
      const asset = await Asset.query(db()).findOne({ canonical: true }).withGraphFetched('[markers, episodes]');
      assert.ok(asset && asset.markers!.length > 0);
      await Asset.query(db()).deleteById(asset.id);
      assert.equal((await db()('markers').where({ asset_id: asset.id })).length, 0);
      assert.equal((await db()('episode_assets').where({ asset_id: asset.id })).length, 0);
      assert.ok(await Episode.query(db()).findById(asset.episodes![0]!.id), 'the episode stays');
    });

    it('deleting a source removes its collections and path mappings', async () => {
      await seedDemo(db());
      const source = await Source.query(db()).findOne({ kind: 'plex' });
      await Source.query(db()).deleteById(source!.id);
      assert.equal((await SourceCollection.query(db()).where({ source_id: source!.id })).length, 0);
      assert.equal((await PathMapping.query(db())).length, 0);
      assert.equal((await Source.query(db())).length, 1);
    });
  });

  describe('relations', () => {
    beforeEach(() => seedDemo(db()));

    it('title -> seasons -> episodes -> assets, and back', async () => {
      const show = await Title.query(db())
        .findOne({ name: 'Cheers' })
        .withGraphFetched('[seasons(ordered).episodes(ordered).assets, providerRefs]');
      assert.deepEqual(
        show!.seasons!.map((s) => s.number),
        [1, 2],
      );
      const episode = show!.seasons![0]!.episodes![0]!;
      assert.equal(episode.number, 1);
      assert.equal(episode.assets!.length, 2);
      assert.equal(show!.providerRefs![0]!.provider, 'tmdb');

      const back = await Asset.query(db()).findById(episode.assets![0]!.id).withGraphFetched('episodes.[season.title, title]');
      assert.equal(back!.episodes![0]!.season!.title!.name, 'Cheers');
      assert.equal(back!.episodes![0]!.title!.id, show!.id);
      const season = await Season.query(db()).findById(show!.seasons![0]!.id).withGraphFetched('[title, episodes]');
      assert.equal(season!.title!.id, show!.id);
      assert.equal(season!.episodes!.length, 3);
    });

    it('asset -> markers, reviews, provider refs; provider ref -> its entity', async () => {
      const movie = await Title.query(db())
        .findOne({ name: 'Back to the Future' })
        .withGraphFetched('episodes.assets.[markers, providerRefs, reviews]');
      const asset = movie!.episodes![0]!.assets![0]!;
      assert.equal(asset.markers!.length, 1);
      assert.equal(asset.providerRefs!.length, 1);
      assert.deepEqual(asset.reviews, []);
      const ref = await ProviderRef.query(db()).findById(asset.providerRefs![0]!.id).withGraphFetched('[asset, title, episode]');
      assert.equal(ref!.asset!.id, asset.id);
      assert.equal(ref!.title, null);
      const pending = await db()('review_queue').where({ status: 'pending' }).first();
      const withReviews = await Asset.query(db()).findById(pending.asset_id).withGraphFetched('reviews.asset');
      assert.equal(withReviews!.reviews![0]!.asset!.id, pending.asset_id);
    });

    it('source -> collections -> path mappings, and back', async () => {
      const source = await Source.query(db()).findOne({ kind: 'plex' }).withGraphFetched('collections(ordered).pathMappings');
      assert.equal(source!.collections!.length, 2);
      const mapping = source!.collections!.flatMap((c) => c.pathMappings!)[0]!;
      const back = await PathMapping.query(db()).findById(mapping.id).withGraphFetched('collection.source');
      assert.equal(back!.collection!.source!.id, source!.id);
    });

    it('refuses graphs outside the allow-list', async () => {
      await assert.rejects(
        async () => Title.query(db()).withGraphFetched('seasons.title.seasons').allowGraph('seasons.episodes'),
        /not allowed/i,
      );
    });
  });

  describe('types on both drivers', () => {
    it('timestamps are Dates, bigint sizes and counts are numbers, jsonb is an object', async () => {
      await seedDemo(db());
      const asset = await db()('assets').first();
      assert.ok(asset.discovered_at instanceof Date);
      assert.equal(typeof asset.size, 'number');
      const { n } = (await db()('assets').count({ n: '*' }).first()) as { n: unknown };
      assert.equal(typeof n, 'number');
      const title = await db()('titles').whereNotNull('external_ids').first();
      assert.equal(typeof title.external_ids, 'object');
    });
  });

  describe('seeds', () => {
    it('loads the demo library, and loading it twice gives the same library', async () => {
      await seedDemo(db());
      const first = await snapshotCounts(db());
      const firstTitles = await db()('titles').orderBy('id').select('id', 'name');
      await seedDemo(db());
      assert.deepEqual(await snapshotCounts(db()), first);
      assert.deepEqual(await db()('titles').orderBy('id').select('id', 'name'), firstTitles);
      assert.ok(first.titles! >= 4 && first.markers! > 0 && first.review_queue === 3 && first.sources === 2);
      const statuses = await db()('review_queue').distinct('status').pluck('status');
      assert.deepEqual(statuses.sort(), ['pending', 'rejected', 'resolved']);
      const multiVersion = await db()('episode_assets').select('episode_id').groupBy('episode_id').havingRaw('count(*) > 1');
      assert.ok(multiVersion.length > 0);
    });

    it('generates a synthetic library of the requested size', async () => {
      process.env.RETROVUE_SYNTHETIC_SHOWS = '3';
      process.env.RETROVUE_SYNTHETIC_SEASONS = '2';
      process.env.RETROVUE_SYNTHETIC_EPISODES = '4';
      try {
        await seedSynthetic(db());
        await seedSynthetic(db());
      } finally {
        delete process.env.RETROVUE_SYNTHETIC_SHOWS;
        delete process.env.RETROVUE_SYNTHETIC_SEASONS;
        delete process.env.RETROVUE_SYNTHETIC_EPISODES;
      }
      const counts = await snapshotCounts(db());
      assert.equal(counts.titles, 3);
      assert.equal(counts.seasons, 6);
      assert.equal(counts.episodes, 24);
      assert.equal(counts.assets, 24);
      assert.equal(counts.episode_assets, 24);
      assert.equal(counts.provider_refs, 24);
    });
  });
});
