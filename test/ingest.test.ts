import assert from 'node:assert/strict';
import type { RouterInputs } from '../sdk/index.js';
import { snapshotCounts } from './support/database.js';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { FairGate, readsWaiting, throughWriteGate, writesWaiting } from '../server/services/ingest/writeGate.js';
import { client, db } from './support/harness.js';

type Item = RouterInputs['ingest']['items']['items'][number];

const episode = (show: string, season: number, number: number, uri: string, extra: Record<string, unknown> = {}) => ({
  title: { kind: 'show' as const, name: show, year: 1990, providerRefs: [{ provider: 'tvdb', key: `${show}-id` }] },
  season: { number: season },
  episode: { number, name: `Episode ${number}`, providerRefs: [{ provider: 'tvdb', key: `${show}-${season}-${number}` }] },
  assets: [{ uri, size: 1000, durationMs: 1_500_000, videoCodec: 'h264', audioCodec: 'aac', container: 'mkv' }],
  ...extra,
});

const library = (): Item[] => [
  episode('Cheers', 1, 1, 'file:///tv/cheers/s01e01.mkv'),
  episode('Cheers', 1, 2, 'file:///tv/cheers/s01e02.mkv'),
  episode('Cheers', 2, 1, 'file:///tv/cheers/s02e01.mkv'),
  {
    title: {
      kind: 'movie',
      name: 'Alien',
      year: 1979,
      externalIds: { tmdb: '348' },
      providerRefs: [{ provider: 'tmdb', key: '348', raw: { title: 'Alien' } }],
    },
    assets: [
      { uri: 'file:///movies/alien-dvd.mkv', size: 10, durationMs: 7_000_000 },
      {
        uri: 'file:///movies/alien-bluray.mkv',
        size: 20,
        durationMs: 7_020_000,
        canonical: true,
        markers: [{ kind: 'credits', startMs: 6_800_000, endMs: 7_020_000 }],
      },
    ],
  },
];

