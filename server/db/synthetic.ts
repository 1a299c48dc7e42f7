import type { Knex } from 'knex';

export interface SyntheticSize {
  shows: number;
  seasonsPerShow: number;
  episodesPerSeason: number;
}

export const BENCH_LIBRARY: SyntheticSize = { shows: 1000, seasonsPerShow: 5, episodesPerSeason: 20 };

/**
 * A synthetic library built entirely inside the database, one `INSERT ... SELECT generate_series`
 * per table (with an ANALYZE between, so the joins that derive links and refs are planned
 * on real statistics): shows x seasons x episodes, each episode with one canonical asset, its link and one
 * provider ref. Names and uris are deterministic, so the ingest benchmark can send the same library
 * as normalized items. This is also the benchmark's bound: the fastest the database can write it.
 */
export async function insertSyntheticLibrary(db: Knex, size: SyntheticSize, prefix = 'Synthetic'): Promise<void> {
  const { shows, seasonsPerShow, episodesPerSeason } = size;
  await db.transaction(async (trx) => {
    await trx.raw(
      `INSERT INTO titles (kind, name, year)
       SELECT 'show', ? || ' Show ' || lpad(s::text, 5, '0'), 1950 + s % 70 FROM generate_series(1, ?) s`,
      [prefix, shows],
    );
    await trx.raw('ANALYZE titles');
    await trx.raw(
      `INSERT INTO seasons (title_id, number)
       SELECT t.id, n FROM titles t CROSS JOIN generate_series(1, ?) n WHERE t.name LIKE ? || ' Show %'`,
      [seasonsPerShow, prefix],
    );
    await trx.raw('ANALYZE seasons');
    await trx.raw(
      `INSERT INTO episodes (title_id, season_id, number, name)
       SELECT s.title_id, s.id, e, 'Episode ' || e FROM seasons s JOIN titles t ON t.id = s.title_id
       CROSS JOIN generate_series(1, ?) e WHERE t.name LIKE ? || ' Show %'`,
      [episodesPerSeason, prefix],
    );
    await trx.raw('ANALYZE episodes');
    await trx.raw(
      `INSERT INTO assets (uri, size, duration_ms, video_codec, audio_codec, container, canonical)
       SELECT 'synthetic://' || t.name || '/S' || lpad(s.number::text, 2, '0') || 'E' || lpad(e.number::text, 2, '0') || '.mkv',
              100000000 + e.number, 1320000 + e.number * 1000, 'h264', 'aac', 'mkv', true
       FROM episodes e JOIN seasons s ON s.id = e.season_id JOIN titles t ON t.id = e.title_id
       WHERE t.name LIKE ? || ' Show %'`,
      [prefix],
    );
    await trx.raw('ANALYZE assets');
    await trx.raw(
      `INSERT INTO episode_assets (episode_id, asset_id)
       SELECT e.id, a.id FROM episodes e JOIN seasons s ON s.id = e.season_id JOIN titles t ON t.id = e.title_id
       JOIN assets a ON a.uri = 'synthetic://' || t.name || '/S' || lpad(s.number::text, 2, '0') || 'E' || lpad(e.number::text, 2, '0') || '.mkv'
       WHERE t.name LIKE ? || ' Show %'`,
      [prefix],
    );
    await trx.raw(
      `INSERT INTO provider_refs (entity_type, entity_id, provider, provider_key, episode_id)
       SELECT 'episode', e.id, 'synthetic', t.name || '/' || s.number || '/' || e.number, e.id
       FROM episodes e JOIN seasons s ON s.id = e.season_id JOIN titles t ON t.id = e.title_id
       WHERE t.name LIKE ? || ' Show %'`,
      [prefix],
    );
  });
}
