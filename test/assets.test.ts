import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { makeAsset, makeShowWithEpisodes } from './support/factories.js';
import { client, db } from './support/harness.js';

describe('assets', () => {
  it('register upserts by uri and keeps fields the caller did not resend', async () => {
    const first = await client().assets.register.mutate({ uri: 'file:///a.mkv', size: 10, durationMs: 5000, videoCodec: 'h264' });
    assert.equal(first.created, true);
    assert.equal(first.asset.canonical, false);
    const again = await client().assets.register.mutate({ uri: 'file:///a.mkv', size: 12 });
    assert.equal(again.created, false);
    assert.equal(again.asset.id, first.asset.id);
    assert.equal(again.asset.size, 12);
    assert.equal(again.asset.durationMs, 5000);
    assert.equal(again.asset.videoCodec, 'h264');
    assert.equal(typeof again.asset.size, 'number');
  });

  it('refuses negative sizes, bad hashes and huge uris', async () => {
    await expectRefusedUnchanged(() => client().assets.register.mutate({ uri: 'file:///x', size: -1 }), 'BAD_REQUEST');
    await expectRefusedUnchanged(
      () => client().assets.register.mutate({ uri: 'file:///x', size: 1, hashSha256: 'nothex' }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(() => client().assets.register.mutate({ uri: 'x'.repeat(5000), size: 1 }), 'BAD_REQUEST');
    const hashed = await client().assets.register.mutate({ uri: 'file:///h', size: 1, hashSha256: 'AB'.repeat(32) });
    assert.equal(hashed.asset.hashSha256, 'ab'.repeat(32), 'hashes are stored lowercase');
  });

  it('updates and deletes, NOT_FOUND when missing, CONFLICT on a taken uri', async () => {
    const a = await makeAsset({ uri: 'file:///one.mkv' });
    await makeAsset({ uri: 'file:///two.mkv' });
    assert.equal((await client().assets.update.mutate({ id: a.id, container: 'mp4' })).container, 'mp4');
    await expectRefusedUnchanged(() => client().assets.update.mutate({ id: a.id, uri: 'file:///two.mkv' }), 'CONFLICT');
    await client().assets.delete.mutate({ id: a.id });
    await expectRefusedUnchanged(() => client().assets.delete.mutate({ id: a.id }), 'NOT_FOUND');
  });

  it('links, refuses a double link, unlinks, and a canonical asset left alone stops being canonical', async () => {
    const { episodes } = await makeShowWithEpisodes(1);
    const episodeId = episodes[0]!.id;
    const asset = await makeAsset();
    const linked = await client().assets.linkEpisode.mutate({ assetId: asset.id, episodeId, canonical: true });
    assert.equal(linked.canonical, true);
    await expectRefusedUnchanged(() => client().assets.linkEpisode.mutate({ assetId: asset.id, episodeId }), 'CONFLICT');
    await expectRefusedUnchanged(
      () => client().assets.linkEpisode.mutate({ assetId: asset.id, episodeId: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
    const unlinked = await client().assets.unlinkEpisode.mutate({ assetId: asset.id, episodeId });
    assert.equal(unlinked.canonical, false);
    await expectRefusedUnchanged(() => client().assets.unlinkEpisode.mutate({ assetId: asset.id, episodeId }), 'NOT_FOUND');
  });

  it('setCanonical keeps exactly one canonical asset per episode', async () => {
    const { episodes } = await makeShowWithEpisodes(1);
    const episodeId = episodes[0]!.id;
    const [a, b] = [await makeAsset(), await makeAsset()];
    await client().assets.linkEpisode.mutate({ assetId: a.id, episodeId, canonical: true });
    await client().assets.linkEpisode.mutate({ assetId: b.id, episodeId });
    await client().assets.setCanonical.mutate({ episodeId, assetId: b.id });
    const graph = await client().episodes.get.query({ id: episodeId, include: ['assets'] });
    assert.deepEqual(
      graph.assets!.map((x) => [x.id, x.canonical]),
      [
        [b.id, true],
        [a.id, false],
      ],
    );
    const stray = await makeAsset();
    await expectRefusedUnchanged(() => client().assets.setCanonical.mutate({ episodeId, assetId: stray.id }), 'NOT_FOUND');
  });

  it('concurrent setCanonical calls on one episode leave exactly one canonical', async () => {
    const { episodes } = await makeShowWithEpisodes(1);
    const episodeId = episodes[0]!.id;
    const assets = [];
    for (let i = 0; i < 6; i++) {
      const asset = await makeAsset();
      await client().assets.linkEpisode.mutate({ assetId: asset.id, episodeId });
      assets.push(asset);
    }
    const results = await Promise.allSettled(
      assets.map((a) => client().assets.setCanonical.mutate({ episodeId, assetId: a.id })),
    );
    assert.ok(
      results.every((r) => r.status === 'fulfilled'),
      'every call is serialised, none fails',
    );
    const canonical = await db()('assets')
      .whereIn(
        'id',
        assets.map((a) => a.id),
      )
      .where('canonical', true);
    assert.equal(canonical.length, 1);
  });

  it('lists with every filter, paging by discovery or by duration', async () => {
    const { episodes } = await makeShowWithEpisodes(1);
    const durations = [1000, 5000, 3000, null, 9000];
    const made = [];
    for (const [i, durationMs] of durations.entries()) made.push(await makeAsset({ uri: `file:///f${i}.mkv`, durationMs }));
    await client().assets.linkEpisode.mutate({ assetId: made[0]!.id, episodeId: episodes[0]!.id, canonical: true });
    await client().assets.update.mutate({ id: made[1]!.id, videoCodec: 'mpeg2video', container: 'ts', audioCodec: 'ac3' });

    const all = await client().assets.list.query({ limit: 2 });
    assert.equal(all.items.length, 2);
    const page2 = await client().assets.list.query({ limit: 2, cursor: all.nextCursor! });
    const page3 = await client().assets.list.query({ limit: 2, cursor: page2.nextCursor! });
    assert.deepEqual(
      [...all.items, ...page2.items, ...page3.items].map((a) => a.uri),
      made.map((a) => a.uri),
    );
    assert.equal(page3.nextCursor, null);

    const ranged = await client().assets.list.query({ minDurationMs: 2000, maxDurationMs: 9000 });
    assert.deepEqual(
      ranged.items.map((a) => a.durationMs),
      [3000, 5000, 9000],
    );
    const rangedPage = await client().assets.list.query({ minDurationMs: 2000, limit: 1 });
    const rangedNext = await client().assets.list.query({ minDurationMs: 2000, limit: 1, cursor: rangedPage.nextCursor! });
    assert.deepEqual([rangedPage.items[0]!.durationMs, rangedNext.items[0]!.durationMs], [3000, 5000]);
    await expectError(client().assets.list.query({ cursor: rangedPage.nextCursor! }), 'BAD_REQUEST');

    assert.deepEqual(
      (await client().assets.list.query({ canonical: true })).items.map((a) => a.id),
      [made[0]!.id],
    );
    assert.equal((await client().assets.list.query({ unlinked: true })).items.length, 4);
    assert.equal((await client().assets.list.query({ unlinked: false })).items.length, 1);
    assert.deepEqual(
      (await client().assets.list.query({ videoCodec: 'mpeg2video', audioCodec: 'ac3', container: 'ts' })).items.map((a) => a.id),
      [made[1]!.id],
    );
    assert.equal((await client().assets.list.query({ discoveredSince: new Date(Date.now() + 60_000) })).items.length, 0);
    assert.equal((await client().assets.list.query({ discoveredSince: new Date(Date.now() - 60_000) })).items.length, 5);
    await expectError(client().assets.list.query({ minDurationMs: 10, maxDurationMs: 5 }), 'BAD_REQUEST');
  });

  it('gets an asset with its episodes, markers, reviews and provider refs', async () => {
    const { show, episodes } = await makeShowWithEpisodes(1);
    const asset = await makeAsset();
    await client().assets.linkEpisode.mutate({ assetId: asset.id, episodeId: episodes[0]!.id });
    await client().reviews.enqueue.mutate({ assetId: asset.id, reason: 'check', confidence: 0.5 });
    await client().providerRefs.attach.mutate({ entityType: 'asset', entityId: asset.id, provider: 'plex', providerKey: 'm1' });
    const got = await client().assets.get.query({
      id: asset.id,
      include: ['episodes.title', 'markers', 'reviews', 'providerRefs'],
    });
    assert.equal(got.episodes![0]!.title!.id, show.id);
    assert.equal(got.reviews![0]!.status, 'pending');
    assert.equal(got.providerRefs![0]!.providerKey, 'm1');
    assert.deepEqual(got.markers, []);
  });
});
