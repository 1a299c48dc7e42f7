import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * The demo library: two shows with seasons and episodes, two movies, several versions of some
 * episodes (one canonical), markers, provider refs, a Plex and a filesystem source with
 * collections and path mappings, and review items in every status.
 * Idempotent: fixed ids and upserts, so running it twice gives the same library.
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

export async function seed(knex: Knex): Promise<void> {
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
    const upsert = (table: string, rows: Array<Record<string, unknown>>) => trx(table).insert(rows).onConflict('id').merge();
    await upsert('titles', titles);
    await upsert('seasons', seasons);
    await upsert('episodes', episodes);
    // Canonical flags are settled after the links exist again, so the one-canonical rule holds throughout.
    await trx('assets')
      .whereIn(
        'id',
        assets.map((a) => a.id as string),
      )
      .update({ canonical: false });
    await upsert(
      'assets',
      assets.map((a) => ({ ...a, canonical: false })),
    );
    await trx('episode_assets').insert(links).onConflict(['episode_id', 'asset_id']).ignore();
    await trx('assets')
      .whereIn(
        'id',
        assets.filter((a) => a.canonical).map((a) => a.id as string),
      )
      .update({ canonical: true });
    await upsert('markers', markers);
    await upsert('provider_refs', refs);
    await upsert('review_queue', reviews);
    await upsert('sources', sources);
    await upsert('source_collections', collections);
    await upsert('path_mappings', mappings);
  });
}

export const DEMO_IDS = { id };
