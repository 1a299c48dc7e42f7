import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { RouterInputs, RouterOutputs } from '../sdk/index.js';
import { CatalogQueryInput } from '../server/schemas.js';
import { countMatching } from '../server/services/catalog.js';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { client, db } from './support/harness.js';

type Query = RouterInputs['catalog']['query'];
type Row = RouterOutputs['catalog']['query']['items'][number];
type Item = RouterInputs['ingest']['items']['items'][number];

/** A filesystem source with one collection (its folder exists, empty: items arrive by ingest.items). */
async function collection(name: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `retrovue-catalog-${name}-`));
  const source = await client().sources.create.mutate({ kind: 'filesystem', name, config: { paths: [dir] } });
  const [found] = await client().collections.discover.mutate({ sourceId: source.id });
  fs.rmSync(dir, { recursive: true, force: true });
  return { sourceId: source.id, collectionId: found!.id };
}

const MIN = 60_000;

/** A playable movie written by hand in a transaction (a concurrent writer): its title, episode and file ids. */
async function insertBrazil(
  trx: Knex.Transaction,
  genres: string[] = [],
): Promise<{ title: string; episode: string; asset: string }> {
  const [title] = (await trx('titles').insert({ kind: 'movie', name: 'Brazil', year: 1985, genres }).returning('id')) as Array<{
    id: string;
  }>;
  const [episode] = (await trx('episodes').insert({ title_id: title!.id, name: 'Brazil' }).returning('id')) as Array<{
    id: string;
  }>;
  const [asset] = (await trx('assets')
    .insert({ uri: 'file:///media/brazil.mkv', size: 1, duration_ms: 90 * MIN, canonical: true })
    .returning('id')) as Array<{ id: string }>;
  await trx('episode_assets').insert({ episode_id: episode!.id, asset_id: asset!.id });
  return { title: title!.id, episode: episode!.id, asset: asset!.id };
}

/**
 * Cheers (comedy, TV-PG, NBC; a special, 4 + 3 episodes, avails on season 1), The X-Files (drama/sci-fi,
 * TV-14, 3 episodes, one air date in 1994), Alien (horror/sci-fi, R) and Airplane! (comedy, PG).
 * Cheers and Alien come from collection A, the rest from collection B.
 */
async function library() {
  const a = await collection('A');
  const b = await collection('B');
  const file = (c: { collectionId: string }, name: string, durationMs: number, markers = false) => ({
    uri: `file:///media/${name}.mkv`,
    size: 1000,
    durationMs,
    videoCodec: 'h264',
    audioCodec: 'aac',
    container: 'mkv',
    providerRefs: [{ provider: 'filesystem', key: `${c.collectionId}:/${name}.mkv` }],
    ...(markers ? { markers: [{ kind: 'avail', startMs: 600_000, endMs: 600_000 }] } : {}),
  });
  const cheers = { kind: 'show' as const, name: 'Cheers', year: 1982, genres: ['Comedy'], contentRating: 'TV-PG', studio: 'NBC' };
  const xfiles = { kind: 'show' as const, name: 'The X-Files', year: 1993, genres: ['Drama', 'Sci-Fi'], contentRating: 'TV-14' };
  const items: Item[] = [
    { title: cheers, season: { number: 0 }, episode: { number: 1, name: 'Special' }, assets: [file(a, 'cheers-s0e1', 10 * MIN)] },
    ...[1, 2, 3, 4].map((n) => ({
      title: cheers,
      season: { number: 1 },
      episode: { number: n, name: `Cheers 1.${n}` },
      assets: [file(a, `cheers-s1e${n}`, (20 + n) * MIN, true)],
    })),
    ...[1, 2, 3].map((n) => ({
      title: cheers,
      season: { number: 2 },
      episode: { number: n, name: `Cheers 2.${n}` },
      assets: [file(a, `cheers-s2e${n}`, 25 * MIN)],
    })),
    ...[1, 2, 3].map((n) => ({
      title: xfiles,
      season: { number: 1 },
      episode: { number: n, name: `X-Files 1.${n}`, ...(n === 3 ? { originallyAvailableAt: '1994-01-07' } : {}) },
      assets: [file(b, `xfiles-s1e${n}`, 45 * MIN)],
    })),
    {
      title: { kind: 'movie', name: 'Alien', year: 1979, genres: ['Horror', 'Sci-Fi'], contentRating: 'R' },
      assets: [file(a, 'alien', 117 * MIN)],
    },
    {
      title: { kind: 'movie', name: 'Airplane!', year: 1980, genres: ['Comedy'], contentRating: 'PG' },
      assets: [file(b, 'airplane', 88 * MIN)],
    },
  ];
  await client().ingest.items.mutate({ items });
  return { a, b };
}

