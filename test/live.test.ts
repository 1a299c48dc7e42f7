import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalFileUri } from '../server/domain/fileUri.js';
import { parseNotification } from '../server/sources/plex/notifications.js';
import { DEFAULT_LIVE, type LiveSettings } from '../server/services/live/settings.js';
import { LiveSync } from '../server/services/live/supervisor.js';
import { pruneLiveJobs } from '../server/services/changeLogPrune.js';
import { IngestQueue } from '../server/services/ingest/queue.js';
import type { TargetedJob, TargetedResult } from '../server/services/live/targeted.js';
import { sampleLibrary, startFakePlex, type FakeItem, type FakePlex } from './support/fakePlex.js';
import { until } from './support/expect.js';
import { folder } from './support/folders.js';
import { client, db, queue, testLogger } from './support/harness.js';

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const MEDIA = path.resolve(import.meta.dirname, 'fixtures', 'media');

/** Quick settings: short debounce and backoff; refresh, poll and sweep are driven by the tests. */
const FAST: LiveSettings = {
  ...DEFAULT_LIVE,
  debounceMs: 200,
  maxWaitMs: 2000,
  pollSeconds: 3600,
  pollOverlapSeconds: 5,
  sweepSeconds: 3600,
  refreshSeconds: 3600,
  backoffMinMs: 100,
  backoffMaxMs: 800,
  settleMs: 400,
  deferSeconds: 1,
};

/** Records what a LiveSync queued and finished. */
function recorder(live: LiveSync) {
  const queued: TargetedJob[] = [];
  const done: Array<{ job: TargetedJob; result: TargetedResult }> = [];
  const states: Array<{ group: string; state: string; retryInMs?: number; attempt?: number }> = [];
  live.on('queued', (job) => queued.push(job));
  live.on('done', (job, result) => done.push({ job, result }));
  live.on('state', (group, state, detail) => states.push({ group, state, ...detail }));
  return { queued, done, states };
}

async function plexSource(plex: FakePlex, live: boolean) {
  const source = await client().sources.create.mutate({
    kind: 'plex',
    name: 'plex',
    config: { baseUrl: plex.url, token: plex.token, timeoutMs: 5000 },
  });
  const collections = await client().collections.discover.mutate({ sourceId: source.id });
  for (const c of collections)
    await client().collections.update.mutate({
      id: c.id,
      enabled: true,
      config: { ...(c.config ?? {}), ...(live ? { live } : {}) },
    });
  const byName = (name: string) => collections.find((c) => c.name === name)!;
  return { source, tv: byName('TV Shows'), movies: byName('Movies') };
}

const titleNamed = (name: string) => db()('titles').where({ name }).first();
/** A movie's episode carries its name as Plex has it now (a title keeps the name it was created with). */
const episodeNamed = (name: string) => db()('episodes').where({ name }).first();
const assetByUri = (uri: string) =>
  db()('assets').where({ uri }).first() as Promise<{ id: string; missing_since: Date | null; size: string } | undefined>;
const plexUri = (windowsPath: string) => canonicalFileUri(windowsPath);

function movie(ratingKey: string, title: string, file: string): FakeItem {
  return {
    ratingKey,
    key: `/library/metadata/${ratingKey}`,
    guid: `plex://movie/live${ratingKey}`,
    type: 'movie',
    title,
    year: 1999,
    duration: 5_000_000,
    Guid: [{ id: `tmdb://9${ratingKey}` }],
    Media: [
      { id: Number(ratingKey), duration: 5_000_000, Part: [{ id: Number(ratingKey), file, size: 123_456, duration: 5_000_000 }] },
    ],
    Marker: [{ id: Number(ratingKey), type: 'credits', startTimeOffset: 4_800_000, endTimeOffset: 5_000_000, final: true }],
  };
}

function episode(ratingKey: string, index: number): FakeItem {
  return {
    ratingKey,
    key: `/library/metadata/${ratingKey}`,
    guid: `plex://episode/live${ratingKey}`,
    type: 'episode',
    title: `Live episode ${index}`,
    index,
    parentIndex: 3,
    duration: 1_400_000,
    Media: [
      {
        id: Number(ratingKey),
        duration: 1_400_000,
        Part: [
          {
            id: Number(ratingKey),
            file: `D:\\Media\\TV\\Cheers\\Season 03\\Cheers - S03E${index}.mkv`,
            size: 1000,
            duration: 1_400_000,
          },
        ],
      },
    ],
  };
}

