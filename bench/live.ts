/**
 * `npm run bench:live`: how long a change takes to reach the catalogue with live sync on, with the
 * service's default live settings (README "Live sync"), against the test Plex server and a watched folder:
 * - a Plex item added (a movie, an episode), changed, deleted, with the notification stream up:
 *   from the change at the server to the row in the database (p50, p95, worst), and to its change
 *   log entry reaching a subscriber of `changes.subscribe` (through the SDK, over server-sent events,
 *   subscribed before the first change);
 * - the same with the stream down (the server refusing sockets): the backstop poll's worst case;
 * - a file dropped into a watched folder (copied in three chunks): from its last byte written to its
 *   asset row (its size must first stay unchanged for RETROVUE_LIVE_SETTLE_MS).
 * The entry that counts for a subscriber is the one of the row the catalogue check reads: an add is
 * the insert of the file's `assets` row, a change the update of the movie's `episodes` row carrying
 * the new `name`, a delete the update of the `assets` row setting `missing_since`. Both latencies are
 * taken on one clock (this process's `performance.now()`), from the change at the fake Plex server.
 * Scale: BENCH_LIVE_SHOWS (default 100) shows x 10 episodes + BENCH_LIVE_MOVIES (default 200)
 * movies ingested first; BENCH_LIVE_SAMPLES (default 20) per change kind, BENCH_LIVE_DOWN_SAMPLES
 * (default 4) with the stream down. Uses DATABASE_URL or in-memory PGlite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../server/app.js';
import { createScratchDatabase } from '../server/db/scratch.js';
import { canonicalFileUri } from '../server/domain/fileUri.js';
import { createLogger } from '../server/logger.js';
import { IngestQueue } from '../server/services/ingest/queue.js';
import { DEFAULT_LIVE } from '../server/services/live/settings.js';
import { LiveSync } from '../server/services/live/supervisor.js';
import { createRetrovueClient, type RouterOutputs } from '../sdk/index.js';
import { startFakePlex, type FakeItem, type FakePlexLibrary } from '../test/support/fakePlex.js';

const SHOWS = Number(process.env.BENCH_LIVE_SHOWS ?? 100);
const MOVIES = Number(process.env.BENCH_LIVE_MOVIES ?? 200);
const SAMPLES = Number(process.env.BENCH_LIVE_SAMPLES ?? 20);
const DOWN_SAMPLES = Number(process.env.BENCH_LIVE_DOWN_SAMPLES ?? 4);
const MEDIA = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'media');

const media = (id: number, file: string) => [
  { id, duration: 1_320_000, Part: [{ id, file, size: 1000 + id, duration: 1_320_000 }] },
];
const movie = (rk: number, title: string): FakeItem => ({
  ratingKey: String(rk),
  key: `/library/metadata/${rk}`,
  guid: `plex://movie/bench${rk}`,
  type: 'movie',
  title,
  year: 1990,
  updatedAt: 1_700_000_000,
  duration: 1_320_000,
  Media: media(rk, `/movies/${title}/${title}.mkv`),
  Marker: [{ id: rk, type: 'credits', startTimeOffset: 1_200_000, endTimeOffset: 1_320_000, final: true }],
});
const episode = (rk: number, show: string, n: number): FakeItem => ({
  ratingKey: String(rk),
  key: `/library/metadata/${rk}`,
  type: 'episode',
  title: `Episode ${n}`,
  index: n,
  parentIndex: 1,
  updatedAt: 1_700_000_000,
  duration: 1_320_000,
  Media: media(rk, `/tv/${show}/S01E${String(n).padStart(3, '0')}.mkv`),
  Marker: [{ id: rk, type: 'intro', startTimeOffset: 0, endTimeOffset: 30_000 }],
});

function library(): FakePlexLibrary {
  const lib: FakePlexLibrary = {
    machineIdentifier: 'bench-live-server',
    sections: [
      { key: '1', type: 'show', title: 'TV', Location: [{ id: 1, path: '/tv' }] },
      { key: '2', type: 'movie', title: 'Movies', Location: [{ id: 2, path: '/movies' }] },
    ],
    items: { '1': [], '2': [] },
    leaves: {},
  };
  for (let s = 1; s <= SHOWS; s++) {
    const rk = 10_000 + s * 100;
    const name = `Show ${s}`;
    lib.items['1']!.push({
      ratingKey: String(rk),
      type: 'show',
      title: name,
      year: 2000,
      guid: `plex://show/bench${rk}`,
      updatedAt: 1_700_000_000,
    });
    lib.leaves[String(rk)] = Array.from({ length: 10 }, (_, e) => episode(rk + e + 1, name, e + 1));
  }
  for (let m = 1; m <= MOVIES; m++) lib.items['2']!.push(movie(1_000_000 + m, `Movie ${m}`));
  return lib;
}

const stats = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return {
    samples: sorted.length,
    p50Ms: Math.round(at(0.5)),
    p95Ms: Math.round(at(0.95)),
    worstMs: Math.round(sorted[sorted.length - 1] ?? NaN),
  };
};

async function until(probe: () => Promise<unknown>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type FeedEntry = RouterOutputs['changes']['list']['items'][number];
/** What the subscriber received, with when (performance.now()). */
const arrived: Array<{ at: number; entry: FeedEntry }> = [];
/** When the first entry matching `match` reached the subscriber (waits for it). */
async function arrival(match: (e: FeedEntry) => boolean, timeoutMs = 120_000): Promise<number> {
  let found: number | undefined;
  let from = 0;
  await until(async () => {
    for (; from < arrived.length; from++) if (match(arrived[from]!.entry)) return (found = arrived[from]!.at) !== undefined;
    return false;
  }, timeoutMs);
  return found!;
}
const assetInserted = (id: string) => (e: FeedEntry) => e.table === 'assets' && e.op === 'insert' && e.rowId === id;
const assetMissing = (id: string) => (e: FeedEntry) =>
  e.table === 'assets' && e.op === 'update' && e.rowId === id && e.changes?.missing_since?.new != null;
