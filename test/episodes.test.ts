import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { makeEpisode, makeMovie, makeSeason, makeShow, makeShowWithEpisodes } from './support/factories.js';
import { client } from './support/harness.js';

describe('episodes', () => {
  it('lists by season and by title in broadcast order, paging without gaps', async () => {
    const show = await makeShow();
    const s2 = await makeSeason(show.id, 2);
    const s1 = await makeSeason(show.id, 1);
    for (const n of [3, 1, 2]) await makeEpisode(show.id, s2.id, n);
    for (const n of [2, 1]) await makeEpisode(show.id, s1.id, n);
    await makeEpisode(show.id, null, 0, 'Pilot special');

    const bySeason = await client().episodes.list.query({ seasonId: s2.id });
    assert.deepEqual(
      bySeason.items.map((e) => e.number),
      [1, 2, 3],
    );

    const order: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client().episodes.list.query({ titleId: show.id, limit: 2, ...(cursor ? { cursor } : {}) });
      order.push(...page.items.map((e) => `${e.seasonId === s1.id ? 1 : e.seasonId === s2.id ? 2 : 0}x${e.number}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(order, ['0x0', '1x1', '1x2', '2x1', '2x2', '2x3']);
    assert.equal((await client().episodes.list.query({ limit: 500 })).items.length, 6);
  });

  it('gets an episode with its season, title and assets; updates and deletes', async () => {
    const { show, season, episodes } = await makeShowWithEpisodes(1);
    const got = await client().episodes.get.query({
      id: episodes[0]!.id,
      include: ['title', 'season', 'assets', 'providerRefs'],
    });
    assert.equal(got.title!.id, show.id);
    assert.equal(got.season!.id, season.id);
    assert.deepEqual(got.assets, []);
    const updated = await client().episodes.update.mutate({ id: got.id, name: 'Renamed', externalIds: { tvdb: 5 } });
    assert.equal(updated.name, 'Renamed');
    assert.deepEqual(updated.externalIds, { tvdb: 5 });
    await client().episodes.delete.mutate({ id: got.id });
    await expectError(client().episodes.get.query({ id: got.id }), 'NOT_FOUND');
  });

  it('refuses a duplicate number, a season of another title and an unnumbered episode in a season', async () => {
    const { show, season } = await makeShowWithEpisodes(1);
    const other = await makeShow();
    await expectRefusedUnchanged(
      () => client().episodes.create.mutate({ titleId: show.id, seasonId: season.id, number: 1 }),
      'CONFLICT',
    );
    await expectRefusedUnchanged(
      () => client().episodes.create.mutate({ titleId: other.id, seasonId: season.id, number: 9 }),
      'NOT_FOUND',
    );
    await expectRefusedUnchanged(() => client().episodes.create.mutate({ titleId: show.id, seasonId: season.id }), 'BAD_REQUEST');
    await expectRefusedUnchanged(() => client().episodes.create.mutate({ titleId: show.id, number: 1.5 }), 'BAD_REQUEST');
  });

  it('a movie has one unseasoned episode per number', async () => {
    const movie = await makeMovie();
    await makeEpisode(movie.id, null, null, 'The movie');
    await expectRefusedUnchanged(() => client().episodes.create.mutate({ titleId: movie.id, name: 'Again' }), 'CONFLICT');
  });
});
