/**
 * The Plex sync scenario of `npm run bench` (alone: `npx tsx bench/plex.ts`): a test Plex server
 * with BENCH_PLEX_SHOWS shows x 100 episodes (default 1000: 100,000 episodes) and
 * BENCH_PLEX_MOVIES movies (default 2000), each with markers and chapters, synced into a fresh
 * database (DATABASE_URL or PGlite):
 * - pull only: fetching and parsing every page and marker batch, no database;
 * - core only: the same items straight into the ingest core (batches of 500), the bound to beat;
 * - first import, unchanged re-sync, and a re-sync with 1% of shows and movies touched:
 *   requests to Plex, seconds, items per second.
 */
import { createScratchDatabase } from '../server/db/scratch.js';
import { IngestRun } from '../server/services/ingest/core.js';
import type { IngestItem } from '../server/domain/items.js';
import { runCollectionAttempt } from '../server/services/ingest/jobs.js';
import { PlexHttp } from '../server/sources/plex/http.js';
import { emptyPullStats, pullPlexSection } from '../server/sources/plex/sync.js';
import { startFakePlex, type FakeItem, type FakePlexLibrary } from '../test/support/fakePlex.js';

const SHOWS = Number(process.env.BENCH_PLEX_SHOWS ?? 1000);
const MOVIES = Number(process.env.BENCH_PLEX_MOVIES ?? 2000);
const PAGE_SIZE = 200;