describe('live sync', function () {
  this.timeout(60_000);
  let plex: FakePlex;
  /** Waits until the test server holds exactly one notification socket. */
  const oneSocket = () =>
    until(
      'the socket',
      () => plex.sockets,
      (n) => n === 1,
    );
  let live: LiveSync;
  let rec: ReturnType<typeof recorder>;

  beforeEach(async () => {
    plex = await startFakePlex(sampleLibrary());
    live = new LiveSync(db(), queue(), FAST, testLogger);
    rec = recorder(live);
    await live.start();
  });
  afterEach(async () => {
    await live.stop();
    await plex.close();
  });
  /** The start-up catch-up poll is over (a manual poll queues behind it and finds nothing new). */
  const caughtUp = async (...collectionIds: string[]) => {
    for (const id of collectionIds) await live.backstop(id, 'poll');
  };

  describe('Plex notifications', () => {
    it('reads real-shaped timeline messages and ignores everything else', () => {
      const message = (entries: unknown[], type = 'timeline') =>
        JSON.stringify({ NotificationContainer: { type, size: entries.length, TimelineEntry: entries } });
      const base = {
        identifier: 'com.plexapp.plugins.library',
        sectionID: '2',
        itemID: '1234',
        type: 1,
        title: 'Alien',
        updatedAt: 1,
      };
      assert.deepEqual(parseNotification(message([{ ...base, state: 0, metadataState: 'created' }])), [
        { sectionId: '2', ratingKey: '1234', type: 1, deleted: false },
      ]);
      assert.deepEqual(parseNotification(message([{ ...base, state: 9, metadataState: 'deleted' }]))[0]?.deleted, true);
      assert.deepEqual(parseNotification(message([{ ...base, sectionID: 2, itemID: 1234, state: 5 }]))[0]?.ratingKey, '1234');
      // Intermediate processing states, music, other identifiers, other notification types, garbage: nothing.
      assert.deepEqual(parseNotification(message([{ ...base, state: 3 }])), []);
      assert.deepEqual(parseNotification(message([{ ...base, type: 10, state: 5 }])), []);
      assert.deepEqual(parseNotification(message([{ ...base, identifier: 'com.plexapp.system', state: 5 }])), []);
      assert.deepEqual(parseNotification(message([{ ...base, state: 5 }], 'activity')), []);
      assert.deepEqual(parseNotification('not json'), []);
      assert.deepEqual(
        parseNotification(JSON.stringify({ NotificationContainer: { type: 'timeline', TimelineEntry: [{}] } })),
        [],
      );
    });

    it('is off by default: no socket, no watch, until a collection says live: true', async () => {
      const { tv } = await plexSource(plex, false);
      const dir = folder('live-off');
      const fsSource = await client().sources.create.mutate({ kind: 'filesystem', name: 'folder', config: { paths: [dir] } });
      const [fsCollection] = await client().collections.discover.mutate({ sourceId: fsSource.id });
      await client().collections.update.mutate({ id: fsCollection!.id, enabled: true });
      await live.refresh();
      assert.deepEqual(live.held(), []);
      assert.equal(plex.connections, 0);
      await client().collections.update.mutate({ id: tv.id, config: { ...(tv.config ?? {}), live: true } });
      await live.refresh();
      assert.equal(live.held().length, 1);
      await oneSocket();
    });

    it('an item added, changed and deleted in Plex reaches the catalogue through the stream', async () => {
      const { tv, movies } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: movies.id });
      await client().ingest.collection.mutate({ collectionId: tv.id });
      await live.refresh();
      await caughtUp(movies.id, tv.id);
      assert.equal(live.held().length, 1, 'one socket for the server, both sections on it');
      await oneSocket();

      const file = 'D:\\Media\\Movies\\Galaxy Quest (1999)\\Galaxy Quest (1999).mkv';
      plex.addItem('2', movie('900', 'Galaxy Quest', file));
      const added = await until('the new movie', () => titleNamed('Galaxy Quest'), Boolean);
      const asset = await until('its file', () => assetByUri(plexUri(file)), Boolean);
      const markers = await db()('markers').where({ asset_id: asset!.id });
      assert.equal(markers.length, 1, 'markers come with a targeted ingest');
      const ref = await client().providerRefs.findPlex.query({
        machineIdentifier: plex.library.machineIdentifier,
        ratingKey: '900',
      });
      assert.equal(ref.title?.id, (added as { id: string }).id);
      // The change log names the targeted job as the writer.
      const logged = await db()('change_log').where({ table_name: 'assets', row_id: asset!.id, op: 'insert' }).first();
      assert.match(logged?.actor ?? '', /^ingest:ingest-live:\S+$/);

      plex.changeItem('900', { title: 'Galaxy Quest (Remastered)' });
      await until('the new name', () => episodeNamed('Galaxy Quest (Remastered)'), Boolean);
      // A new episode of a known show, and a changed one.
      plex.addEpisode('100', episode('190', 1));
      await until('the new episode', () => db()('episodes').where({ name: 'Live episode 1' }).first(), Boolean);

      plex.deleteItem('900');
      await until(
        'the file marked missing',
        () => assetByUri(plexUri(file)),
        (a) => a?.missing_since != null,
      );
      // Nothing else went missing.
      assert.equal(Number((await db()('assets').whereNotNull('missing_since').count({ n: '*' }))[0]!.n), 1);
      assert.ok(rec.queued.every((j) => j.reason === 'notification'));
      // A deleted item coming back (the same file) is present again.
      plex.addItem('2', movie('901', 'Galaxy Quest', file));
      await until(
        'the file present again',
        () => assetByUri(plexUri(file)),
        (a) => a?.missing_since === null,
      );
    });

    it('targeted jobs are listed by ingest.list and ingest.status, told apart from collection runs by kind', async () => {
      const { movies, tv } = await plexSource(plex, true);
      const full = await client().ingest.collection.mutate({ collectionId: movies.id });
      assert.equal(full.kind, 'collection');
      assert.equal(full.live, null);
      await live.refresh();
      await caughtUp(movies.id, tv.id);
      await oneSocket();
      const file = 'D:\\Media\\Movies\\Galaxy Quest (1999)\\Galaxy Quest (1999).mkv';
      plex.addItem('2', movie('900', 'Galaxy Quest', file));
      const asset = await until('its file', () => assetByUri(plexUri(file)), Boolean);
      const page = await until(
        'the live job done',
        () => client().ingest.list.query({ collectionId: movies.id, kind: 'live', state: 'done' }),
        (p) => p.items.some((j) => j.live?.reason === 'notification'),
      );
      const job = page.items.find((j) => j.live?.reason === 'notification')!;
      assert.deepEqual(
        {
          kind: job.kind,
          trigger: job.trigger,
          live: job.live,
          state: job.state,
          collectionId: job.collectionId,
          attempts: job.attempts,
        },
        {
          kind: 'live',
          trigger: 'schedule',
          live: { reason: 'notification', changed: 1, deleted: 0 },
          state: 'done',
          collectionId: movies.id,
          attempts: 1,
        },
      );
      assert.equal(job.report?.items, 1);
      assert.ok(job.startedAt && job.finishedAt && job.worker);
      assert.deepEqual(await client().ingest.status.query({ jobId: job.id }), job);
      // The change log's actor is the job `ingest.status` shows.
      const logged = await db()('change_log').where({ table_name: 'assets', row_id: asset!.id, op: 'insert' }).first();
      assert.equal(logged?.actor, `ingest:ingest-live:${job.id}`);

      // Both kinds, newest first, or one kind; keyset pages over both, each job once.
      const all = await client().ingest.list.query({ collectionId: movies.id });
      assert.deepEqual(new Set(all.items.map((j) => j.kind)), new Set(['collection', 'live']));
      assert.ok(all.items.findIndex((j) => j.id === job.id) < all.items.findIndex((j) => j.id === full.id));
      const collectionRuns = await client().ingest.list.query({ collectionId: movies.id, kind: 'collection' });
      assert.deepEqual(
        collectionRuns.items.map((j) => j.id),
        [full.id],
      );
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const p = await client().ingest.list.query({ collectionId: movies.id, limit: 1, ...(cursor ? { cursor } : {}) });
        paged.push(...p.items.map((j) => j.id));
        cursor = p.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(
        paged,
        all.items.map((j) => j.id),
      );
      // A cursor of the list of both kinds is not one of the list of one kind.
      const first = await client().ingest.list.query({ collectionId: movies.id, limit: 1 });
      await assert.rejects(
        client().ingest.list.query({ collectionId: movies.id, kind: 'collection', cursor: first.nextCursor! }),
        /invalid cursor/,
      );
      assert.equal((await client().ingest.list.query({ collectionId: tv.id, kind: 'live', state: 'done' })).items.length, 0);

      // A queued live job does not count as the collection's active run.
      await queue().enqueueLive({ collectionId: movies.id, changed: ['900'], deleted: [], reason: 'poll' });
      const again = await client().ingest.start.mutate({ collectionId: movies.id });
      assert.equal(again.kind, 'collection');
      assert.notEqual(again.id, full.id);
      await queue().wait(again.id);
    });

    it('a live job whose worker died is run again as the same row; ended live rows are pruned with the change log', async () => {
      const { movies } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: movies.id });
      plex.changeItem('220', { title: 'Amélie' }); // nobody listens: only the orphaned job brings it
      const [orphan] = (await db()('ingest_jobs')
        .insert({
          collection_id: movies.id,
          kind: 'live',
          trigger: 'schedule',
          state: 'running',
          attempts: 1,
          worker: 'gone-host:1:dead',
          started_at: db().raw(`now() - interval '1 hour'`),
          heartbeat_at: db().raw(`now() - interval '1 hour'`),
          progress: JSON.stringify({ phase: 'starting' }),
          target: JSON.stringify({ reason: 'notification', changed: ['220'], deleted: [] }),
        })
        .returning('id')) as Array<{ id: string }>;
      // A process that owns the database starting up takes every running job as orphaned.
      const owner = new IngestQueue(db(), { log: testLogger, exclusive: true, concurrency: 0 });
      await owner.start();
      await owner.stop(1000);
      const job = await until(
        'the orphan run again',
        () => client().ingest.status.query({ jobId: orphan!.id }),
        (j) => j.state === 'done',
      );
      assert.equal(job.attempts, 2);
      assert.ok(await episodeNamed('Amélie'));
      assert.equal((await client().ingest.list.query({ collectionId: movies.id, kind: 'live' })).items.length, 1);

      await db()('ingest_jobs')
        .where({ id: orphan!.id })
        .update({ finished_at: db().raw(`now() - interval '100 days'`) });
      await db()('ingest_jobs')
        .where({ collection_id: movies.id, kind: 'collection' })
        .update({ finished_at: db().raw(`now() - interval '100 days'`) });
      assert.equal(await pruneLiveJobs(db(), 90), 1);
      assert.deepEqual(
        (await client().ingest.list.query({ collectionId: movies.id })).items.map((j) => j.kind),
        ['collection'],
      );
    });

    it('coalesces a burst into one targeted job for the collection', async () => {
      const { tv } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: tv.id });
      await live.refresh();
      await caughtUp(tv.id);
      await oneSocket();
      for (let i = 1; i <= 12; i++) plex.addEpisode('100', episode(String(400 + i), i));
      await until(
        'the burst ingested',
        () => db()('episodes').where('name', 'like', 'Live episode %').count({ n: '*' }),
        (r) => Number(r[0]!.n) === 12,
      );
      assert.equal(rec.queued.length, 1, JSON.stringify(rec.queued));
      assert.equal(rec.queued[0]!.changed.length, 12);
      assert.equal(rec.queued[0]!.collectionId, tv.id);
      // Another section's entries, and sections that are not collections of ours, never queue anything.
      plex.notify([{ identifier: 'com.plexapp.plugins.library', sectionID: '3', itemID: '77', type: 1, state: 5, updatedAt: 1 }]);
      await new Promise((r) => setTimeout(r, FAST.debounceMs * 3));
      assert.equal(rec.queued.length, 1);
    });

    it('reconnects with backoff after a drop, and the poll catches what changed meanwhile', async () => {
      const { movies } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: movies.id });
      await live.refresh();
      await oneSocket();

      plex.refuseConnections(true);
      plex.dropConnections();
      const closed = await until(
        'three failed reconnects',
        () => rec.states.filter((s) => s.state === 'closed'),
        (c) => c.length >= 3,
      );
      // Exponential with jitter: attempt n waits between half and all of min * 2^(n-1), capped.
      for (const [i, c] of closed.slice(0, 3).entries()) {
        const cap = Math.min(FAST.backoffMaxMs, FAST.backoffMinMs * 2 ** i);
        assert.equal(c.attempt, i + 1);
        assert.ok(c.retryInMs! >= cap / 2 && c.retryInMs! <= cap, `attempt ${i + 1}: ${c.retryInMs} ms`);
      }
      // Changed while the stream is down: no notification reaches us.
      plex.changeItem('200', { title: 'The Thing (Director Cut)' });
      plex.refuseConnections(false);
      await until(
        'the reconnect',
        () => plex.sockets,
        (n) => n === 1,
      );
      await until('the catch-up poll', () => episodeNamed('The Thing (Director Cut)'), Boolean);
      assert.ok(
        rec.queued.some((j) => j.reason === 'poll' && j.changed.includes('200')),
        JSON.stringify(rec.queued),
      );
      assert.ok(plex.connections >= 2);
      // The poll sent Plex's updatedAt filter.
      assert.ok(plex.requests.some((r) => r.path === '/library/sections/2/all' && r.query['updatedAt>>'] !== undefined));
    });

    it('the poll alone catches changes, and skips what is stored as it is', async () => {
      const { tv, movies } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: movies.id });
      await client().ingest.collection.mutate({ collectionId: tv.id });
      await live.refresh();
      await live.backstop(movies.id, 'poll');
      await live.backstop(tv.id, 'poll');
      assert.equal(rec.queued.length, 0, 'nothing changed: nothing queued');
      plex.addEpisode('100', episode('191', 7), { notify: false });
      plex.changeItem('210', { title: 'Lawrence of Arabia (Restored)' }, { notify: false });
      await live.backstop(tv.id, 'poll');
      await live.backstop(movies.id, 'poll');
      await until(
        'both changes',
        async () => [
          await episodeNamed('Lawrence of Arabia (Restored)'),
          await db()('episodes').where({ name: 'Live episode 7' }).first(),
        ],
        (v) => v.every(Boolean),
      );
      assert.deepEqual(
        rec.queued.map((j) => [j.reason, j.changed]),
        [
          ['poll', ['191']],
          ['poll', ['210']],
        ],
      );
    });

    it('on start, polls from the last finished ingest for what changed while nobody listened', async () => {
      const { movies } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: movies.id });
      plex.changeItem('200', { title: 'The Thing (while down)' }, { notify: false });
      await live.refresh();
      await until('the catch-up', () => episodeNamed('The Thing (while down)'), Boolean);
      assert.deepEqual(
        rec.queued.map((j) => [j.reason, j.changed]),
        [['poll', ['200']]],
      );
    });

    it('the deletion sweep marks missing what Plex no longer lists (a whole show with its episodes)', async () => {
      const { tv, movies } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: movies.id });
      await client().ingest.collection.mutate({ collectionId: tv.id });
      await live.refresh();
      plex.deleteItem('150', { notify: false }); // Pokémon and its episode
      plex.deleteItem('102', { notify: false }); // one episode of Cheers
      await live.backstop(tv.id, 'sweep');
      await live.backstop(movies.id, 'sweep');
      assert.deepEqual(
        rec.queued.map((j) => [j.reason, j.deleted.sort()]),
        [['sweep', ['102', '150', '151']]],
      );
      await until(
        'done',
        () => rec.done.length,
        (n) => n === 1,
      );
      const missing = (await db()('assets').whereNotNull('missing_since').pluck('uri')) as string[];
      assert.deepEqual(missing.map((u) => decodeURIComponent(u).split('/').pop()).sort(), [
        'Cheers - S01E02.mkv',
        'Pokémon - S01E01.mkv',
      ]);
    });

    it('a targeted job waits for a running full ingest of its collection', async () => {
      const { movies } = await plexSource(plex, true);
      await client().ingest.collection.mutate({ collectionId: movies.id });
      await live.refresh();
      await oneSocket();
      // A full run of the collection is running (as another worker would show it).
      const [job] = await db()('ingest_jobs')
        .insert({
          collection_id: movies.id,
          state: 'running',
          trigger: 'manual',
          progress: JSON.stringify({ phase: 'ingesting' }),
        })
        .returning('id');
      plex.changeItem('220', { title: 'Amélie' });
      await until(
        'the deferral',
        () => rec.done.filter((d) => d.result.deferred).length,
        (n) => n >= 1,
      );
      assert.equal(await episodeNamed('Amélie'), undefined, 'nothing written while the full run runs');
      // The deferred job is one row, queued again.
      const deferred = await until(
        'the row queued again',
        () => client().ingest.list.query({ collectionId: movies.id, kind: 'live' }),
        (p) => p.items.filter((j) => j.live?.reason === 'notification').every((j) => j.state === 'queued'),
      );
      deferred.items = deferred.items.filter((j) => j.live?.reason === 'notification');
      assert.equal(deferred.items.length, 1, 'a deferred job stays one row');
      await db()('ingest_jobs').where({ id: job.id }).update({ state: 'done', finished_at: db().fn.now() });
      await until('the change, after the full run', () => episodeNamed('Amélie'), Boolean);
      const ran = await until(
        'the live job done',
        () => client().ingest.status.query({ jobId: deferred.items[0]!.id }),
        (j) => j.state === 'done',
      );
      assert.ok(ran.attempts >= 2, 'claimed again after its deferral');
    });

    (ON_POSTGRES ? it : it.skip)('several workers: one holds the socket, another takes over when it stops', async () => {
      await plexSource(plex, true);
      const other = new LiveSync(db(), queue(), FAST, testLogger, { worker: false });
      await other.start();
      try {
        await live.refresh();
        await other.refresh();
        assert.equal(live.held().length + other.held().length, 1);
        await until(
          'one socket',
          () => plex.sockets,
          (n) => n === 1,
        );
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(plex.connections, 1);
        const [holder, standby] = live.held().length ? [live, other] : [other, live];
        await holder.stop();
        await standby.refresh();
        assert.equal(standby.held().length, 1);
        await until(
          'the new holder socket',
          () => plex.connections,
          (n) => n === 2,
        );
      } finally {
        await other.stop();
      }
    });
  });

  describe('folder watching', () => {
    async function watchedFolder(name: string) {
      const dir = folder(name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'Cheers', 'Season 01'), { recursive: true });
      fs.copyFileSync(path.join(MEDIA, 'h264-aac-3s.mkv'), path.join(dir, 'Cheers', 'Season 01', 'Cheers - S01E01.mkv'));
      const source = await client().sources.create.mutate({ kind: 'filesystem', name: name, config: { paths: [dir] } });
      const [collection] = await client().collections.discover.mutate({ sourceId: source.id });
      await client().collections.update.mutate({
        id: collection!.id,
        enabled: true,
        config: { ...(collection!.config ?? {}), live: true },
      });
      await live.refresh();
      // Watching starts with a full scan (what changed while nobody watched).
      await until(
        'the catch-up scan',
        () => db()('ingest_jobs').where({ collection_id: collection!.id, kind: 'collection' }).first(),
        (j) => j?.state === 'done',
      );
      await until(
        'the watch',
        () => live.held()[0]?.state,
        (s) => s === 'open',
      );
      return { dir, collection: collection! };
    }

    it('ingests a new file once its size settles, a rename, and marks a deletion missing', async () => {
      const { dir } = await watchedFolder('live-watch');
      const target = path.join(dir, 'Cheers', 'Season 01', 'Cheers - S01E02.mkv');
      const content = fs.readFileSync(path.join(MEDIA, 'mpeg2-ac3-4s.mkv'));
      // A slow copy: three chunks, each sooner than the settle time.
      const fd = fs.openSync(target, 'w');
      for (let i = 0; i < 3; i++) {
        fs.writeSync(fd, content.subarray((i * content.length) / 3, ((i + 1) * content.length) / 3));
        await new Promise((r) => setTimeout(r, FAST.settleMs / 3));
        assert.equal(rec.queued.length, 0, 'nothing queued while the file grows');
      }
      fs.closeSync(fd);
      const asset = await until('the new file', () => assetByUri(canonicalFileUri(target)), Boolean);
      assert.equal(Number(asset!.size), content.length, 'ingested whole');
      assert.deepEqual(
        rec.queued.map((j) => [j.reason, j.changed]),
        [['watch', ['Cheers/Season 01/Cheers - S01E02.mkv']]],
      );
      const episode = await db()('episodes').where({ number: 2 }).first();
      assert.ok(episode, 'named and linked as a full scan would');

      const renamed = path.join(dir, 'Cheers', 'Season 01', 'Cheers - S01E03.mkv');
      fs.renameSync(target, renamed);
      await until('the renamed file', () => assetByUri(canonicalFileUri(renamed)), Boolean);
      await until(
        'the old name missing',
        () => assetByUri(canonicalFileUri(target)),
        (a) => a?.missing_since != null,
      );

      fs.unlinkSync(renamed);
      await until(
        'the deletion',
        () => assetByUri(canonicalFileUri(renamed)),
        (a) => a?.missing_since != null,
      );
      const first = await assetByUri(canonicalFileUri(path.join(dir, 'Cheers', 'Season 01', 'Cheers - S01E01.mkv')));
      assert.equal(first?.missing_since, null, 'the untouched file stays present');
    });
  });
});