const label = (r: Row) => (r.kind === 'movie' ? r.titleName : `${r.titleName} ${r.seasonNumber}x${r.episodeNumber}`);
const labels = async (input: Query) => (await client().catalog.query.query({ limit: 500, ...input })).items.map(label);

const BROADCAST = [
  'Airplane!',
  'Alien',
  'Cheers 0x1',
  'Cheers 1x1',
  'Cheers 1x2',
  'Cheers 1x3',
  'Cheers 1x4',
  'Cheers 2x1',
  'Cheers 2x2',
  'Cheers 2x3',
  'The X-Files 1x1',
  'The X-Files 1x2',
  'The X-Files 1x3',
];

async function walk(input: Query): Promise<{ labels: string[]; totals: Array<number | null> }> {
  const out: string[] = [];
  const totals: Array<number | null> = [];
  let cursor: string | undefined;
  do {
    const page = await client().catalog.query.query({ ...input, ...(cursor ? { cursor } : {}) });
    out.push(...page.items.map(label));
    totals.push(page.total);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { labels: out, totals };
}

describe('catalog.query', () => {
  it('lists playable episodes and movies in broadcast order with what a scheduler needs', async () => {
    await library();
    const page = await client().catalog.query.query({});
    assert.deepEqual(page.items.map(label), BROADCAST);
    assert.equal(page.total, 13);
    assert.equal(page.nextCursor, null);
    const first = page.items.find((r) => label(r) === 'Cheers 1x2')!;
    assert.equal(first.durationMs, 22 * MIN);
    assert.equal(first.contentRating, 'TV-PG');
    assert.deepEqual(first.genres, ['Comedy']);
    assert.equal(first.year, 1982);
    assert.equal(first.episodeName, 'Cheers 1.2');
    assert.equal(first.playable, true);
    assert.ok(first.assetId && first.titleId && first.episodeId);
  });

  it('filters by kind, titles (ids or names), seasons and episode ranges', async () => {
    await library();
    assert.deepEqual(await labels({ kind: 'movie' }), ['Airplane!', 'Alien']);
    const xfiles = (await client().titles.list.query({ search: 'X-Files' })).items[0]!;
    assert.deepEqual(await labels({ titleIds: [xfiles.id] }), ['The X-Files 1x1', 'The X-Files 1x2', 'The X-Files 1x3']);
    assert.deepEqual(await labels({ titleNames: ['alien', 'AIRPLANE!'] }), ['Airplane!', 'Alien']);
    assert.deepEqual(await labels({ titleNames: ['Cheers'], seasons: [2] }), ['Cheers 2x1', 'Cheers 2x2', 'Cheers 2x3']);
    assert.deepEqual(await labels({ titleNames: ['Cheers'], episodes: ['2..3'] }), [
      'Cheers 1x2',
      'Cheers 1x3',
      'Cheers 2x2',
      'Cheers 2x3',
    ]);
    assert.deepEqual(await labels({ titleNames: ['Cheers'], seasons: [1], episodes: [1, '4..'] }), ['Cheers 1x1', 'Cheers 1x4']);
    assert.deepEqual(await labels({ titleNames: ['Cheers'], seasons: [1], episodes: ['..2'] }), ['Cheers 1x1', 'Cheers 1x2']);
  });

  it('filters by duration, genres, content ratings and years (include and exclude)', async () => {
    await library();
    assert.deepEqual(await labels({ minDurationMs: 22 * MIN, maxDurationMs: 24 * MIN }), [
      'Cheers 1x2',
      'Cheers 1x3',
      'Cheers 1x4',
    ]);
    assert.deepEqual(await labels({ genres: { include: ['Sci-Fi'] } }), [
      'Alien',
      'The X-Files 1x1',
      'The X-Files 1x2',
      'The X-Files 1x3',
    ]);
    assert.deepEqual(await labels({ genres: { include: ['Comedy', 'Horror'], exclude: ['Sci-Fi'] }, kind: 'movie' }), [
      'Airplane!',
    ]);
    // Genres ignore case, both ways: the filter's spelling and the stored one.
    assert.deepEqual(await labels({ genres: { include: ['sci-fi'] } }), await labels({ genres: { include: ['Sci-Fi'] } }));
    assert.deepEqual(await labels({ genres: { include: ['COMEDY', 'horror'], exclude: ['SCI-FI'] }, kind: 'movie' }), [
      'Airplane!',
    ]);
    await client().titles.update.mutate({
      id: (await client().titles.list.query({ search: 'Airplane!' })).items[0]!.id,
      genres: ['comedy'],
    });
    assert.deepEqual(await labels({ genres: { include: ['Comedy'] }, kind: 'movie' }), ['Airplane!']);
    assert.deepEqual(await labels({ genres: { exclude: ['Comedy'] }, kind: 'movie' }), ['Alien']);
    assert.deepEqual(await labels({ contentRatings: { include: ['R', 'PG'] } }), ['Airplane!', 'Alien']);
    assert.equal((await labels({ contentRatings: { exclude: ['TV-PG', 'TV-14'] } })).length, 2);
    assert.deepEqual(await labels({ minYear: 1980, maxYear: 1990 }), [
      'Airplane!',
      ...BROADCAST.filter((l) => l.startsWith('Cheers')),
    ]);
    // An episode's own air date wins over its show's year.
    assert.deepEqual(await labels({ minYear: 1994 }), ['The X-Files 1x3']);
  });

  it('filters by source, collection and marker kind, and combines filters', async () => {
    const { a, b } = await library();
    assert.deepEqual(await labels({ collectionId: b.collectionId }), [
      'Airplane!',
      'The X-Files 1x1',
      'The X-Files 1x2',
      'The X-Files 1x3',
    ]);
    assert.equal((await labels({ sourceId: a.sourceId })).length, 9);
    assert.deepEqual(await labels({ hasMarkerKind: 'avail', episodes: ['3..'] }), ['Cheers 1x3', 'Cheers 1x4']);
    assert.deepEqual(
      await labels({
        kind: 'show',
        genres: { include: ['Comedy'] },
        contentRatings: { include: ['TV-PG'] },
        sourceId: a.sourceId,
        seasons: [1, 2],
        episodes: ['2..3'],
        maxDurationMs: 23 * MIN,
      }),
      ['Cheers 1x2', 'Cheers 1x3'],
    );
    assert.deepEqual(await labels({ kind: 'movie', sourceId: a.sourceId, genres: { exclude: ['Horror'] } }), []);
  });

  it('offers only playable items unless asked, and says which are not', async () => {
    await library();
    const cheers = (await client().titles.list.query({ search: 'Cheers' })).items[0]!;
    const episode = await client().episodes.create.mutate({
      titleId: cheers.id,
      seasonId: (await client().seasons.list.query({ titleId: cheers.id })).items[2]!.id,
      number: 9,
    });
    const before = await labels({ titleIds: [cheers.id] });
    assert.ok(!before.includes('Cheers 2x9'), 'no canonical version: not playable');
    const all = (await client().catalog.query.query({ titleIds: [cheers.id], playableOnly: false })).items;
    const row = all.find((r) => r.episodeId === episode.id)!;
    assert.deepEqual([row.playable, row.assetId, row.durationMs], [false, null, null]);
  });

  it('pages by keyset with a total, without gaps or repeats, and refuses foreign cursors', async () => {
    await library();
    const { labels: paged, totals } = await walk({ limit: 3 });
    assert.deepEqual(paged, BROADCAST);
    assert.deepEqual(new Set(totals), new Set([13]));
    const uncounted = await walk({ limit: 5, withTotal: false });
    // The total is counted once per filter and catalogue version: any write makes the next first page count again.
    assert.equal(
      (await client().catalog.query.query({ limit: 3, order: 'random', seed: 5 })).total,
      13,
      'the order does not change it',
    );
    await client().ingest.items.mutate({
      items: [
        {
          title: { kind: 'movie', name: 'Brazil', year: 1985 },
          assets: [{ uri: 'file:///media/brazil.mkv', size: 1, durationMs: 90 * MIN }],
        },
      ],
    });
    assert.equal((await client().catalog.query.query({ limit: 3 })).total, 14);
    const brazil = (await client().catalog.query.query({ titleNames: ['Brazil'] })).items[0]!;
    await db()('assets').where({ id: brazil.assetId! }).update({ missing_since: new Date() });
    assert.equal((await client().catalog.query.query({ limit: 3 })).total, 13, 'a file gone: counted again');
    assert.deepEqual([uncounted.labels, new Set(uncounted.totals)], [BROADCAST, new Set([null])]);
    const page = await client().catalog.query.query({ limit: 3 });
    await expectError(client().catalog.query.query({ limit: 3, kind: 'show', cursor: page.nextCursor! }), 'BAD_REQUEST');
    await expectError(client().catalog.query.query({ cursor: 'garbage' }), 'BAD_REQUEST');
    await expectError(client().catalog.query.query({ minDurationMs: 5, maxDurationMs: 1 }), 'BAD_REQUEST');
    await expectError(client().catalog.query.query({ episodes: ['2..x'] }), 'BAD_REQUEST');
  });

  it('never keeps a total counted while a writer that moved the catalogue version was still in flight', async function () {
    // Two connections at once: PostgreSQL only (the embedded database has one, a writer would block the read).
    if (!process.env.DATABASE_URL) this.skip();
    await library();
    assert.equal((await client().catalog.query.query({ limit: 1 })).total, 13);
    const trx = await db().transaction();
    try {
      // The writer bumps the version with its first statement and commits only after the count.
      await insertBrazil(trx);
      assert.equal((await client().catalog.query.query({ limit: 1 })).total, 13, 'the uncommitted movie is not counted');
      await trx.commit();
    } catch (e) {
      await trx.rollback();
      throw e;
    }
    assert.equal((await client().catalog.query.query({ limit: 1 })).total, 14, 'the count taken during the write was not kept');
  });

  it('keeps every total exact right after each kind of write, recounting only the titles the write touched', async () => {
    const { a, b } = await library();
    const pools: Record<string, Query> = {
      all: {},
      comedy: { genres: { include: ['comedy'] } },
      notComedy: { genres: { exclude: ['Comedy'] } },
      avails: { hasMarkerKind: 'avail' },
      collectionB: { collectionId: b.collectionId },
      sourceA: { sourceId: a.sourceId },
      season1: { seasons: [1] },
      long: { minDurationMs: 24 * MIN },
      everything: { playableOnly: false },
      pg: { contentRatings: { include: ['TV-PG', 'PG'] }, maxYear: 1985 },
    };
    type Kept = Parameters<typeof countMatching>[3];
    const kept = new Map<string, Kept>();
    const input = (q: Query) => CatalogQueryInput.parse({ ...q, limit: 500 });
    // Counted from scratch, then through the service as a scheduler asks (first page with total), then
    // brought forward from the last count of the same pool: all three agree, and agree with the rows listed.
    const check = async (what: string, incremental = true) => {
      for (const [name, q] of Object.entries(pools)) {
        const fresh = (await countMatching(db(), input(q))).counted.total;
        const page = await client().catalog.query.query({ ...q, limit: 500 });
        assert.equal(page.total, fresh, `${what}: ${name}, total of the first page`);
        assert.equal(page.items.length, fresh, `${what}: ${name}, rows listed`);
        const before = kept.get(name);
        const forward = await countMatching(db(), input(q), [], before);
        assert.equal(forward.counted.total, fresh, `${what}: ${name}, brought forward`);
        if (before) assert.equal(forward.incremental, incremental, `${what}: ${name}, counted only what the write touched`);
        kept.set(name, forward.counted);
      }
    };
    await check('at first');
    const cheersId = (await db()('titles').where({ name: 'Cheers' }).first('id')).id as string;
    const xfiles = await client().catalog.query.query({ titleNames: ['The X-Files'] });

    await client().ingest.items.mutate({
      items: [
        {
          title: { kind: 'movie', name: 'Brazil', year: 1985, genres: ['Comedy'], contentRating: 'PG' },
          assets: [{ uri: 'file:///media/brazil.mkv', size: 1, durationMs: 90 * MIN }],
        },
      ],
    });
    await check('a movie ingested');
    await db()('titles')
      .where({ id: cheersId })
      .update({ genres: ['Drama'] });
    await check('a show out of the comedy pool (title genres)');
    await db()('episodes')
      .where({ id: xfiles.items[0]!.episodeId })
      .update({ genres: ['COMEDY'] });
    await check('an episode into the comedy pool (episode genres)');
    await db()('titles')
      .where({ id: cheersId })
      .update({ genres: ['Comedy'], content_rating: 'TV-14' });
    await check('a show back in the comedy pool, out of a rating');
    await db()('assets').where({ id: xfiles.items[1]!.assetId! }).update({ missing_since: new Date() });
    await check('a file gone missing');
    await db()('assets')
      .where({ id: xfiles.items[2]!.assetId! })
      .update({ duration_ms: 10 * MIN });
    await check('a file shorter');
    const cheers = (await client().catalog.query.query({ titleIds: [cheersId], playableOnly: false })).items;
    await db()('markers')
      .where({ asset_id: cheers.find((r) => r.episodeName === 'Cheers 1.2')!.assetId! })
      .delete();
    await check('a marker deleted');
    await db()('markers').insert({
      asset_id: cheers.find((r) => r.episodeName === 'Cheers 2.1')!.assetId!,
      kind: 'avail',
      start_ms: 1,
      end_ms: 1,
    });
    await check('a marker added');
    await db()('provider_refs')
      .where({ asset_id: cheers.find((r) => r.episodeName === 'Cheers 2.2')!.assetId! })
      .update({ provider_key: db().raw(`replace(provider_key, ?, ?)`, [a.collectionId, b.collectionId]) });
    await check('a file moved to another collection');
    await db()('seasons').where({ title_id: cheersId, number: 1 }).update({ number: 7 });
    await check('a season renumbered');
    await db()('episodes')
      .where({ id: cheers.find((r) => r.episodeName === 'Cheers 2.3')!.episodeId })
      .delete();
    await check('an episode deleted');
    await db()('episode_assets')
      .where({ episode_id: cheers.find((r) => r.episodeName === 'Cheers 2.1')!.episodeId })
      .delete();
    await check('a link deleted');
    await db()('assets').where({ id: xfiles.items[0]!.assetId! }).delete();
    await check('a file deleted (links, markers, refs cascade)');
    await db()('titles').where({ name: 'Alien' }).delete();
    await check('a title deleted');
    await db().raw(`UPDATE source_collections SET name = name || ' (renamed)'`);
    for (const name of ['sourceA', 'all']) {
      const forward = await countMatching(db(), input(pools[name]!), [], kept.get(name));
      // A filter by source reads the collections: counted whole; the others are untouched.
      assert.equal(forward.incremental, name !== 'sourceA', `collections renamed: ${name}`);
      kept.set(name, forward.counted);
    }
    await db().raw(`DELETE FROM change_log WHERE false`);
    await check('the change log pruned: everything counted again', false);
    await db().raw(`TRUNCATE markers`);
    await check('a table truncated: everything counted again', false);
    await check('nothing since');
  });

  it('keeps the total exact when a concurrent writer commits around a count', async function () {
    // Two connections at once: PostgreSQL only (the embedded database has one, a writer would block the read).
    if (!process.env.DATABASE_URL) this.skip();
    await library();
    const input = CatalogQueryInput.parse({ genres: { include: ['Comedy'] } });
    const fresh = async () => (await countMatching(db(), input)).counted.total;
    const first = await countMatching(db(), input);
    assert.equal(first.counted.total, 9);
    assert.equal((await client().catalog.query.query({ genres: { include: ['Comedy'] } })).total, 9);
    const trx = await db().transaction();
    let during: Awaited<ReturnType<typeof countMatching>>;
    try {
      await insertBrazil(trx, ['Comedy']);
      await trx('titles')
        .where({ name: 'The X-Files' })
        .update({ genres: ['Drama', 'Comedy'] });
      // Another writer starts after it and commits first: the snapshot lists the first one as in progress.
      await db().raw(`UPDATE titles SET year = year WHERE name = 'Alien'`);
      // Counted (from the last count) while the writer is in flight, then (through the service) as it commits.
      during = await countMatching(db(), input, [], first.counted);
      assert.deepEqual([during.counted.total, during.incremental], [9, true], 'the uncommitted writes are not counted');
      const racing = client().catalog.query.query({ genres: { include: ['Comedy'] } });
      await trx.commit();
      assert.ok([9, 13].includes((await racing).total!), 'the racing count saw the writer wholly or not at all');
    } catch (e) {
      await trx.rollback();
      throw e;
    }
    const after = await countMatching(db(), input, [], during.counted);
    assert.deepEqual([after.counted.total, after.incremental], [await fresh(), true], 'the writer committed since is counted');
    assert.equal(after.counted.total, 13, 'Brazil and The X-Files in');
    assert.equal((await client().catalog.query.query({ genres: { include: ['Comedy'] } })).total, 13);
    assert.equal((await client().catalog.query.query({ genres: { include: ['Comedy'] }, limit: 500 })).items.length, 13);
  });

  it('stays stable when episodes are added elsewhere while paging', async () => {
    await library();
    const first = await client().catalog.query.query({ limit: 4 });
    await client().ingest.items.mutate({
      items: [
        {
          title: { kind: 'movie', name: 'Aardvark', year: 2000 },
          assets: [{ uri: 'file:///media/aardvark.mkv', size: 1, durationMs: MIN }],
        },
      ],
    });
    const rest = await walk({ limit: 4, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) });
    assert.deepEqual([...first.items.map(label), ...rest.labels], BROADCAST);
  });

  it('orders at random by seed: the same seed gives the same order, page by page', async () => {
    await library();
    const once = await labels({ order: 'random', seed: 7 });
    const paged = await walk({ order: 'random', seed: 7, limit: 2 });
    assert.deepEqual(paged.labels, once);
    // Pages across the point where the stored shuffle wraps (a page of two statements), whatever the seed.
    for (const seed of [11, 12, 13, 14, 15])
      for (const limit of [3, 5])
        assert.deepEqual(
          (await walk({ order: 'random', seed, limit })).labels,
          await labels({ order: 'random', seed }),
          `seed ${seed}, pages of ${limit}`,
        );
    assert.deepEqual([...once].sort(), [...BROADCAST].sort(), 'the same items, shuffled');
    assert.deepEqual(await labels({ order: 'random', seed: 7 }), once);
    const others = await Promise.all([1, 2, 3, 4].map((seed) => labels({ order: 'random', seed })));
    assert.ok(
      others.some((o) => JSON.stringify(o) !== JSON.stringify(once)),
      'another seed gives another order',
    );
    const comedy = await walk({ order: 'random', seed: 99, genres: { include: ['Comedy'] }, limit: 3 });
    assert.equal(comedy.labels.length, 9);
    assert.deepEqual(new Set(comedy.totals), new Set([9]));
    await expectRefusedUnchanged(() => client().catalog.query.query({ order: 'random' }), 'BAD_REQUEST');
  });
});