const episodeRenamed = (name: string) => (e: FeedEntry) =>
  e.table === 'episodes' && e.op === 'update' && e.changes?.name?.new === name;

const log = createLogger(process.env.LOG_LEVEL ?? 'silent');
const database = await createScratchDatabase('bench_live');
const db = database.db;
const plex = await startFakePlex(library());
const embedded = database.target.kind !== 'postgres';
const queue = new IngestQueue(db, { log, exclusive: embedded, concurrency: embedded ? 1 : 2, batchSize: embedded ? 100 : 500 });
await queue.start();
const changesPollMs = Number(process.env.RETROVUE_CHANGES_POLL_MS ?? 500);
const app = createApp({ db, log, apiTokens: [], queue, changesPollMs });
const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', resolve));
const { port } = server.address() as { port: number };
const retrovue = createRetrovueClient({ url: `http://127.0.0.1:${port}/trpc` });
const settings = { ...DEFAULT_LIVE, refreshSeconds: 3600 };
const live = new LiveSync(db, queue, settings, log);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-live-'));
const rows: Array<Record<string, string | number>> = [];

try {
  const source = await retrovue.sources.create.mutate({
    kind: 'plex',
    name: 'bench',
    config: { baseUrl: plex.url, token: plex.token, timeoutMs: 30_000 },
  });
  const collections = await retrovue.collections.discover.mutate({ sourceId: source.id });
  const ingestStarted = performance.now();
  for (const c of collections) {
    await retrovue.collections.update.mutate({ id: c.id, enabled: true, config: { ...(c.config ?? {}), live: true } });
    await retrovue.ingest.collection.mutate({ collectionId: c.id });
  }
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;
  await live.start();
  await live.refresh();
  await until(async () => plex.sockets === 1);

  // The subscriber: from the log's end, before the first change.
  const [newest] = (await retrovue.audit.list.query({ limit: 1 })).items;
  let subscribed = false;
  let feedErrors = 0;
  const subscription = retrovue.changes.subscribe.subscribe(newest ? { after: String(newest.position) } : {}, {
    onStarted: () => (subscribed = true),
    onData: ({ data }) => arrived.push({ at: performance.now(), entry: data }),
    onError: () => feedErrors++,
  });
  await until(async () => subscribed);
  await sleep(1000);

  const assetAt = (uri: string) => db('assets').where({ uri }).first('id', 'missing_since');
  const episodeNamed = (name: string) => db('episodes').where({ name }).first('id');
  const up = { add: [] as number[], change: [] as number[], delete: [] as number[] };
  const feed = { add: [] as number[], change: [] as number[], delete: [] as number[] };
  // Between changes: a random pause spanning more than the feed's poll interval, so the changes fall
  // at random phases of the subscriber's poller (a fixed cadence would lock onto it).
  const pause = () => sleep(50 + Math.random() * (changesPollMs + 100));
  let next = 5_000_000;
  for (let i = 0; i < SAMPLES; i++) {
    // add: movies and episodes alternately
    const rk = next++;
    const uri =
      i % 2 === 0
        ? canonicalFileUri(`/movies/New Movie ${rk}/New Movie ${rk}.mkv`)
        : canonicalFileUri(`/tv/Show ${1 + (i % SHOWS)}/S01E${500 + i}.mkv`);
    let t = performance.now();
    if (i % 2 === 0) plex.addItem('2', movie(rk, `New Movie ${rk}`));
    else {
      const show = 10_000 + (1 + (i % SHOWS)) * 100;
      plex.addEpisode(String(show), episode(rk, `Show ${1 + (i % SHOWS)}`, 500 + i));
    }
    await until(() => assetAt(uri));
    up.add.push(performance.now() - t);
    const asset = (await assetAt(uri))!.id as string;
    feed.add.push((await arrival(assetInserted(asset))) - t);
    await pause();
    // change: a movie's name (its episode row carries it)
    const changed = 1_000_001 + (i % MOVIES);
    t = performance.now();
    plex.changeItem(String(changed), { title: `Renamed ${i}` });
    await until(() => episodeNamed(`Renamed ${i}`));
    up.change.push(performance.now() - t);
    feed.change.push((await arrival(episodeRenamed(`Renamed ${i}`))) - t);
    await pause();
    // delete the movie added above (or the episode)
    t = performance.now();
    plex.deleteItem(String(rk));
    await until(async () => (await assetAt(uri))?.missing_since != null);
    up.delete.push(performance.now() - t);
    feed.delete.push((await arrival(assetMissing(asset))) - t);
    await pause();
  }
  const both = (phase: string, catalogue: number[], subscriber: number[]) => {
    const c = stats(catalogue);
    const s = stats(subscriber);
    rows.push({
      phase,
      ...c,
      subscriberP50Ms: s.p50Ms,
      subscriberP95Ms: s.p95Ms,
      subscriberWorstMs: s.worstMs,
    });
  };
  for (const kind of ['add', 'change', 'delete'] as const) both(`Plex ${kind}, stream up`, up[kind], feed[kind]);

  // The stream down: changes only the backstop poll sees.
  plex.refuseConnections(true);
  plex.dropConnections();
  await until(async () => plex.sockets === 0);
  const down: Array<Promise<[number, number]>> = [];
  for (let i = 0; i < DOWN_SAMPLES; i++) {
    const changed = 1_000_001 + ((i + 7) % MOVIES);
    const t = performance.now();
    plex.changeItem(String(changed), { title: `Unseen ${i}` });
    down.push(
      Promise.all([
        until(() => episodeNamed(`Unseen ${i}`)).then(() => performance.now() - t),
        arrival(episodeRenamed(`Unseen ${i}`)).then((at) => at - t),
      ]),
    );
    await sleep((settings.pollSeconds * 1000) / DOWN_SAMPLES + Math.random() * 1000);
  }
  const downs = await Promise.all(down);
  both(
    `Plex change, stream down (poll every ${settings.pollSeconds} s)`,
    downs.map(([c]) => c),
    downs.map(([, s]) => s),
  );
  plex.refuseConnections(false);
  subscription.unsubscribe();
  if (feedErrors) console.warn(`the subscription reported ${feedErrors} error(s) (it reconnects by itself)`);

  // A watched folder.
  const dir = path.join(root, 'watched');
  fs.mkdirSync(path.join(dir, 'Show', 'Season 01'), { recursive: true });
  const fsSource = await retrovue.sources.create.mutate({ kind: 'filesystem', name: 'folder', config: { paths: [dir] } });
  const [folder] = await retrovue.collections.discover.mutate({ sourceId: fsSource.id });
  await retrovue.collections.update.mutate({ id: folder!.id, enabled: true, config: { ...(folder!.config ?? {}), live: true } });
  await live.refresh();
  await until(async () => (await db('ingest_jobs').where({ collection_id: folder!.id, state: 'done' }).first()) !== undefined);
  await sleep(500);
  const content = fs.readFileSync(path.join(MEDIA, 'h264-aac-3s.mkv'));
  const sinceSettled: number[] = [];
  const sinceLastByte: number[] = [];
  for (let i = 1; i <= Math.max(5, Math.round(SAMPLES / 2)); i++) {
    const file = path.join(dir, 'Show', 'Season 01', `Show - S01E${String(i).padStart(2, '0')}.mkv`);
    const fd = fs.openSync(file, 'w');
    for (let c = 0; c < 3; c++) {
      fs.writeSync(fd, content.subarray((c * content.length) / 3, ((c + 1) * content.length) / 3));
      await sleep(150);
    }
    fs.closeSync(fd);
    const t = performance.now() - 150; // the last chunk was written 150 ms ago
    await until(() => assetAt(canonicalFileUri(file)));
    sinceLastByte.push(performance.now() - t);
    sinceSettled.push(performance.now() - t - settings.settleMs);
  }
  const catalogueOnly = (phase: string, ms: number[]) => {
    rows.push({ phase, ...stats(ms) });
  };
  catalogueOnly(`folder file, from its last byte (settle ${settings.settleMs} ms)`, sinceLastByte);
  catalogueOnly('folder file, from its size settling', sinceSettled);

  console.log(
    `live sync latency: ${SHOWS} shows x 10 episodes + ${MOVIES} movies (first ingest ${ingestSeconds.toFixed(1)} s), ${database.target.kind}, ` +
      `debounce ${settings.debounceMs} ms, poll ${settings.pollSeconds} s, settle ${settings.settleMs} ms, ` +
      `change feed poll ${changesPollMs} ms; ms from the change at the source`,
  );
  console.table(rows);
  console.log(JSON.stringify({ bench: 'live', driver: database.target.kind, shows: SHOWS, movies: MOVIES, phases: rows }));
} finally {
  await live.stop();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await queue.stop(2000);
  await plex.close();
  await database.drop();
  fs.rmSync(root, { recursive: true, force: true });
}