describe('ingest.items', () => {
  it('creates the catalogue from normalized items, one canonical version per episode', async () => {
    const { report, rejected } = await client().ingest.items.mutate({ items: library() });
    assert.deepEqual(rejected, []);
    assert.equal(report.items, 4);
    assert.deepEqual(report.byKind.titles, { created: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(report.byKind.seasons, { created: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(report.byKind.episodes, { created: 4, updated: 0, unchanged: 0 });
    assert.deepEqual(report.byKind.assets, { created: 5, updated: 0, unchanged: 0 });
    assert.equal(report.queuedForReview, 0);

    const movie = (await client().titles.list.query({ search: 'Alien' })).items[0]!;
    const graph = await client().titles.get.query({ id: movie.id, include: ['episodes.assets.markers', 'providerRefs'] });
    const assets = graph.episodes![0]!.assets!;
    assert.deepEqual(
      assets.map((a) => [a.uri, a.canonical]),
      [
        ['file:///movies/alien-bluray.mkv', true],
        ['file:///movies/alien-dvd.mkv', false],
      ],
    );
    assert.equal(assets[0]!.markers![0]!.kind, 'credits');
    assert.deepEqual(graph.providerRefs![0]!.raw, { title: 'Alien' });
    assert.deepEqual(graph.externalIds, { tmdb: '348' });
    const found = await client().providerRefs.find.query({ provider: 'tvdb', providerKey: 'Cheers-1-2' });
    assert.equal(found.episode!.number, 2);
  });

  it('re-ingesting the same items changes nothing', async () => {
    await client().ingest.items.mutate({ items: library() });
    const before = await snapshotCounts(db());
    const rows = await db()('assets').orderBy('uri');
    const { report } = await client().ingest.items.mutate({ items: library() });
    assert.equal(report.rowsWritten, 0);
    assert.equal(report.created + report.updated, 0);
    assert.equal(
      report.unchanged,
      report.byKind.titles.unchanged +
        report.byKind.seasons.unchanged +
        report.byKind.episodes.unchanged +
        report.byKind.assets.unchanged +
        report.byKind.links.unchanged +
        report.byKind.providerRefs.unchanged +
        report.byKind.markers.unchanged,
    );
    assert.deepEqual(await snapshotCounts(db()), before);
    assert.deepEqual(await db()('assets').orderBy('uri'), rows);
  });

  it('a touched item whose markers did not change writes nothing (jsonb key order is not a change)', async () => {
    // jsonb stores object keys shortest first, then bytewise: `title` comes back after `index`.
    const withChapters = (): Item[] => {
      const items = library();
      items[0]!.assets[0]!.markers = [
        {
          kind: 'chapter',
          startMs: 0,
          endMs: 1000,
          payload: { title: 'Act 1', index: 1, nested: { zeta: 1, alpha: [{ b: 1, a: 2 }] } },
        },
        { kind: 'intro', startMs: 0, endMs: 500, payload: { source: 'plex', id: 7 } },
      ];
      return items;
    };
    await client().ingest.items.mutate({ items: withChapters() });
    const ids = await db()('markers').orderBy('id').pluck('id');
    // Without fingerprints (an item touched at its source, or the first re-sync after an upgrade) the
    // core compares markers, refs and files themselves: by meaning, not as text. The ref's raw payload
    // comes in a different key order too.
    await db()('episode_assets').update({ fingerprint: null });
    const touched = withChapters();
    touched[0]!.episode!.providerRefs![0]!.raw = { zeta: 1, alpha: { y: 2, b: 3 } };
    await client().ingest.items.mutate({ items: touched });
    await db()('episode_assets').update({ fingerprint: null });
    const again = withChapters();
    again[0]!.episode!.providerRefs![0]!.raw = { alpha: { b: 3, y: 2 }, zeta: 1 };
    const { report } = await client().ingest.items.mutate({ items: again });
    assert.equal(report.rowsWritten, 0);
    assert.deepEqual(report.byKind.markers, { created: 0, updated: 0, unchanged: 2 });
    assert.equal(report.byKind.providerRefs.updated, 0);
    assert.deepEqual(await db()('markers').orderBy('id').pluck('id'), ids, 'the same rows, not re-inserted copies');
    // A real difference inside the payload is still written.
    const changed = withChapters();
    (changed[0]!.assets[0]!.markers![0]!.payload as { title: string }).title = 'Act One';
    const { report: second } = await client().ingest.items.mutate({ items: changed });
    assert.deepEqual(second.byKind.markers, { created: 0, updated: 1, unchanged: 1 });
  });

  describe('cheap re-checks (fingerprints)', () => {
    /** Links that carry a fingerprint. */
    const fingerprinted = async () => Number((await db()('episode_assets').whereNotNull('fingerprint').count({ n: '*' }))[0]!.n);
    /** Statements run while `fn` runs (the server shares this knex instance). */
    const statementsDuring = async (fn: () => Promise<unknown>) => {
      const seen: string[] = [];
      const listener = (q: { sql: string }) => seen.push(q.sql.trim().replace(/\s+/g, ' '));
      db().on('query', listener);
      try {
        await fn();
      } finally {
        db().off('query', listener);
      }
      return seen;
    };

    it('an unchanged item, whatever its keys order, is skipped after one lookup and writes nothing', async () => {
      await client().ingest.items.mutate({ items: library() });
      assert.equal(await fingerprinted(), 4, 'one per strong item');
      // Every object's keys in reverse order, at every depth.
      const reversed = (value: unknown): unknown =>
        Array.isArray(value)
          ? value.map(reversed)
          : value !== null && typeof value === 'object'
            ? Object.fromEntries(
                Object.entries(value)
                  .reverse()
                  .map(([k, v]) => [k, reversed(v)]),
              )
            : value;
      const reordered = library().map((item) => reversed(item) as Item);
      let report: Awaited<ReturnType<ReturnType<typeof client>['ingest']['items']['mutate']>>['report'] | undefined;
      const statements = await statementsDuring(async () => {
        report = (await client().ingest.items.mutate({ items: reordered })).report;
      });
      assert.deepEqual(
        statements.filter((sql) => /^(insert|update|delete|with)/i.test(sql)),
        [],
      );
      assert.equal(statements.filter((sql) => sql.includes('fingerprint')).length, 1, 'one lookup');
      assert.equal(report!.rowsWritten, 0);
      assert.deepEqual(report!.byKind.episodes, { created: 0, updated: 0, unchanged: 4 });
      assert.deepEqual(report!.byKind.assets, { created: 0, updated: 0, unchanged: 5 });
      assert.deepEqual(report!.byKind.titles, { created: 0, updated: 0, unchanged: 2 });
    });

    it('an unchanged item whose file was marked missing comes back when seen again', async () => {
      await client().ingest.items.mutate({ items: library() });
      await db()('assets').where({ uri: 'file:///tv/cheers/s01e02.mkv' }).update({ missing_since: new Date() });
      await db()('assets').where({ uri: 'file:///movies/alien-dvd.mkv' }).update({ missing_since: new Date() });
      const { report } = await client().ingest.items.mutate({ items: library() });
      assert.equal(report.byKind.assets.updated, 2);
      assert.deepEqual(await db()('assets').whereNotNull('missing_since').pluck('uri'), []);
    });

    it('a person deleting an episode or unlinking a file invalidates its fingerprint: the next ingest writes it again', async () => {
      await client().ingest.items.mutate({ items: library() });
      const episode = await db()('episodes').where({ name: 'Episode 2' }).first();
      await client().episodes.delete.mutate({ id: episode.id });
      const asset = await db()('assets').where({ uri: 'file:///tv/cheers/s02e01.mkv' }).first();
      const link = await db()('episode_assets').where({ asset_id: asset.id }).first();
      await client().assets.unlinkEpisode.mutate({ assetId: asset.id, episodeId: link.episode_id });
      assert.equal(await fingerprinted(), 2, 'cascaded with the episode and the link');
      const { report } = await client().ingest.items.mutate({ items: library() });
      assert.equal(report.byKind.episodes.created, 1);
      assert.equal(report.byKind.links.created, 2);
      assert.equal(await fingerprinted(), 4);
      const { report: again } = await client().ingest.items.mutate({ items: library() });
      assert.equal(again.rowsWritten, 0);
    });

    it('a fingerprint lives on its link: replacing one writes no catalogue row and no change-log entry', async () => {
      await client().ingest.items.mutate({ items: library() });
      const logged = async () => Number((await db()('change_log').max({ p: 'position' }))[0]!.p);
      const before = await logged();
      // Stale fingerprints (another service version's, say): every item is compared in full again.
      await db().raw(`UPDATE episode_assets SET fingerprint = decode(repeat('ab', 20), 'hex') WHERE fingerprint IS NOT NULL`);
      const { report } = await client().ingest.items.mutate({ items: library() });
      assert.equal(report.rowsWritten, 0);
      assert.equal(report.byKind.links.updated, 0);
      assert.equal(await fingerprinted(), 4);
      assert.equal(
        Number(
          (
            await db()('episode_assets')
              .where('fingerprint', Buffer.from('ab'.repeat(20), 'hex'))
              .count({ n: '*' })
          )[0]!.n,
        ),
        0,
        'every stale fingerprint replaced',
      );
      assert.equal(await logged(), before, 'bookkeeping is not a change');
      // Nor does a deleted link's log entry carry it.
      const link = await db()('episode_assets').whereNotNull('fingerprint').first();
      await client().assets.unlinkEpisode.mutate({ assetId: link.asset_id, episodeId: link.episode_id });
      const entry = await db()('change_log')
        .where({ table_name: 'episode_assets', op: 'delete' })
        .orderBy('position', 'desc')
        .first();
      assert.deepEqual(Object.keys(entry.changes as object).sort(), ['asset_id', 'episode_id']);
    });

    it('a changed item is written again and its fingerprint replaced; weak items are never fingerprinted', async () => {
      await client().ingest.items.mutate({ items: [...library(), episode('Taxi', 1, 1, 'file:///tv/taxi/s01e01.mkv', {})] });
      const weak = episode('Taxi', 1, 2, 'file:///tv/taxi/s01e02.mkv');
      delete (weak.assets[0] as { durationMs?: number }).durationMs;
      await client().ingest.items.mutate({ items: [weak] });
      assert.equal(await fingerprinted(), 5, 'the weak item has none');
      const before = await db()('episode_assets')
        .whereNotNull('fingerprint')
        .orderBy(['asset_id', 'episode_id'])
        .pluck('fingerprint');
      const changed = library();
      changed[1]!.episode!.name = 'Renamed';
      const { report } = await client().ingest.items.mutate({ items: changed });
      assert.deepEqual(report.byKind.episodes, { created: 0, updated: 1, unchanged: 3 });
      const after = await db()('episode_assets')
        .whereNotNull('fingerprint')
        .orderBy(['asset_id', 'episode_id'])
        .pluck('fingerprint');
      const hex = (f: Uint8Array) => Buffer.from(f).toString('hex');
      assert.equal(after.filter((f: Uint8Array, i: number) => hex(f) !== hex(before[i] as Uint8Array)).length, 1);
    });
  });

  it('counts what changed as updated, and replaces changed markers', async () => {
    await client().ingest.items.mutate({ items: library() });
    const changed = library();
    changed[0]!.assets[0]!.size = 2000;
    changed[3]!.assets[1]!.markers = [{ kind: 'credits', startMs: 6_900_000, endMs: 7_020_000 }];
    changed[1]!.episode!.name = 'Renamed';
    const { report } = await client().ingest.items.mutate({ items: changed });
    assert.deepEqual(report.byKind.assets, { created: 0, updated: 1, unchanged: 4 });
    assert.deepEqual(report.byKind.episodes, { created: 0, updated: 1, unchanged: 3 });
    assert.deepEqual(report.byKind.markers, { created: 0, updated: 1, unchanged: 0 });
    const markers = await db()('markers').select('start_ms');
    assert.deepEqual(
      markers.map((m: { start_ms: number }) => m.start_ms),
      [6_900_000],
    );
  });

  it('refuses a batch with a bad item (all or nothing), naming the item', async () => {
    const items = [
      ...library(),
      { title: { kind: 'movie', name: 'Bad' }, season: { number: 1 }, assets: [{ uri: 'file:///x', size: -1 }] },
    ];
    const error = await expectRefusedUnchanged(() => client().ingest.items.mutate({ items: items as Item[] }), 'BAD_REQUEST');
    assert.match(error.message, /items\.4/);
  });

  it('partial mode keeps the good items and returns the bad ones', async () => {
    const items = [
      episode('Taxi', 1, 1, 'file:///tv/taxi.mkv'),
      { assets: [] },
      { assets: [{ uri: 'file:///y', size: 1, durationMs: 10, markers: [{ kind: 'avail', startMs: 5, endMs: 50 }] }] },
    ];
    const { report, rejected } = await client().ingest.items.mutate({ items: items as Item[], partial: true });
    assert.equal(report.items, 1);
    assert.deepEqual(
      rejected.map((r) => r.index),
      [1, 2],
    );
    assert.ok(rejected[1]!.errors.some((e) => /duration/.test(e.message)));
    assert.equal((await snapshotCounts(db())).assets, 1);
  });

  it('a call that fails in the database writes nothing, however many items it has', async () => {
    const items: Item[] = Array.from({ length: 700 }, (_, i) =>
      episode('Atomic', 1 + Math.floor(i / 100), i % 100, `file:///atomic/${i}.mkv`),
    );
    items[699]!.episode!.name = 'refused by the database';
    // A rule only the database knows, so the last item passes validation and fails on write.
    await db().raw(`ALTER TABLE episodes ADD CONSTRAINT ck_test_refuse CHECK (name IS DISTINCT FROM 'refused by the database')`);
    try {
      await expectRefusedUnchanged(() => client().ingest.items.mutate({ items }), 'BAD_REQUEST');
    } finally {
      await db().raw(`ALTER TABLE episodes DROP CONSTRAINT ck_test_refuse`);
    }
  });

  it('bounds the batch size', async () => {
    const items = Array.from({ length: 1001 }, (_, i) => episode('Big', 1, i, `file:///big/${i}.mkv`));
    await expectRefusedUnchanged(() => client().ingest.items.mutate({ items }), 'BAD_REQUEST');
  });

  describe('review routing', () => {
    it('a file with no duration is stored, not linked, and queued with a reason and confidence', async () => {
      const item = episode('Cheers', 1, 1, 'file:///tv/nodur.mkv');
      item.assets[0]!.durationMs = null as unknown as number;
      const { report } = await client().ingest.items.mutate({ items: [item] });
      assert.equal(report.queuedForReview, 1);
      const [review] = (await client().reviews.list.query({ status: 'pending' })).items;
      assert.equal(review!.confidence, 0.5);
      assert.match(review!.reason, /nodur\.mkv/, 'the reason names its file');
      assert.match(review!.reason, /missing duration/);
      assert.match(review!.reason, /suggested episode [0-9a-f-]{36}/);
      assert.equal((await client().assets.list.query({ unlinked: true })).items.length, 1);
      // The suggested episode exists: the reviewer can resolve onto it.
      const episodeId = /suggested episode ([0-9a-f-]{36})/.exec(review!.reason)![1]!;
      await client().reviews.resolve.mutate({ id: review!.id, episodeId, makeCanonical: true });
      assert.equal((await client().assets.list.query({ canonical: true })).items.length, 1);
      // A re-ingest neither re-queues nor unlinks what the person decided.
      const again = await client().ingest.items.mutate({ items: [item] });
      assert.equal(again.report.queuedForReview, 0);
      assert.equal(again.report.rowsWritten, 0);
    });

    it('an unidentified file and conflicting provider ids go to review instead of the catalogue', async () => {
      await client().ingest.items.mutate({ items: [episode('Cheers', 1, 1, 'file:///tv/a.mkv')] });
      const conflicting = episode('Frasier', 1, 1, 'file:///tv/b.mkv');
      conflicting.title.providerRefs = [{ provider: 'tvdb', key: 'Cheers-id' }];
      const twoIds = episode('Wings', 1, 1, 'file:///tv/c.mkv');
      twoIds.title.providerRefs = [
        { provider: 'tmdb', key: '1' },
        { provider: 'tmdb', key: '2' },
      ];
      const unknown = { assets: [{ uri: 'file:///tv/unknown.mkv', size: 5, durationMs: 1000 }] };
      const { report } = await client().ingest.items.mutate({ items: [conflicting, twoIds, unknown] });
      assert.equal(report.queuedForReview, 3);
      assert.deepEqual(
        (await client().titles.list.query({})).items.map((t) => t.name),
        ['Cheers'],
        'nothing guessed into the catalogue',
      );
      const reviews = (await client().reviews.list.query({ status: 'pending' })).items;
      const byReason = (re: RegExp) => reviews.find((r) => re.test(r.reason))!;
      assert.equal(byReason(/already names another title/).confidence, 0.4);
      assert.ok(byReason(/two tmdb ids/));
      assert.equal(byReason(/which title/).confidence, 0.3);
      assert.ok(reviews.every((r) => r.confidence >= 0 && r.confidence <= 1));
    });
  });

  it('concurrent overlapping ingests create no duplicate rows and one canonical per episode', async () => {
    const items = library();
    const shuffled = [...items].reverse();
    const results = await Promise.all([
      client().ingest.items.mutate({ items }),
      client().ingest.items.mutate({ items: shuffled }),
      client().ingest.items.mutate({ items: items.slice(1) }),
    ]);
    assert.equal(results.length, 3);
    const counts = await snapshotCounts(db());
    assert.equal(counts.titles, 2);
    assert.equal(counts.episodes, 4);
    assert.equal(counts.assets, 5);
    assert.equal(counts.episode_assets, 5);
    const doubled = await db()('episode_assets as ea')
      .join('assets as a', 'a.id', 'ea.asset_id')
      .where('a.canonical', true)
      .groupBy('ea.episode_id')
      .havingRaw('count(*) > 1')
      .select('ea.episode_id');
    assert.deepEqual(doubled, []);
  });

  it('a new multi-episode file next to an existing canonical version: the batch succeeds, the existing canonical stays', async () => {
    // Episode 2 already has its canonical version; a file holding episodes 1 and 2 arrives.
    await client().ingest.items.mutate({ items: [episode('Wings', 1, 2, 'file:///tv/wings/s01e02.mkv')] });
    const both = 'file:///tv/wings/s01e01-e02.mkv';
    const { report } = await client().ingest.items.mutate({
      items: [episode('Wings', 1, 1, both), episode('Wings', 1, 2, both)],
    });
    assert.equal(report.byKind.links.created, 2);
    const canonicalOf = async (number: number) =>
      db()('episodes as e')
        .join('seasons as s', 's.id', 'e.season_id')
        .join('episode_assets as ea', 'ea.episode_id', 'e.id')
        .join('assets as a', 'a.id', 'ea.asset_id')
        .where({ 's.number': 1, 'e.number': number })
        .orderBy('a.uri')
        .select('a.uri', 'a.canonical');
    assert.deepEqual(await canonicalOf(2), [
      { uri: both, canonical: false },
      { uri: 'file:///tv/wings/s01e02.mkv', canonical: true },
    ]);
    assert.deepEqual(await canonicalOf(1), [{ uri: both, canonical: false }]);

    // The same file split over two batches (canonical for episode 1 first): the second link is refused, with a notice.
    await client().ingest.items.mutate({ items: [episode('Frasier', 1, 2, 'file:///tv/frasier/s01e02.mkv')] });
    const split = 'file:///tv/frasier/s01e01-e02.mkv';
    await client().ingest.items.mutate({ items: [episode('Frasier', 1, 1, split)] });
    const { report: second } = await client().ingest.items.mutate({ items: [episode('Frasier', 1, 2, split)] });
    assert.match(second.notices.join('\n'), /s01e01-e02\.mkv is canonical for another episode/);
    const frasier = await db()('assets').where('uri', 'like', 'file:///tv/frasier/%').orderBy('uri').select('uri', 'canonical');
    assert.deepEqual(frasier, [
      { uri: split, canonical: true },
      { uri: 'file:///tv/frasier/s01e02.mkv', canonical: true },
    ]);
  });

  it('refuses a malformed collection id, and answers NOT_FOUND for an unknown one, writing nothing', async () => {
    await expectError(client().ingest.items.mutate({ items: library(), collectionId: 'not-a-uuid' }), 'BAD_REQUEST');
    await expectRefusedUnchanged(
      () => client().ingest.items.mutate({ items: library(), collectionId: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
  });
});

describe('the write gate of the embedded database (order only, no timings)', () => {
  /** A read or write the test ends by hand; the log records when each starts and ends. */
  const task = (name: string, log: string[]) => {
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const run = async () => {
      log.push(`${name} start`);
      try {
        await done;
      } finally {
        log.push(`${name} end`);
      }
    };
    return { run, finish, fail };
  };
  // Every continuation in the gate is a promise callback: one turn of the event loop settles them all.
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const gate = () => new FairGate(async () => undefined);

  it('reads that arrive while a write runs go before the next write; a read waits for the running write only', async () => {
    const g = gate();
    const log: string[] = [];
    const [w1, w2, r1, r2] = [task('w1', log), task('w2', log), task('r1', log), task('r2', log)];
    const writes = [g.write(w1.run), g.write(w2.run)];
    await settle();
    assert.deepEqual(log, ['w1 start'], 'one write at a time');
    const reads = [g.read(r1.run), g.read(r2.run)];
    await settle();
    assert.equal(g.readsWaiting, 2, 'both reads wait for the running write');
    assert.equal(g.writesWaiting, 1);
    w1.finish();
    await settle();
    assert.deepEqual(log, ['w1 start', 'w1 end', 'r1 start', 'r2 start'], 'the reads go first, not the queued write');
    assert.equal(g.readsWaiting, 0);
    r1.finish();
    await settle();
    assert.ok(!log.includes('w2 start'), 'the next write waits for every read that came before it');
    r2.finish();
    await settle();
    assert.equal(log.at(-1), 'w2 start');
    w2.finish();
    await Promise.all([...writes, ...reads]);
  });

  it('a write is not starved: it waits for the reads before its turn, not for later ones', async () => {
    const g = gate();
    const log: string[] = [];
    const [w1, w2, r1, r2] = [task('w1', log), task('w2', log), task('r1', log), task('r2', log)];
    const first = g.write(w1.run);
    await settle();
    const read1 = g.read(r1.run);
    w1.finish();
    await first;
    await settle();
    const second = g.write(w2.run);
    await settle();
    const read2 = g.read(r2.run); // after w2's turn came: w2 does not wait for it
    await settle();
    assert.deepEqual(log, ['w1 start', 'w1 end', 'r1 start', 'r2 start']);
    r1.finish();
    await settle();
    assert.equal(log.at(-1), 'w2 start', 'w2 ran while the later read was still open');
    r2.finish();
    w2.finish();
    await Promise.all([second, read1, read2]);
  });

  it('a failed write neither blocks the next write nor the reads behind it', async () => {
    const g = gate();
    const log: string[] = [];
    const [w1, w2, r1] = [task('w1', log), task('w2', log), task('r1', log)];
    const failed = g.write(w1.run);
    const next = g.write(w2.run);
    await settle();
    const read = g.read(r1.run);
    w1.fail(new Error('rolled back'));
    await assert.rejects(failed, /rolled back/);
    await settle();
    assert.deepEqual(log, ['w1 start', 'w1 end', 'r1 start']);
    r1.finish();
    await settle();
    assert.equal(log.at(-1), 'w2 start');
    w2.finish();
    await Promise.all([next, read]);
    assert.equal(g.writesWaiting + g.readsWaiting, 0);
  });
});

describe('the embedded database under ingest load', () => {
  before(function () {
    if (process.env.DATABASE_URL) this.skip(); // PostgreSQL has a pool: readers do not wait in line
  });

  it('a query over HTTP that arrives while an ingest write runs goes before the next write', async () => {
    const log: string[] = [];
    let endFirst!: () => void;
    // A write transaction holding the one connection until the test ends it.
    const first = throughWriteGate(db(), () =>
      db().transaction(async (trx) => {
        await trx.raw('SELECT 1');
        log.push('write 1');
        await new Promise<void>((resolve) => (endFirst = resolve));
      }),
    );
    while (!endFirst) await new Promise((resolve) => setImmediate(resolve));
    const read = client()
      .titles.list.query({ limit: 5 })
      .then(() => log.push('read'));
    while (readsWaiting(db()) === 0) await new Promise((resolve) => setImmediate(resolve));
    const second = throughWriteGate(db(), () =>
      db().transaction(async (trx) => {
        await trx.raw('SELECT 1');
        log.push('write 2');
      }),
    );
    endFirst();
    await Promise.all([first, read, second]);
    assert.deepEqual(log, ['write 1', 'read', 'write 2']);
  });

  it('readers wait for at most the running ingest, not a queue of them; health.check reports saturation', async function () {
    this.timeout(90_000);
    const items = (n: number) =>
      Array.from({ length: 300 }, (_, i) => ({
        title: { kind: 'show' as const, name: `Load ${n}`, year: 2000 },
        season: { number: 1 + Math.floor(i / 100) },
        episode: { number: i % 100 },
        assets: [{ uri: `file:///load/${n}/${i}.mkv`, size: 1, durationMs: 1000 }],
      }));
    const order: string[] = [];
    const ingests = Array.from({ length: 8 }, (_, n) =>
      client()
        .ingest.items.mutate({ items: items(n) })
        .then(() => order.push(`ingest ${n}`)),
    );
    // Until most of them wait at the write gate (validation of each call comes first).
    for (let i = 0; i < 400 && writesWaiting(db()) < 5; i++) await new Promise((r) => setTimeout(r, 25));
    const health = await client().health.check.query();
    order.push('health');
    await client().titles.list.query({ limit: 5 });
    order.push('read');
    await Promise.all(ingests);
    assert.equal(health.status, 'ok');
    assert.equal(health.database.saturated, true);
    assert.ok(health.database.waiting >= 4, `waiting: ${health.database.waiting}`);
    assert.ok(order.indexOf('read') <= 3, `the read came after: ${order.join(', ')}`);
    assert.equal((await client().health.check.query()).database.saturated, false, 'not saturated once the load passed');
  });
});

describe('ingest.parsePaths', () => {
  it('reads paths as the folder scanner would, in input order, touching nothing', async () => {
    const before = await snapshotCounts(db());
    const { items } = await client().ingest.parsePaths.query({
      paths: [
        'Show/Season 02/Show - S02E03E04 - Two Parter.mkv',
        '/mnt/movies/The Matrix (1999) {tmdb-603}/The.Matrix.1999.1080p.BluRay.x264-GRP.mkv',
        'Movie (2020)/Movie (2020)-trailer.mkv',
        'Movie (2020)/movie.nfo',
        'c329b27187d44a94b4a25b21502db552.mkv',
      ],
    });
    assert.deepEqual(
      items.map((i) => i.kind),
      ['episode', 'movie', 'extra', 'ignored', 'unknown'],
    );
    assert.deepEqual(items[0], {
      path: 'Show/Season 02/Show - S02E03E04 - Two Parter.mkv',
      kind: 'episode',
      show: 'Show',
      season: 2,
      episode: 3,
      episodeEnd: 4,
      episodeTitle: 'Two Parter',
    });
    assert.deepEqual([items[1]!.title, items[1]!.year, items[1]!.providerIds], ['The Matrix', 1999, { tmdb: '603' }]);
    assert.match(items[4]!.reason!, /c329b27187d44a94b4a25b21502db552\.mkv/);
    assert.deepEqual(await snapshotCounts(db()), before);
  });

  it('refuses an empty list, blank paths and more than 500 paths', async () => {
    await expectError(client().ingest.parsePaths.query({ paths: [] }), 'BAD_REQUEST');
    await expectError(client().ingest.parsePaths.query({ paths: [' '] }), 'BAD_REQUEST');
    await expectError(
      client().ingest.parsePaths.query({ paths: Array.from({ length: 501 }, (_, i) => `${i}.mkv`) }),
      'BAD_REQUEST',
    );
  });
});
