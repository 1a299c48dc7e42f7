import assert from 'node:assert/strict';
import { expectRefusedUnchanged } from './support/expect.js';
import { sampleLibrary, startFakePlex, type FakePlex } from './support/fakePlex.js';
import { folder } from './support/folders.js';
import { client, db } from './support/harness.js';

describe('collections', () => {
  let plex: FakePlex;
  beforeEach(async () => {
    plex = await startFakePlex(sampleLibrary());
  });
  afterEach(() => plex.close());

  const plexSource = () =>
    client().sources.create.mutate({
      kind: 'plex',
      name: 'Plex',
      config: { baseUrl: plex.url, token: plex.token, timeoutMs: 2000 },
    });

  it('discovers Plex movie and show sections as disabled collections, idempotently', async () => {
    const source = await plexSource();
    const found = await client().collections.discover.mutate({ sourceId: source.id });
    assert.deepEqual(
      found.map((c) => [c.externalId, c.name, c.enabled]),
      [
        ['2', 'Movies', false],
        ['1', 'TV Shows', false],
      ],
    );
    assert.deepEqual(found.find((c) => c.externalId === '1')!.config, {
      type: 'show',
      locations: ['D:\\Media\\TV'],
      machineIdentifier: plex.library.machineIdentifier,
    });
    const before = await db()('source_collections').orderBy('id');
    await client().collections.discover.mutate({ sourceId: source.id });
    assert.deepEqual(await db()('source_collections').orderBy('id'), before, 'unchanged sections write nothing');
  });

  it('re-discovery keeps the keys a person set in a config and updates only what discovery owns', async () => {
    const source = await plexSource();
    const tv = (await client().collections.discover.mutate({ sourceId: source.id })).find((c) => c.externalId === '1')!;
    await client().collections.update.mutate({
      id: tv.id,
      config: { ...tv.config, resyncIntervalSeconds: 3600, watch: true, note: 'kept' },
    });
    const before = await db()('source_collections').where({ id: tv.id }).first();
    await client().collections.discover.mutate({ sourceId: source.id });
    assert.deepEqual(
      await db()('source_collections').where({ id: tv.id }).first(),
      before,
      'nothing new from the source: nothing written',
    );
    // The section moved and was renamed on the server: discovery's keys follow, the person's stay.
    plex.library.sections[0]!.Location = [{ id: 1, path: 'E:\\TV' }];
    plex.library.sections[0]!.title = 'Television';
    await client().collections.discover.mutate({ sourceId: source.id });
    const got = await client().collections.get.query({ id: tv.id });
    assert.equal(got.name, 'Television');
    assert.deepEqual(got.config, {
      type: 'show',
      locations: ['E:\\TV'],
      machineIdentifier: plex.library.machineIdentifier,
      resyncIntervalSeconds: 3600,
      watch: true,
      note: 'kept',
    });
  });

  it('enables a collection and lists by source and enabled', async () => {
    const source = await plexSource();
    const [movies] = await client().collections.discover.mutate({ sourceId: source.id });
    const enabled = await client().collections.update.mutate({ id: movies!.id, enabled: true });
    assert.equal(enabled.enabled, true);
    assert.ok(enabled.updatedAt > movies!.updatedAt);
    assert.deepEqual(
      (await client().collections.list.query({ enabled: true })).items.map((c) => c.id),
      [movies!.id],
    );
    assert.equal((await client().collections.list.query({ sourceId: source.id })).items.length, 2);
    // A re-discovery keeps the operator's choice.
    await client().collections.discover.mutate({ sourceId: source.id });
    assert.equal((await client().collections.get.query({ id: movies!.id })).enabled, true);
  });

  it('get includes the source (redacted) and path mappings', async () => {
    const source = await plexSource();
    const [, tv] = await client().collections.discover.mutate({ sourceId: source.id });
    await client().pathMappings.create.mutate({ collectionId: tv!.id, plexPath: 'D:\\Media\\TV', localPath: '/mnt/tv' });
    const got = await client().collections.get.query({ id: tv!.id, include: ['source', 'pathMappings'] });
    assert.equal(got.source!.id, source.id);
    assert.deepEqual(got.source!.secretKeys, ['token']);
    assert.doesNotMatch(JSON.stringify(got), new RegExp(plex.token));
    assert.equal(got.pathMappings!.length, 1);
  });

  it('a wrong token and an unreachable server give clear errors and change nothing', async () => {
    const wrong = await client().sources.create.mutate({
      kind: 'plex',
      name: 'W',
      config: { baseUrl: plex.url, token: 'wrong' },
    });
    const error = await expectRefusedUnchanged(() => client().collections.discover.mutate({ sourceId: wrong.id }), 'BAD_REQUEST');
    assert.match(error.message, /token/);
    assert.doesNotMatch(error.message, /wrong/);
    const gone = await client().sources.create.mutate({
      kind: 'plex',
      name: 'G',
      config: { baseUrl: 'http://127.0.0.1:9', token: 't', timeoutMs: 500 },
    });
    await expectRefusedUnchanged(() => client().collections.discover.mutate({ sourceId: gone.id }), 'BAD_GATEWAY');
  });

  it('retries Plex 503s and 429s with backoff', async () => {
    const source = await plexSource();
    plex.failNext(2, 503);
    assert.equal((await client().collections.discover.mutate({ sourceId: source.id })).length, 2);
    plex.failNext(2, 429);
    assert.equal((await client().collections.discover.mutate({ sourceId: source.id })).length, 2);
  });

  it('times out a Plex server that does not answer, after retries', async () => {
    const slow = await client().sources.create.mutate({
      kind: 'plex',
      name: 'Slow',
      config: { baseUrl: plex.url, token: plex.token, timeoutMs: 200 },
    });
    plex.slowNext(10, 2000);
    const error = await expectRefusedUnchanged(() => client().collections.discover.mutate({ sourceId: slow.id }), 'BAD_GATEWAY');
    assert.match(error.message, /did not answer .* within 200 ms/);
    // One slow answer is retried and then succeeds.
    plex.slowNext(1, 2000);
    assert.equal((await client().collections.discover.mutate({ sourceId: slow.id })).length, 2);
  });

  it('discovers filesystem folders', async () => {
    const source = await client().sources.create.mutate({
      kind: 'filesystem',
      name: 'NAS',
      config: { paths: [folder('tv'), folder('movies')] },
    });
    const found = await client().collections.discover.mutate({ sourceId: source.id });
    assert.deepEqual(
      found.map((c) => c.name),
      ['movies', 'tv'],
    );
  });
});
