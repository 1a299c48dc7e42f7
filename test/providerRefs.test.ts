import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { client } from './support/harness.js';

describe('providerRefs', () => {
  it('attaches, lists, finds the entity, refreshes raw, refuses a key on another entity, detaches', async () => {
    const a = await client().titles.create.mutate({ kind: 'movie', name: 'A' });
    const b = await client().titles.create.mutate({ kind: 'movie', name: 'B' });
    const ref = await client().providerRefs.attach.mutate({
      entityType: 'title',
      entityId: a.id,
      provider: 'tmdb',
      providerKey: '42',
      raw: { v: 1 },
    });
    assert.equal(ref.entityId, a.id);
    const again = await client().providerRefs.attach.mutate({
      entityType: 'title',
      entityId: a.id,
      provider: 'tmdb',
      providerKey: '42',
      raw: { v: 2 },
    });
    assert.equal(again.id, ref.id);
    assert.deepEqual(again.raw, { v: 2 });
    await expectRefusedUnchanged(
      () => client().providerRefs.attach.mutate({ entityType: 'title', entityId: b.id, provider: 'tmdb', providerKey: '42' }),
      'CONFLICT',
    );
    await expectRefusedUnchanged(
      () => client().providerRefs.attach.mutate({ entityType: 'episode', entityId: a.id, provider: 'tmdb', providerKey: '43' }),
      'NOT_FOUND',
    );
    const found = await client().providerRefs.find.query({ provider: 'tmdb', providerKey: '42' });
    assert.equal(found.title!.name, 'A');
    assert.equal(found.asset, null);
    assert.deepEqual(
      (await client().providerRefs.list.query({ entityType: 'title', entityId: a.id })).items.map((r) => r.id),
      [ref.id],
    );
    await expectError(client().providerRefs.find.query({ provider: 'tmdb', providerKey: 'nope' }), 'NOT_FOUND');
    await client().providerRefs.detach.mutate({ id: ref.id });
    await expectError(client().providerRefs.detach.mutate({ id: ref.id }), 'NOT_FOUND');
  });

  it('find asks for entityType when one key names several kinds', async () => {
    const t = await client().titles.create.mutate({ kind: 'movie', name: 'T' });
    const e = await client().episodes.create.mutate({ titleId: t.id });
    await client().providerRefs.attach.mutate({ entityType: 'title', entityId: t.id, provider: 'x', providerKey: '1' });
    await client().providerRefs.attach.mutate({ entityType: 'episode', entityId: e.id, provider: 'x', providerKey: '1' });
    await expectError(client().providerRefs.find.query({ provider: 'x', providerKey: '1' }), 'BAD_REQUEST');
    assert.equal(
      (await client().providerRefs.find.query({ provider: 'x', providerKey: '1', entityType: 'episode' })).episode!.id,
      e.id,
    );
  });
});
