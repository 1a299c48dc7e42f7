import assert from 'node:assert/strict';
import { expectRefusedUnchanged } from './support/expect.js';
import { makeAsset } from './support/factories.js';
import { client, db } from './support/harness.js';

describe('markers', () => {
  it('creates, lists by asset in timeline order and by kind, updates and deletes', async () => {
    const asset = await makeAsset({ durationMs: 60_000 });
    const late = await client().markers.create.mutate({ assetId: asset.id, kind: 'avail', startMs: 30_000, endMs: 30_000 });
    await client().markers.create.mutate({
      assetId: asset.id,
      kind: 'chapter',
      startMs: 0,
      endMs: 10_000,
      payload: { title: 'Intro' },
    });
    const list = await client().markers.list.query({ assetId: asset.id });
    assert.deepEqual(
      list.items.map((m) => m.startMs),
      [0, 30_000],
    );
    assert.deepEqual(
      (await client().markers.list.query({ kind: 'avail' })).items.map((m) => m.id),
      [late.id],
    );
    const moved = await client().markers.update.mutate({ id: late.id, startMs: 40_000, endMs: 45_000 });
    assert.equal(moved.endMs, 45_000);
    await client().markers.delete.mutate({ id: late.id });
    assert.equal((await client().markers.list.query({ assetId: asset.id })).items.length, 1);
  });

  it('refuses start after end, markers past the duration, and a missing asset', async () => {
    const asset = await makeAsset({ durationMs: 60_000 });
    const marker = await client().markers.create.mutate({ assetId: asset.id, kind: 'avail', startMs: 10, endMs: 20 });
    await expectRefusedUnchanged(
      () => client().markers.create.mutate({ assetId: asset.id, kind: 'avail', startMs: 20, endMs: 10 }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(
      () => client().markers.create.mutate({ assetId: asset.id, kind: 'avail', startMs: 0, endMs: 60_001 }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(
      () =>
        client().markers.create.mutate({ assetId: '00000000-0000-4000-8000-000000000000', kind: 'avail', startMs: 0, endMs: 1 }),
      'NOT_FOUND',
    );
    // An update that only moves the start past the stored end is refused too.
    await expectRefusedUnchanged(() => client().markers.update.mutate({ id: marker.id, startMs: 30 }), 'BAD_REQUEST');
    await expectRefusedUnchanged(() => client().markers.update.mutate({ id: marker.id, endMs: 70_000 }), 'BAD_REQUEST');
    const stored = await db()('markers').where({ id: marker.id }).first();
    assert.deepEqual([stored.start_ms, stored.end_ms], [10, 20]);
    // Without a known duration, only the range rule applies.
    const unknown = await makeAsset({ durationMs: null });
    await client().markers.create.mutate({ assetId: unknown.id, kind: 'avail', startMs: 0, endMs: 10_000_000 });
  });

  it('replaceForAsset swaps the whole set atomically', async () => {
    const asset = await makeAsset({ durationMs: 60_000 });
    await client().markers.create.mutate({ assetId: asset.id, kind: 'chapter', startMs: 0, endMs: 100 });
    const replaced = await client().markers.replaceForAsset.mutate({
      assetId: asset.id,
      markers: [
        { kind: 'avail', startMs: 20_000, endMs: 20_000 },
        { kind: 'chapter', startMs: 0, endMs: 20_000 },
      ],
    });
    assert.deepEqual(
      replaced.map((m) => m.kind),
      ['chapter', 'avail'],
    );
    const before = await db()('markers').where({ asset_id: asset.id }).orderBy('start_ms');
    // One bad marker refuses the whole set and keeps the old one.
    await expectRefusedUnchanged(
      () =>
        client().markers.replaceForAsset.mutate({
          assetId: asset.id,
          markers: [
            { kind: 'avail', startMs: 0, endMs: 1 },
            { kind: 'avail', startMs: 0, endMs: 99_999 },
          ],
        }),
      'BAD_REQUEST',
    );
    assert.deepEqual(await db()('markers').where({ asset_id: asset.id }).orderBy('start_ms'), before);
    assert.deepEqual(await client().markers.replaceForAsset.mutate({ assetId: asset.id, markers: [] }), []);
  });
});