export function benchLibrary(): FakePlexLibrary {
  const lib: FakePlexLibrary = {
    machineIdentifier: 'bench0000000000000000000000000000000000',
    sections: [
      { key: '1', type: 'show', title: 'TV', Location: [{ id: 1, path: 'D:\\TV' }] },
      { key: '2', type: 'movie', title: 'Movies', Location: [{ id: 2, path: 'D:\\Movies' }] },
    ],
    items: { '1': [], '2': [] },
    leaves: {},
  };
  let rk = 1;
  const markers = (duration: number) => ({
    Marker: [
      { type: 'intro', startTimeOffset: 5000, endTimeOffset: 35_000 },
      { type: 'credits', startTimeOffset: duration - 40_000, endTimeOffset: duration },
    ],
    Chapter: [{ tag: 'Part 1', index: 1, startTimeOffset: 0, endTimeOffset: duration + 1 }],
  });
  // Scheduler metadata as real servers send it (listings show the first two genres only).
  const GENRES = ['Comedy', 'Drama', 'Crime', 'Family', 'Western'];
  const meta = (n: number) => ({
    Genre: [0, 1, 2].map((k) => ({ id: 100 + ((n + k) % 5), filter: `genre=${100 + ((n + k) % 5)}`, tag: GENRES[(n + k) % 5]! })),
    contentRating: n % 2 ? 'TV-PG' : 'PG-13',
    summary: `Summary of item ${n}.`,
    originallyAvailableAt: `${1950 + (n % 70)}-09-30`,
  });
  const file = (path: string, duration: number, id: number) => [
    {
      id,
      duration,
      videoCodec: 'h264',
      audioCodec: 'aac',
      container: 'mkv',
      Part: [{ id, file: path, size: 5_000_000_000 + id, duration }],
    },
  ];
  for (let s = 1; s <= SHOWS; s++) {
    const show: FakeItem = {
      ratingKey: String(rk++),
      guid: `plex://show/bench${s}`,
      type: 'show',
      title: `Bench Show ${s}`,
      year: 1950 + (s % 70),
      updatedAt: 1_700_000_000,
      Guid: [{ id: `tvdb://${s}` }],
      ...meta(s),
      studio: 'NBC',
    };
    lib.items['1']!.push(show);
    const leaves: FakeItem[] = [];
    for (let season = 1; season <= 5; season++)
      for (let e = 1; e <= 20; e++) {
        const id = rk++;
        const duration = 1_320_000 + e * 1000;
        leaves.push({
          ratingKey: String(id),
          guid: `plex://episode/bench${id}`,
          type: 'episode',
          title: `Episode ${e}`,
          index: e,
          parentIndex: season,
          updatedAt: 1_700_000_000,
          duration,
          Guid: [{ id: `tvdb://${id}` }],
          contentRating: 'TV-PG',
          summary: `Episode ${e} of season ${season}.`,
          originallyAvailableAt: `${1950 + (s % 70)}-0${season}-${String(e).padStart(2, '0')}`,
          Media: file(`D:\\TV\\Bench Show ${s}\\Season ${season}\\S${season}E${e}.mkv`, duration, id),
          ...markers(duration),
        });
      }
    lib.leaves[show.ratingKey] = leaves;
  }
  for (let m = 1; m <= MOVIES; m++) {
    const id = rk++;
    const duration = 5_400_000 + m;
    lib.items['2']!.push({
      ratingKey: String(id),
      guid: `plex://movie/bench${m}`,
      type: 'movie',
      title: `Bench Movie ${m}`,
      year: 1950 + (m % 70),
      updatedAt: 1_700_000_000,
      duration,
      Guid: [{ id: `tmdb://${m}` }],
      ...meta(m),
      studio: 'Universal Pictures',
      Media: file(`D:\\Movies\\Bench Movie ${m}.mkv`, duration, id),
      ...markers(duration),
    });
  }
  return lib;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export async function plexBench(): Promise<Record<string, unknown>> {
  const driver = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  const plex = await startFakePlex(benchLibrary());
  const episodes = SHOWS * 100;
  console.log(`\nPlex sync: ${SHOWS} shows (${episodes.toLocaleString()} episodes) + ${MOVIES} movies on ${driver}`);
  try {
    // Pull only: what fetching and parsing costs without a database.
    const items: IngestItem[] = [];
    let pullRequests = 0;
    const pullStart = performance.now();
    for (const section of ['1', '2']) {
      const http = new PlexHttp({ baseUrl: plex.url, token: plex.token, pageSize: PAGE_SIZE });
      const stats = emptyPullStats();
      const pull = pullPlexSection(
        {
          http,
          collectionId: `bench-${section}`,
          sectionKey: section,
          uriOf: (p) => `file:///mnt/${p.slice(3).replace(/\\/g, '/')}`,
          storedVersions: new Map(),
          episodeVersions: () => Promise.resolve(new Map()),
        },
        stats,
      );
      for await (const batch of pull) items.push(...batch.items);
      pullRequests += stats.requests;
    }
    const pullMs = performance.now() - pullStart;

    // Core only: the same items, straight into the ingest core (episodes, then movies).
    const coreDb = await createScratchDatabase('bench_plex_core');
    const coreBySection: number[] = [];
    for (const part of [items.filter((i) => i.title?.kind === 'show'), items.filter((i) => i.title?.kind !== 'show')]) {
      const start = performance.now();
      const run = new IngestRun(coreDb.db, { batchSize: 500 });
      await run.push(part);
      await run.finish();
      coreBySection.push(performance.now() - start);
    }
    const coreMs = coreBySection[0]! + coreBySection[1]!;
    await coreDb.drop();
    items.length = 0;

    const { db, drop } = await createScratchDatabase('bench_plex_sync');
    try {
      const [source] = await db('sources')
        .insert({
          external_id: 'bench',
          name: 'Bench Plex',
          kind: 'plex',
          config: { baseUrl: plex.url, token: plex.token, pageSize: PAGE_SIZE },
        })
        .returning('id');
      const collections: string[] = [];
      for (const [key, local] of [
        ['1', '/mnt/TV'],
        ['2', '/mnt/Movies'],
      ] as const) {
        const [c] = await db('source_collections')
          .insert({ source_id: source.id, external_id: key, name: key, enabled: true })
          .returning('id');
        await db('path_mappings').insert({
          collection_id: c.id,
          plex_path: key === '1' ? 'D:\\TV' : 'D:\\Movies',
          local_path: local,
        });
        collections.push(c.id as string);
      }
      const sync = async (label: string) => {
        const before = plex.requests.length;
        const start = performance.now();
        let items = 0;
        let rows = 0;
        let markerRequests = 0;
        const bySection: number[] = [];
        for (const id of collections) {
          const sectionStart = performance.now();
          const report = await runCollectionAttempt(db, id);
          bySection.push(seconds(performance.now() - sectionStart));
          items += report.items;
          rows += report.rowsWritten;
          markerRequests += report.source?.markerRequests ?? 0;
        }
        const ms = performance.now() - start;
        const requests = plex.requests.length - before;
        const line = {
          scenario: label,
          requests,
          markerRequests,
          seconds: seconds(ms),
          items,
          itemsPerSecond: Math.round((items / ms) * 1000),
          rowsWritten: rows,
          episodesSeconds: bySection[0]!,
          moviesSeconds: bySection[1]!,
        };
        console.log(line);
        return line;
      };
      const first = await sync('first import');
      const unchanged = await sync('unchanged re-sync');
      const touchedShows = plex.library.items['1']!.filter((_, i) => i % 100 === 0);
      for (const show of touchedShows) {
        show.updatedAt = 1_800_000_000;
        const leaf = plex.library.leaves[show.ratingKey]![0]!;
        leaf.updatedAt = 1_800_000_000;
        leaf.Marker = [{ type: 'intro', startTimeOffset: 6000, endTimeOffset: 36_000 }];
      }
      for (const movie of plex.library.items['2']!.filter((_, i) => i % 100 === 0)) movie.updatedAt = 1_800_000_000;
      const touched = await sync('1% touched re-sync');
      const ratioOf = (s: number, ms: number) => Math.round((s / (ms / 1000)) * 100) / 100;
      const ratio = ratioOf(first.seconds, coreMs);
      const episodesRatio = ratioOf(first.episodesSeconds, coreBySection[0]!);
      const moviesRatio = ratioOf(first.moviesSeconds, coreBySection[1]!);
      console.log(
        `pull only (no database): ${seconds(pullMs)} s, ${pullRequests} requests; core only, same items: ${seconds(coreMs)} s ` +
          `(episodes ${seconds(coreBySection[0]!)} s, movies ${seconds(coreBySection[1]!)} s); first import = ${ratio}x the core ` +
          `(episodes ${episodesRatio}x, movies ${moviesRatio}x)`,
      );
      return {
        driver,
        shows: SHOWS,
        episodes,
        movies: MOVIES,
        pullSeconds: seconds(pullMs),
        pullRequests,
        coreSeconds: seconds(coreMs),
        coreEpisodesSeconds: seconds(coreBySection[0]!),
        coreMoviesSeconds: seconds(coreBySection[1]!),
        firstImportRatio: ratio,
        episodesRatio,
        moviesRatio,
        first,
        unchanged,
        touched,
      };
    } finally {
      await drop();
    }
  } finally {
    await plex.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  plexBench().then(
    (summary) => {
      console.log(JSON.stringify(summary));
      process.exit(0);
    },
    (err: unknown) => {
      console.error('plex bench failed:', err);
      process.exit(1);
    },
  );
}
