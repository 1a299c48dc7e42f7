import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { withActor } from '../server/db/actor.js';

/**
 * The demo library: two shows with seasons and episodes, two movies, several versions of some
 * episodes (one canonical), markers, provider refs, a Plex and a filesystem source with
 * collections and path mappings, and review items in every status.
 * Idempotent and merging: rows are matched by natural keys (a title's kind, name and year, an asset's
 * uri, a source's externalId, ...), so it adds to any library, and running it twice changes nothing.
 */

/** A stable UUID (v5 layout) for a demo row, so every run writes the same ids. */
const id = (name: string): string => {
  const h = createHash('sha1').update(`retrovue-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
};

const json = (value: unknown) => JSON.stringify(value);

interface DemoShow {
  key: string;
  name: string;
  year: number;
  tmdb: number;
  seasons: Array<{ number: number; episodes: string[] }>;
}

const SHOWS: DemoShow[] = [
  {
    key: 'cheers',
    name: 'Cheers',
    year: 1982,
    tmdb: 3943,
    seasons: [
      { number: 1, episodes: ['Give Me a Ring Sometime', 'Sams Women', 'The Tortelli Tort'] },
      { number: 2, episodes: ['Power Play', 'Little Sister Dont Cha', 'Personal Business'] },
    ],
  },
  {
    key: 'twilight-zone',
    name: 'The Twilight Zone',
    year: 1959,
    tmdb: 6357,
    seasons: [
      {
        number: 1,
        episodes: ['Where Is Everybody?', 'One for the Angels', 'Mr. Denton on Doomsday', 'The Sixteen-Millimeter Shrine'],
      },
    ],
  },
];

const MOVIES = [
  { key: 'back-to-the-future', name: 'Back to the Future', year: 1985, tmdb: 105, durationMs: 6960000 },
  { key: 'the-thing', name: 'The Thing', year: 1982, tmdb: 1091, durationMs: 6540000 },
];

/** The change log names the seed as the author of what it writes. */
export const seed = (knex: Knex): Promise<void> => withActor('seed', () => seedLibrary(knex));

async function seedLibrary(knex: Knex): Promise<void> {
  const titles: Array<Record<string, unknown>> = [];
  const seasons: Array<Record<string, unknown>> = [];
  const episodes: Array<Record<string, unknown>> = [];
  const assets: Array<Record<string, unknown>> = [];
  const links: Array<Record<string, unknown>> = [];
  const markers: Array<Record<string, unknown>> = [];
  const refs: Array<Record<string, unknown>> = [];

  const addAsset = (key: string, episodeId: string, uri: string, durationMs: number, canonical: boolean, codec = 'h264') => {
    const assetId = id(`asset:${key}`);
    assets.push({
      id: assetId,
      uri,
      size: Math.round(durationMs * 187.5),
      duration_ms: durationMs,
      video_codec: codec,
      audio_codec: codec === 'mpeg2video' ? 'ac3' : 'aac',
      container: uri.endsWith('.mp4') ? 'mp4' : 'mkv',
      canonical,
    });
    links.push({ episode_id: episodeId, asset_id: assetId });
    return assetId;
  };

  for (const show of SHOWS) {
    const titleId = id(`title:${show.key}`);
    titles.push({ id: titleId, kind: 'show', name: show.name, year: show.year, external_ids: json({ tmdb: show.tmdb }) });
    refs.push({
      id: id(`ref:tmdb:${show.key}`),
      entity_type: 'title',
      entity_id: titleId,
      title_id: titleId,
      provider: 'tmdb',
      provider_key: String(show.tmdb),
    });
    for (const season of show.seasons) {
      const seasonId = id(`season:${show.key}:${season.number}`);
      seasons.push({ id: seasonId, title_id: titleId, number: season.number });
      season.episodes.forEach((name, i) => {
        const number = i + 1;
        const key = `${show.key}:s${season.number}e${number}`;
        const episodeId = id(`episode:${key}`);
        episodes.push({ id: episodeId, title_id: titleId, season_id: seasonId, number, name });
        const code = `S${String(season.number).padStart(2, '0')}E${String(number).padStart(2, '0')}`;
        const durationMs = 1_500_000 + number * 7_000;
        const assetId = addAsset(
          key,
          episodeId,
          `file:///mnt/tv/${show.name}/Season ${season.number}/${show.name} - ${code} - ${name}.mkv`,
          durationMs,
          true,
        );
        refs.push({
          id: id(`ref:plex:${key}`),
          entity_type: 'episode',
          entity_id: episodeId,
          episode_id: episodeId,
          provider: 'plex',
          provider_key: `demo-plex:${key}`,
          raw: json({ title: name, index: number, parentIndex: season.number }),
        });
        markers.push(
          {
            id: id(`marker:${key}:intro`),
            asset_id: assetId,
            kind: 'chapter',
            start_ms: 0,
            end_ms: 60_000,
            payload: json({ title: 'Cold open' }),
          },
          {
            id: id(`marker:${key}:avail`),
            asset_id: assetId,
            kind: 'avail',
            start_ms: 720_000,
            end_ms: 720_000,
            payload: json({ breakLengthMs: 120_000 }),
          },
          {
            id: id(`marker:${key}:bumper`),
            asset_id: assetId,
            kind: 'bumper',
            start_ms: durationMs - 30_000,
            end_ms: durationMs,
            payload: null,
          },
        );
        // The first episode of each show also has an older, non-canonical broadcast capture.
        if (number === 1)
          addAsset(
            `${key}:broadcast`,
            episodeId,
            `file:///mnt/tv/${show.name}/Season ${season.number}/${show.name} - ${code} - broadcast.mpg.mkv`,
            durationMs + 4_000,
            false,
            'mpeg2video',
          );
      });
    }
  }

  for (const movie of MOVIES) {
    const titleId = id(`title:${movie.key}`);
    const episodeId = id(`episode:${movie.key}`);
    titles.push({ id: titleId, kind: 'movie', name: movie.name, year: movie.year, external_ids: json({ tmdb: movie.tmdb }) });
    episodes.push({ id: episodeId, title_id: titleId, season_id: null, number: null, name: movie.name });
    const assetId = addAsset(
      movie.key,
      episodeId,
      `file:///mnt/movies/${movie.name} (${movie.year})/${movie.name} (${movie.year}).mp4`,
      movie.durationMs,
      true,
    );
    refs.push(
      {
        id: id(`ref:tmdb:${movie.key}`),
        entity_type: 'title',
        entity_id: titleId,
        title_id: titleId,
        provider: 'tmdb',
        provider_key: String(movie.tmdb),
      },
      {
        id: id(`ref:plex-asset:${movie.key}`),
        entity_type: 'asset',
        entity_id: assetId,
        asset_id: assetId,
        provider: 'plex',
        provider_key: `demo-plex:media:${movie.key}`,
      },
    );
    markers.push({
      id: id(`marker:${movie.key}:credits`),
      asset_id: assetId,
      kind: 'chapter',
      start_ms: movie.durationMs - 300_000,
      end_ms: movie.durationMs,
      payload: json({ title: 'Credits' }),
    });
  }

  // Files waiting for a person: not linked to any episode yet.
  const orphanPending = id('asset:orphan:pending');
  const orphanResolved = id('asset:orphan:resolved');
  const orphanRejected = id('asset:orphan:rejected');
  assets.push(
    {
      id: orphanPending,
      uri: 'file:///mnt/tv/Unsorted/cheers_ep_unknown.avi',
      size: 350_000_000,
      duration_ms: null,
      video_codec: 'mpeg4',
      audio_codec: null,
      container: 'avi',
      canonical: false,
    },
    {
      id: orphanResolved,
      uri: 'file:///mnt/tv/Unsorted/twilight.zone.1x02.mkv',
      size: 410_000_000,
      duration_ms: 1_520_000,
      video_codec: 'h264',
      audio_codec: 'aac',
      container: 'mkv',
      canonical: false,
    },
    {
      id: orphanRejected,
      uri: 'file:///mnt/tv/Unsorted/sample.mkv',
      size: 1_000_000,
      duration_ms: 30_000,
      video_codec: 'h264',
      audio_codec: 'aac',
      container: 'mkv',
      canonical: false,
    },
  );
  const reviews = [
    {
      id: id('review:pending'),
      asset_id: orphanPending,
      reason: 'missing duration; unparsable file name',
      confidence: 0.2,
      status: 'pending',
      resolved_at: null,
    },
    {
      id: id('review:resolved'),
      asset_id: orphanResolved,
      reason: 'name parsed with low confidence',
      confidence: 0.55,
      status: 'resolved',
      resolved_at: '2026-01-02T10:00:00Z',
    },
    {
      id: id('review:rejected'),
      asset_id: orphanRejected,
      reason: 'too short to be an episode',
      confidence: 0.1,
      status: 'rejected',
      resolved_at: '2026-01-03T10:00:00Z',
    },
  ];
  links.push({ episode_id: id('episode:twilight-zone:s1e2'), asset_id: orphanResolved });

  const plexSource = id('source:plex');
  const fsSource = id('source:filesystem');
  const sources = [
    {
      id: plexSource,
      external_id: 'demo-plex',
      name: 'Living Room Plex',
      kind: 'plex',
      config: json({ baseUrl: 'http://127.0.0.1:32400', token: 'demo-token-not-real' }),
    },
    {
      id: fsSource,
      external_id: 'demo-filesystem',
      name: 'NAS folders',
      kind: 'filesystem',
      config: json({ paths: ['/mnt/tv', '/mnt/movies'] }),
    },
  ];
  const collections = [
    {
      id: id('collection:plex:tv'),
      source_id: plexSource,
      external_id: '1',
      name: 'TV Shows',
      enabled: true,
      config: json({ type: 'show', locations: ['D:\\Media\\TV'] }),
    },
    {
      id: id('collection:plex:movies'),
      source_id: plexSource,
      external_id: '2',
      name: 'Movies',
      enabled: false,
      config: json({ type: 'movie', locations: ['D:\\Media\\Movies'] }),
    },
    {
      id: id('collection:fs:tv'),
      source_id: fsSource,
      external_id: '/mnt/tv',
      name: 'tv',
      enabled: true,
      config: json({ path: '/mnt/tv' }),
    },
  ];
  const mappings = [
    { id: id('mapping:plex:tv'), collection_id: id('collection:plex:tv'), plex_path: 'D:\\Media\\TV', local_path: '/mnt/tv' },
    {
      id: id('mapping:plex:movies'),
      collection_id: id('collection:plex:movies'),
      plex_path: 'D:\\Media\\Movies',
      local_path: '/mnt/movies',
    },
  ];

  await knex.transaction(async (trx) => {
    // Merge by natural keys: a row the library already holds (its own title "Cheers" 1982, a file
    // at the same uri, the same source) is reused as it is, and the demo rows that hang off it are
    // re-pointed to its id. Nothing already there is overwritten; running the seed twice is a no-op.
    const ids = new Map<string, string>();
    const to = (value: unknown) => (typeof value === 'string' ? (ids.get(value) ?? value) : value);
    const repoint = (row: Record<string, unknown>, ...columns: string[]) => {
      for (const column of columns) row[column] = to(row[column]);
      return row;
    };
    const reuse = async (table: string, row: Record<string, unknown>, where: (q: Knex.QueryBuilder) => Knex.QueryBuilder) => {
      const existing = (await where(trx(table)).first('id')) as { id: string } | undefined;
      if (existing && existing.id !== row.id) {
        ids.set(row.id as string, existing.id);
        row.id = existing.id;
      }
    };
    // Every unique key of the table, not only the id: a clash on a natural key is a merge, not an error.
    const insertNew = (table: string, rows: Array<Record<string, unknown>>) =>
      rows.length === 0 ? Promise.resolve() : trx(table).insert(rows).onConflict().ignore();

    for (const t of titles)
      await reuse('titles', t, (q) =>
        q
          .where({ kind: t.kind })
          .whereRaw('lower(name) = lower(?)', [t.name as string])
          .where('year', t.year as number),
      );
    await insertNew('titles', titles);
    for (const s of seasons) {
      repoint(s, 'title_id');
      await reuse('seasons', s, (q) => q.where({ title_id: s.title_id, number: s.number }));
    }
    await insertNew('seasons', seasons);
    for (const e of episodes) {
      repoint(e, 'title_id', 'season_id');
      await reuse('episodes', e, (q) =>
        e.season_id
          ? q.where({ season_id: e.season_id, number: e.number })
          : q.where({ title_id: e.title_id }).whereNull('season_id').whereNull('number'),
      );
    }
    await insertNew('episodes', episodes);
    for (const a of assets) await reuse('assets', a, (q) => q.where({ uri: a.uri }));
    // New assets arrive non-canonical; one becomes canonical below only where its episode has none.
    await insertNew(
      'assets',
      assets.map((a) => ({ ...a, canonical: false })),
    );
    await insertNew(
      'episode_assets',
      links.map((l) => repoint(l, 'episode_id', 'asset_id')),
    );
    for (const a of assets.filter((x) => x.canonical)) {
      const episodeId = links.find((l) => l.asset_id === a.id)?.episode_id;
      await trx.raw(
        `UPDATE assets SET canonical = true WHERE id = ? AND NOT canonical AND NOT EXISTS (
           SELECT 1 FROM episode_assets ea JOIN assets other ON other.id = ea.asset_id
           WHERE ea.episode_id = ? AND other.canonical)`,
        [a.id as string, episodeId as string],
      );
    }
    // Markers only on assets that have none yet (a re-run, or the library's own file, keeps its set).
    const marked = new Set(
      (
        await trx('markers')
          .distinct('asset_id')
          .whereIn(
            'asset_id',
            assets.map((a) => a.id as string),
          )
      ).map((r: { asset_id: string }) => r.asset_id),
    );
    await insertNew(
      'markers',
      markers.map((m) => repoint(m, 'asset_id')).filter((m) => !marked.has(m.asset_id as string)),
    );
    await insertNew(
      'provider_refs',
      refs.map((r) => repoint(r, 'entity_id', 'title_id', 'episode_id', 'asset_id')),
    );
    const reviewed = [];
    for (const r of reviews.map((x) => repoint(x, 'asset_id')))
      if (!(await trx('review_queue').where({ asset_id: r.asset_id, reason: r.reason }).first('id'))) reviewed.push(r);
    await insertNew('review_queue', reviewed);
    for (const s of sources) await reuse('sources', s, (q) => q.where({ external_id: s.external_id }));
    await insertNew('sources', sources);
    for (const c of collections) {
      repoint(c, 'source_id');
      await reuse('source_collections', c, (q) => q.where({ source_id: c.source_id, external_id: c.external_id }));
    }
    await insertNew('source_collections', collections);
    await insertNew(
      'path_mappings',
      mappings.map((m) => repoint(m, 'collection_id')),
    );
  });
}

export const DEMO_IDS = { id };