describe('catalog.next / catalog.previous', () => {
  const id = async (l: string) =>
    (await client().catalog.query.query({ limit: 500 })).items.find((r) => label(r) === l)!.episodeId;
  const step = async (dir: 'next' | 'previous', from: string, options: { includeSpecials?: boolean; wrap?: boolean } = {}) => {
    const { item, wrapped } = await client().catalog[dir].query({ episodeId: await id(from), ...options });
    return item ? `${label(item)}${wrapped ? ' (wrapped)' : ''}` : null;
  };

  it('steps through a show in broadcast order across seasons, skipping specials unless asked', async () => {
    await library();
    assert.equal(await step('next', 'Cheers 1x4'), 'Cheers 2x1');
    assert.equal(await step('previous', 'Cheers 2x1'), 'Cheers 1x4');
    assert.equal(await step('previous', 'Cheers 1x1'), null);
    assert.equal(await step('previous', 'Cheers 1x1', { includeSpecials: true }), 'Cheers 0x1');
    assert.equal(await step('next', 'Cheers 0x1'), 'Cheers 1x1');
    assert.equal(await step('next', 'Cheers 2x3'), null);
    assert.equal(await step('next', 'Cheers 2x3', { wrap: true }), 'Cheers 1x1 (wrapped)');
    assert.equal(await step('previous', 'Cheers 1x1', { wrap: true }), 'Cheers 2x3 (wrapped)');
    assert.equal(await step('next', 'Alien'), null, 'a movie has no next episode');
  });

  it('is stable when episodes are added elsewhere, and skips what cannot be played', async () => {
    await library();
    const cheersId = (await client().titles.list.query({ search: 'Cheers' })).items[0]!.id;
    const season2 = (await client().seasons.list.query({ titleId: cheersId })).items[2]!;
    await client().episodes.create.mutate({ titleId: cheersId, seasonId: season2.id, number: 10 });
    assert.equal(await step('next', 'Cheers 1x2'), 'Cheers 1x3');
    assert.equal(await step('next', 'Cheers 2x3'), null, 'the new episode has no file yet');
    const { item } = await client().catalog.next.query({ episodeId: await id('Cheers 2x3'), playableOnly: false });
    assert.equal(item?.episodeNumber, 10);
    await expectError(client().catalog.next.query({ episodeId: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });
});

describe('metadata', () => {
  it('ingests metadata, keeps what a person edited, and lets the sync update the rest', async () => {
    const item = (over: Record<string, unknown> = {}): Item => ({
      title: { kind: 'show', name: 'Taxi', year: 1978, genres: ['Comedy'], contentRating: 'TV-PG', summary: 'Cabbies', ...over },
      season: { number: 1 },
      episode: { number: 1, name: 'Like Father', originallyAvailableAt: '1978-09-12', contentRating: 'TV-G' },
      assets: [{ uri: 'file:///taxi/1.mkv', size: 1, durationMs: MIN }],
    });
    await client().ingest.items.mutate({ items: [item()] });
    const [taxi] = (await client().titles.list.query({ search: 'Taxi' })).items;
    assert.deepEqual(
      [taxi!.genres, taxi!.contentRating, taxi!.summary, taxi!.lockedFields],
      [['Comedy'], 'TV-PG', 'Cabbies', []],
    );
    const [episode] = (await client().episodes.list.query({ titleId: taxi!.id })).items;
    assert.deepEqual([episode!.originallyAvailableAt, episode!.contentRating], ['1978-09-12', 'TV-G']);

    const again = await client().ingest.items.mutate({ items: [item()] });
    assert.equal(again.report.rowsWritten, 0, 'unchanged metadata writes nothing');

    const edited = await client().titles.update.mutate({ id: taxi!.id, genres: ['Sitcom'], studio: 'ABC' });
    assert.deepEqual(edited.lockedFields, ['genres', 'studio']);
    await client().episodes.update.mutate({ id: episode!.id, name: 'Like Father, Like Daughter' });

    const sync = await client().ingest.items.mutate({
      items: [item({ genres: ['Comedy', 'Drama'], studio: 'Paramount', summary: 'Cab drivers' })],
    });
    assert.equal(sync.report.byKind.titles.updated, 1);
    const after = await client().titles.get.query({ id: taxi!.id, include: ['seasons.episodes'] });
    assert.deepEqual([after.genres, after.studio, after.summary], [['Sitcom'], 'ABC', 'Cab drivers'], 'locked fields kept');
    assert.equal(after.seasons![0]!.episodes![0]!.name, 'Like Father, Like Daughter');

    await client().titles.update.mutate({ id: taxi!.id, unlock: ['genres'] });
    await client().ingest.items.mutate({ items: [item({ genres: ['Comedy', 'Drama'] })] });
    const unlocked = await client().titles.get.query({ id: taxi!.id });
    assert.deepEqual([unlocked.genres, unlocked.lockedFields], [['Comedy', 'Drama'], ['studio']]);
  });

  it('refuses malformed metadata and changes nothing', async () => {
    const [taxi] = (
      await client().ingest.items.mutate({
        items: [{ title: { kind: 'movie', name: 'Taxi Driver', year: 1976 }, assets: [{ uri: 'file:///td.mkv', size: 1 }] }],
      })
    ).report.byKind.titles.created
      ? (await client().titles.list.query({})).items
      : [];
    await expectRefusedUnchanged(
      () => client().titles.update.mutate({ id: taxi!.id, originallyAvailableAt: '1976-13-45' }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(() => client().titles.update.mutate({ id: taxi!.id, genres: [''] }), 'BAD_REQUEST');
    await expectRefusedUnchanged(
      () => client().titles.update.mutate({ id: taxi!.id, unlock: ['kind' as 'name'] }),
      'BAD_REQUEST',
    );
    const stored = (await db()('titles').where({ id: taxi!.id }).first()) as { locked_fields: string[] };
    assert.deepEqual(stored.locked_fields, []);
  });
});

describe('catalog.search and titles.list search', () => {
  it('forgives typos and ranks the best match first', async () => {
    await library();
    await client().ingest.items.mutate({
      items: [
        {
          title: { kind: 'show', name: 'Seinfeld', year: 1989 },
          season: { number: 1 },
          episode: { number: 1, name: 'The Seinfeld Chronicles' },
          assets: [{ uri: 'file:///s.mkv', size: 1, durationMs: MIN }],
        },
        {
          title: { kind: 'movie', name: 'Aliens', year: 1986 },
          assets: [{ uri: 'file:///aliens.mkv', size: 1, durationMs: MIN }],
        },
      ],
    });
    const titles = (q: string) =>
      client()
        .titles.list.query({ search: q })
        .then((p) => p.items.map((t) => t.name));
    assert.deepEqual((await titles('Seinfled'))[0], 'Seinfeld');
    assert.deepEqual((await titles('xfiles')).slice(0, 1), ['The X-Files']);
    assert.deepEqual((await titles('Alien')).slice(0, 2), ['Alien', 'Aliens'], 'the exact name ranks first');
    assert.deepEqual(await titles('zzzz'), []);

    const hits = await client().catalog.search.query({ q: 'seinfeld chronicle' });
    assert.equal(hits.items[0]!.type, 'episode');
    assert.equal(hits.items[0]!.episodeName, 'The Seinfeld Chronicles');
    const episodes = await client().catalog.search.query({ q: 'Cheers 2.3', in: 'episodes' });
    assert.deepEqual([episodes.items[0]!.seasonNumber, episodes.items[0]!.episodeNumber], [2, 3]);
    const movies = await client().catalog.search.query({ q: 'Alein', kind: 'movie', in: 'titles' });
    assert.equal(movies.items[0]!.titleName, 'Alien');
    assert.ok(movies.items.every((h) => h.kind === 'movie' && h.type === 'title'));
  });

  it('pages ranked title search by keyset, typo or not', async () => {
    for (let i = 0; i < 7; i++) await client().titles.create.mutate({ kind: 'movie', name: `Star Trek ${i}`, year: 1979 + i });
    await client().titles.create.mutate({ kind: 'movie', name: 'Stra Trek', year: 2000 });
    const all = async (search: string) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await client().titles.list.query({ search, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((t) => t.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    const exact = await all('star trek');
    assert.deepEqual(
      [...exact].sort(),
      [0, 1, 2, 3, 4, 5, 6].map((i) => `Star Trek ${i}`),
    );
    const typo = await all('satr trek');
    assert.equal(new Set(typo).size, typo.length, 'no repeats across pages');
    assert.ok(typo.length >= 7, 'a typo still finds them');
    const page = await client().titles.list.query({ search: 'star trek', limit: 3 });
    await expectError(client().titles.list.query({ search: 'other', cursor: page.nextCursor! }), 'BAD_REQUEST');
  });
});
