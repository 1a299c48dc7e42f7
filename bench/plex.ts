/**
 * The Plex sync scenario of `npm run bench` (alone: `npx tsx bench/plex.ts`): a test Plex server
 * with BENCH_PLEX_SHOWS shows x 100 episodes (default 1000: 100,000 episodes) and
 * BENCH_PLEX_MOVIES movies (default 2000), each with markers and chapters, synced into a fresh
 * database (DATABASE_URL or PGlite):
 * The test server runs in a process of its own (plexServer.ts), as a real Plex server runs elsewhere.
 * - pull only: fetching and parsing every page and marker batch, no database;
 * - core only: the same items straight into the ingest core (batches of 500), the bound to beat;
 * - first import, unchanged re-sync, and a re-sync with 1% of shows and movies touched:
 *   requests to Plex, seconds, items per second.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase } from '../server/db/scratch.js';
import { IngestRun } from '../server/services/ingest/core.js';
import type { IngestItem } from '../server/domain/items.js';
import { runCollectionAttempt } from '../server/services/ingest/jobs.js';
import { firstAnalyzeAt, refreshStatistics } from '../server/services/ingest/pull.js';
import { PlexHttp } from '../server/sources/plex/http.js';
import { emptyPullStats, pullPlexSection } from '../server/sources/plex/sync.js';

const SHOWS = Number(process.env.BENCH_PLEX_SHOWS ?? 1000);
const MOVIES = Number(process.env.BENCH_PLEX_MOVIES ?? 2000);
const PAGE_SIZE = 200;

const seconds = (ms: number) => Math.round(ms) / 1000;

/** The test Plex server in a process of its own (see plexServer.ts), and the messages the bench sends it. */
async function startPlexServer(shows: number, movies: number) {
  const child = fork(fileURLToPath(new URL('./plexServer.ts', import.meta.url)), [], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_PLEX_SHOWS: String(shows), BENCH_PLEX_MOVIES: String(movies) },
  });
  const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; token: string }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the test Plex server exited (${code})`)));
  });
  let next = 0;
  const ask = (cmd: 'requests' | 'touch' | 'close') =>
    new Promise<number>((resolve) => {
      const id = ++next;
      const onMessage = (raw: unknown) => {
        const m = raw as { id?: number; requests: number };
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m.requests);
      };
      child.on('message', onMessage);
      child.send({ id, cmd });
    });
  return {
    url,
    token,
    requests: () => ask('requests'),
    touch: () => ask('touch').then(() => undefined),
    close: async () => {
      child.removeAllListeners('exit');
      await ask('close');
    },
  };
}

export async function plexBench(): Promise<Record<string, unknown>> {
  const driver = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  const plex = await startPlexServer(SHOWS, MOVIES);
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

    // Core only: the same items, straight into the ingest core (episodes, then movies), batch by
    // batch, with the planner's statistics refreshed at the points a collection ingest refreshes
    // them (pull.ts): the same plans on both sides of the ratio.
    const coreDb = await createScratchDatabase('bench_plex_core');
    const coreBySection: number[] = [];
    for (const part of [items.filter((i) => i.title?.kind === 'show'), items.filter((i) => i.title?.kind !== 'show')]) {
      const start = performance.now();
      const run = new IngestRun(coreDb.db, { batchSize: 500 });
      let analyzeAt = await firstAnalyzeAt(coreDb.db);
      for (let i = 0; i < part.length; i += 500) {
        await run.push(part.slice(i, i + 500));
        if (run.report.items >= analyzeAt) {
          await refreshStatistics(coreDb.db);
          analyzeAt *= 4;
        }
      }
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
        const before = await plex.requests();
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
        const requests = (await plex.requests()) - before;
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
      await plex.touch();
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
