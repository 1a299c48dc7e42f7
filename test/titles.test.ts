import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { makeAsset, makeEpisode, makeMovie, makeSeason, makeShow } from './support/factories.js';
import { client } from './support/harness.js';

describe('titles', () => {
  it('creates, gets, updates and deletes a title with Date timestamps', async () => {
    const created = await client().titles.create.mutate({
      kind: 'show',
      name: 'Twin Peaks',
      year: 1990,
      externalIds: { tmdb: 1920 },
    });
    assert.ok(created.createdAt instanceof Date);
    assert.deepEqual(created.externalIds, { tmdb: 1920 });
    const fetched = await client().titles.get.query({ id: created.id });
    const { availability, ...stored } = fetched;
    assert.deepEqual(stored, created);
    assert.deepEqual(availability, { files: 0, missingFiles: 0, allFilesMissing: false });
    const updated = await client().titles.update.mutate({ id: created.id, name: 'Twin Peaks (1990)' });
    assert.equal(updated.name, 'Twin Peaks (1990)');
    assert.equal(updated.year, 1990);
    assert.deepEqual(await client().titles.delete.mutate({ id: created.id }), { id: created.id, deleted: true });
    await expectError(client().titles.get.query({ id: created.id }), 'NOT_FOUND');
  });

  it('refuses bad input with per-field messages and stores nothing', async () => {
    const error = await expectRefusedUnchanged(
      // @ts-expect-error kind is not a title kind, and `rating` is not a field
      () => client().titles.create.mutate({ kind: 'series', name: ' ', rating: 5 }),
      'BAD_REQUEST',
    );
    const paths = error.fieldErrors.map((f) => f.path);
    assert.ok(paths.includes('kind') && paths.includes('name'), JSON.stringify(error.fieldErrors));
    assert.ok(
      error.fieldErrors.some((f) => /rating/.test(f.message)),
      'unknown keys are named',
    );
  });

  it('answers CONFLICT for a duplicate title and NOT_FOUND for a missing one', async () => {
    await makeShow('Cheers', 1982);
    await expectRefusedUnchanged(() => client().titles.create.mutate({ kind: 'show', name: 'cheers', year: 1982 }), 'CONFLICT');
    const missing = '00000000-0000-4000-8000-000000000000';
    await expectRefusedUnchanged(() => client().titles.update.mutate({ id: missing, name: 'x' }), 'NOT_FOUND');
    await expectRefusedUnchanged(() => client().titles.delete.mutate({ id: missing }), 'NOT_FOUND');
    await expectError(client().titles.get.query({ id: 'not-a-uuid' }), 'BAD_REQUEST');
  });

  it('refuses turning a show with seasons into a movie', async () => {
    const show = await makeShow();
    await makeSeason(show.id, 1);
    await expectRefusedUnchanged(() => client().titles.update.mutate({ id: show.id, kind: 'movie' }), 'BAD_REQUEST');
    assert.equal((await client().titles.get.query({ id: show.id })).kind, 'show');
  });

  it('lists with filters and paginates across pages with no gaps or repeats', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `Title ${String(i).padStart(2, '0')}`);
    for (const [i, name] of names.entries()) {
      if (i % 2 === 0) await makeShow(name, 1990 + (i % 3));
      else await makeMovie(name, 1990 + (i % 3));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client().titles.list.query({ limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((t) => t.name));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, names);
    assert.equal(pages, 5);

    const shows = await client().titles.list.query({ kind: 'show', limit: 500 });
    assert.equal(shows.items.length, 12);
    assert.ok(shows.items.every((t) => t.kind === 'show'));
    const of1991 = await client().titles.list.query({ year: 1991 });
    assert.ok(of1991.items.length > 0 && of1991.items.every((t) => t.year === 1991));
    const search = await client().titles.list.query({ search: 'le 1' });
    assert.deepEqual(
      search.items.map((t) => t.name),
      names.filter((n) => n.includes('le 1')),
    );
    const literal = await client().titles.list.query({ search: '%' });
    assert.deepEqual(literal.items, [], '% is matched literally');
  });

  it('refuses malformed cursors, cursors of another list and out-of-range limits', async () => {
    await expectError(client().titles.list.query({ cursor: 'garbage!!' }), 'BAD_REQUEST');
    await makeShow('A');
    await makeShow('B');
    const { items, nextCursor } = await client().seasons.list.query({ titleId: (await makeShow('C')).id, limit: 1 });
    assert.equal(items.length, 0);
    assert.equal(nextCursor, null);
    const page = await client().titles.list.query({ limit: 1 });
    assert.ok(page.nextCursor);
    await expectError(client().markers.list.query({ cursor: page.nextCursor }), 'BAD_REQUEST');
    await expectError(client().titles.list.query({ limit: 0 }), 'BAD_REQUEST');
    await expectError(client().titles.list.query({ limit: 501 }), 'BAD_REQUEST');
  });

  it('gets a show with its full graph in one call, in order', async () => {
    const show = await makeShow('Graph Show');
    const s2 = await makeSeason(show.id, 2);
    const s1 = await makeSeason(show.id, 1);
    const e2 = await makeEpisode(show.id, s1.id, 2);
    const e1 = await makeEpisode(show.id, s1.id, 1);
    await makeEpisode(show.id, s2.id, 1);
    const asset = await makeAsset();
    await client().assets.linkEpisode.mutate({ assetId: asset.id, episodeId: e1.id, canonical: true });
    await client().markers.create.mutate({ assetId: asset.id, kind: 'avail', startMs: 1000, endMs: 1000 });

    const graph = await client().titles.get.query({ id: show.id, include: ['seasons.episodes.assets.markers', 'providerRefs'] });
    assert.deepEqual(
      graph.seasons!.map((s) => s.number),
      [1, 2],
    );
    assert.deepEqual(
      graph.seasons![0]!.episodes!.map((e) => e.id),
      [e1.id, e2.id],
    );
    const first = graph.seasons![0]!.episodes![0]!;
    assert.equal(first.assets![0]!.id, asset.id);
    assert.ok(first.assets![0]!.discoveredAt instanceof Date);
    assert.equal(first.assets![0]!.markers![0]!.kind, 'avail');
    assert.deepEqual(graph.providerRefs, []);
    assert.equal(graph.episodes, undefined, 'only what was asked for');
  });

  it('refuses includes outside the allow-list', async () => {
    const show = await makeShow();
    // @ts-expect-error not an allowed include
    await expectError(client().titles.get.query({ id: show.id, include: ['seasons.title'] }), 'BAD_REQUEST');
  });
});
