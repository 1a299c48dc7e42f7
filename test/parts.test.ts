import assert from 'node:assert/strict';
import type { RouterInputs } from '../sdk/index.js';
import { expectRefusedUnchanged } from './support/expect.js';
import { client, db } from './support/harness.js';

type Item = RouterInputs['ingest']['items']['items'][number];

/** A film split over three files (cd1..cd3): one version made of parts. */
const splitFilm = (order = ['cd2', 'cd3']): Item => ({
  title: { kind: 'movie', name: 'Lawrence of Arabia', year: 1962 },
  assets: [
    {
      uri: '/mnt/movies/Lawrence/Lawrence.cd1.avi',
      size: 5_000_000_000,
      durationMs: 4_000_000,
      edition: 'Restored',
      markers: [{ kind: 'credits', startMs: 13_000_000, endMs: 13_200_000 }],
      parts: order.map((cd, i) => ({
        uri: `/mnt/movies/Lawrence/Lawrence.${cd}.avi`,
        size: 4_000_000_000 + i,
        durationMs: 4_600_000 + i * 1000,
      })),
    },
    { uri: '/mnt/movies/Lawrence/Lawrence.1080p.mkv', size: 9_000_000_000, durationMs: 13_201_000 },
  ],
});

describe('versions made of parts', () => {
  it('keeps every part as its own asset, in play order wherever an episode is read', async () => {
    const { report } = await client().ingest.items.mutate({ items: [splitFilm()] });
    assert.equal(report.byKind.assets.created, 4, 'three parts and one single-file version');
    const film = (await client().titles.list.query({ search: 'Lawrence' })).items[0]!;
    const graph = await client().titles.get.query({ id: film.id, include: ['episodes.assets'] });
    const [split, single] = graph.episodes![0]!.assets!;
    assert.equal(split!.uri, 'file:///mnt/movies/Lawrence/Lawrence.cd1.avi', 'local files in the one canonical uri form');
    assert.equal(split!.canonical, true);
    assert.equal(split!.edition, 'Restored');
    assert.equal(split!.size, 5_000_000_000, 'sizes above 2^32 survive');
    assert.deepEqual(
      split!.parts!.map((p) => [p.partIndex, p.uri, p.durationMs, p.canonical]),
      [
        [2, 'file:///mnt/movies/Lawrence/Lawrence.cd2.avi', 4_600_000, false],
        [3, 'file:///mnt/movies/Lawrence/Lawrence.cd3.avi', 4_601_000, false],
      ],
    );
    assert.deepEqual(single!.parts, []);

    // episodes.get and assets.get read the same version whole.
    const episode = await client().episodes.get.query({ id: graph.episodes![0]!.id, include: ['assets.markers'] });
    const canonical = episode.assets!.find((a) => a.canonical)!;
    assert.deepEqual(
      canonical.parts!.map((p) => p.partIndex),
      [2, 3],
    );
    assert.equal(canonical.markers!.length, 1, 'markers lie on the whole version timeline (past part 1)');
    const asset = await client().assets.get.query({ id: split!.id, include: ['parts'] });
    assert.equal(asset.parts!.length, 2);

    // Only the version is linked to the episode; parts are not "unlinked" files.
    const links = await db()('episode_assets').count({ n: '*' }).first();
    assert.equal(Number((links as { n: number }).n), 2);
    const unlinked = await client().assets.list.query({ unlinked: true });
    assert.deepEqual(unlinked.items, []);
  });

  it('re-ingests unchanged parts without writing, and a new play order rewrites only that version', async () => {
    await client().ingest.items.mutate({ items: [splitFilm()] });
    const again = await client().ingest.items.mutate({ items: [splitFilm()] });
    assert.equal(again.report.rowsWritten, 0);
    const swapped = await client().ingest.items.mutate({ items: [splitFilm(['cd3', 'cd2'])] });
    assert.ok(swapped.report.rowsWritten > 0);
    const rows = (await db()('asset_parts')
      .join('assets', 'assets.id', 'asset_parts.asset_id')
      .orderBy('part_index')
      .select('assets.uri', 'part_index')) as Array<{ uri: string; part_index: number }>;
    assert.deepEqual(
      rows.map((r) => r.uri.slice(-7)),
      ['cd3.avi', 'cd2.avi'],
    );
  });

  it('a part without duration sends the version to review', async () => {
    const item = splitFilm();
    item.assets[0]!.parts![1]!.durationMs = null;
    delete item.assets[0]!.markers;
    const { report } = await client().ingest.items.mutate({ items: [item] });
    assert.equal(report.queuedForReview, 2);
  });

  it('refuses a file listed twice in one version, and leaves everything as it was', async () => {
    const item = splitFilm(['cd2', 'cd2']);
    await expectRefusedUnchanged(() => client().ingest.items.mutate({ items: [item] }), 'BAD_REQUEST');
  });

  it('refuses markers past the whole version, and linking a part to an episode', async () => {
    const item = splitFilm();
    item.assets[0]!.markers = [{ kind: 'credits', startMs: 0, endMs: 13_201_001 }];
    await expectRefusedUnchanged(() => client().ingest.items.mutate({ items: [item] }), 'BAD_REQUEST');

    await client().ingest.items.mutate({ items: [splitFilm()] });
    const film = (await client().titles.list.query({ search: 'Lawrence' })).items[0]!;
    const graph = await client().titles.get.query({ id: film.id, include: ['episodes.assets'] });
    const episode = graph.episodes![0]!;
    const part = episode.assets![0]!.parts![0]!;
    const other = await client().titles.create.mutate({ kind: 'movie', name: 'Other', year: 1970 });
    const otherEpisode = await client().episodes.create.mutate({ titleId: other.id });
    await expectRefusedUnchanged(
      () => client().assets.linkEpisode.mutate({ assetId: part.id, episodeId: otherEpisode.id }),
      'CONFLICT',
    );
    // markers.create checks the whole version's length too.
    await client().markers.create.mutate({
      assetId: episode.assets![0]!.id,
      kind: 'intro',
      startMs: 9_000_000,
      endMs: 9_100_000,
    });
  });
});
