import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { makeAsset, makeShowWithEpisodes } from './support/factories.js';
import { client, db } from './support/harness.js';

describe('reviews', () => {
  it('enqueues, lists by status and asset, oldest first', async () => {
    const a = await makeAsset();
    const b = await makeAsset();
    const first = await client().reviews.enqueue.mutate({ assetId: a.id, reason: 'no duration', confidence: 0.3 });
    await client().reviews.enqueue.mutate({ assetId: b.id, reason: 'bad name', confidence: 0.1 });
    assert.equal(first.status, 'pending');
    assert.equal(first.resolvedAt, null);
    assert.ok(first.createdAt instanceof Date);
    const pending = await client().reviews.list.query({ status: 'pending' });
    assert.deepEqual(
      pending.items.map((r) => r.assetId),
      [a.id, b.id],
    );
    assert.deepEqual(
      (await client().reviews.list.query({ assetId: b.id })).items.map((r) => r.reason),
      ['bad name'],
    );
    assert.equal((await client().reviews.get.query({ id: first.id })).id, first.id);
  });

  it('refuses confidence outside [0, 1], a blank reason and a missing asset', async () => {
    const a = await makeAsset();
    await expectRefusedUnchanged(
      () => client().reviews.enqueue.mutate({ assetId: a.id, reason: 'x', confidence: 1.01 }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(
      () => client().reviews.enqueue.mutate({ assetId: a.id, reason: '  ', confidence: 0.5 }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(
      () => client().reviews.enqueue.mutate({ assetId: '00000000-0000-4000-8000-000000000000', reason: 'x', confidence: 0.5 }),
      'NOT_FOUND',
    );
  });

  it('resolve moves pending -> resolved once, stamps resolved_at, and may link and canonicalise', async () => {
    const { episodes } = await makeShowWithEpisodes(1);
    const asset = await makeAsset();
    const item = await client().reviews.enqueue.mutate({ assetId: asset.id, reason: 'which episode?', confidence: 0.4 });
    const resolved = await client().reviews.resolve.mutate({ id: item.id, episodeId: episodes[0]!.id, makeCanonical: true });
    assert.equal(resolved.status, 'resolved');
    assert.ok(resolved.resolvedAt instanceof Date);
    const got = await client().assets.get.query({ id: asset.id, include: ['episodes'] });
    assert.equal(got.canonical, true);
    assert.equal(got.episodes![0]!.id, episodes[0]!.id);

    await expectRefusedUnchanged(() => client().reviews.resolve.mutate({ id: item.id }), 'CONFLICT');
    await expectRefusedUnchanged(() => client().reviews.reject.mutate({ id: item.id }), 'CONFLICT');
    await expectRefusedUnchanged(
      () => client().reviews.resolve.mutate({ id: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
  });

  it('a failed resolution (missing episode) leaves the item pending', async () => {
    const asset = await makeAsset();
    const item = await client().reviews.enqueue.mutate({ assetId: asset.id, reason: 'r', confidence: 0.4 });
    await expectRefusedUnchanged(
      () => client().reviews.resolve.mutate({ id: item.id, episodeId: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
    assert.equal((await client().reviews.get.query({ id: item.id })).status, 'pending');
  });

  it('reject moves pending -> rejected', async () => {
    const asset = await makeAsset();
    const item = await client().reviews.enqueue.mutate({ assetId: asset.id, reason: 'r', confidence: 0.9 });
    const rejected = await client().reviews.reject.mutate({ id: item.id });
    assert.equal(rejected.status, 'rejected');
    assert.ok(rejected.resolvedAt instanceof Date);
    await expectError(client().reviews.reject.mutate({ id: item.id }), 'CONFLICT');
  });

  it('of concurrent resolutions exactly one wins, the rest get CONFLICT', async () => {
    const asset = await makeAsset();
    const item = await client().reviews.enqueue.mutate({ assetId: asset.id, reason: 'r', confidence: 0.5 });
    const results = await Promise.allSettled([
      client().reviews.resolve.mutate({ id: item.id }),
      client().reviews.reject.mutate({ id: item.id }),
      client().reviews.resolve.mutate({ id: item.id }),
      client().reviews.reject.mutate({ id: item.id }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      assert.match(String((r as PromiseRejectedResult).reason), /already/);
    }
    const row = await db()('review_queue').where({ id: item.id }).first();
    assert.notEqual(row.status, 'pending');
  });
});
