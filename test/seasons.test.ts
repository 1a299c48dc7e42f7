import assert from 'node:assert/strict';
import { expectRefusedUnchanged } from './support/expect.js';
import { makeEpisode, makeMovie, makeSeason, makeShow } from './support/factories.js';
import { client } from './support/harness.js';

describe('seasons', () => {
  it('creates, lists in order, gets with episodes, updates and deletes', async () => {
    const show = await makeShow();
    await makeSeason(show.id, 3);
    const s1 = await makeSeason(show.id, 1);
    await makeEpisode(show.id, s1.id, 1);
    const list = await client().seasons.list.query({ titleId: show.id });
    assert.deepEqual(
      list.items.map((s) => s.number),
      [1, 3],
    );
    const got = await client().seasons.get.query({ id: s1.id, include: ['title', 'episodes'] });
    assert.equal(got.title!.id, show.id);
    assert.equal(got.episodes!.length, 1);
    assert.equal((await client().seasons.update.mutate({ id: s1.id, number: 2 })).number, 2);
    await client().seasons.delete.mutate({ id: s1.id });
    assert.equal((await client().episodes.list.query({ titleId: show.id })).items.length, 0, 'episodes cascade');
  });

  it('refuses a duplicate number, a movie, a missing title and a negative number', async () => {
    const show = await makeShow();
    const movie = await makeMovie();
    await makeSeason(show.id, 1);
    await expectRefusedUnchanged(() => client().seasons.create.mutate({ titleId: show.id, number: 1 }), 'CONFLICT');
    await expectRefusedUnchanged(() => client().seasons.create.mutate({ titleId: movie.id, number: 1 }), 'BAD_REQUEST');
    await expectRefusedUnchanged(
      () => client().seasons.create.mutate({ titleId: '00000000-0000-4000-8000-000000000000', number: 1 }),
      'NOT_FOUND',
    );
    await expectRefusedUnchanged(() => client().seasons.create.mutate({ titleId: show.id, number: -1 }), 'BAD_REQUEST');
  });
});
