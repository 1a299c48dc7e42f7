import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { sampleLibrary, startFakePlex, type FakePlex } from './support/fakePlex.js';
import { baseUrl, client, db } from './support/harness.js';

describe('sources', () => {
  it('creates a Plex source and never returns its token', async () => {
    const source = await client().sources.create.mutate({
      kind: 'plex',
      name: 'Living Room',
      config: { baseUrl: 'http://127.0.0.1:32400', token: 'super-secret' },
    });
    assert.deepEqual(source.config, { baseUrl: 'http://127.0.0.1:32400' });
    assert.deepEqual(source.secretKeys, ['token']);
    assert.ok(source.updatedAt instanceof Date);
    const stored = await db()('sources').where({ id: source.id }).first();
    assert.equal(stored.config.token, 'super-secret', 'the token is stored for the adapter');

    const listed = await client().sources.list.query({});
    const got = await client().sources.get.query({ id: source.id, include: ['collections'] });
    for (const body of [JSON.stringify(listed), JSON.stringify(got)]) assert.doesNotMatch(body, /super-secret/);
    // Over raw HTTP as well.
    const raw = await (await fetch(`${baseUrl()}/sources.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`)).text();
    assert.doesNotMatch(raw, /super-secret/);
  });

  it('update keeps a secret that is not resent, replaces or removes one that is', async () => {
    const source = await client().sources.create.mutate({
      kind: 'plex',
      name: 'P',
      config: { baseUrl: 'http://a:1', token: 't1' },
    });
    const renamed = await client().sources.update.mutate({ id: source.id, name: 'Renamed', config: { baseUrl: 'http://b:2' } });
    assert.equal(renamed.name, 'Renamed');
    assert.ok(renamed.updatedAt > source.updatedAt);
    let stored = await db()('sources').where({ id: source.id }).first();
    assert.deepEqual(stored.config, { baseUrl: 'http://b:2', token: 't1' });
    await client().sources.update.mutate({ id: source.id, config: { baseUrl: 'http://b:2', token: 't2' } });
    stored = await db()('sources').where({ id: source.id }).first();
    assert.equal(stored.config.token, 't2');
    // Removing the token leaves an invalid Plex config: refused, nothing changed.
    await expectRefusedUnchanged(
      () => client().sources.update.mutate({ id: source.id, config: { baseUrl: 'http://b:2', token: null } }),
      'BAD_REQUEST',
    );
    stored = await db()('sources').where({ id: source.id }).first();
    assert.equal(stored.config.token, 't2');
  });

  it('validates config per kind and refuses duplicates', async () => {
    await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'plex', name: 'P', config: { baseUrl: 'not a url', token: 'x' } }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: ['relative/path'] } }),
      'BAD_REQUEST',
    );
    // @ts-expect-error not a source kind
    await expectRefusedUnchanged(() => client().sources.create.mutate({ kind: 'ftp', name: 'F', config: {} }), 'BAD_REQUEST');
    await client().sources.create.mutate({ kind: 'filesystem', name: 'F', externalId: 'nas', config: { paths: ['/mnt/tv'] } });
    await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'filesystem', name: 'G', externalId: 'nas', config: { paths: ['/x'] } }),
      'CONFLICT',
    );
  });

  it('deletes a source with its collections', async () => {
    const source = await client().sources.create.mutate({
      kind: 'filesystem',
      name: 'F',
      config: { paths: ['/mnt/tv', '/mnt/movies'] },
    });
    await client().collections.discover.mutate({ sourceId: source.id });
    await client().sources.delete.mutate({ id: source.id });
    assert.equal((await client().collections.list.query({})).items.length, 0);
    await expectError(client().sources.get.query({ id: source.id }), 'NOT_FOUND');
  });
});

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
      config: { paths: ['/mnt/tv', '/mnt/movies'] },
    });
    const found = await client().collections.discover.mutate({ sourceId: source.id });
    assert.deepEqual(
      found.map((c) => c.name),
      ['movies', 'tv'],
    );
  });
});

describe('pathMappings', () => {
  const collection = async () => {
    const source = await client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: ['/srv'] } });
    const [c] = await client().collections.discover.mutate({ sourceId: source.id });
    return c!;
  };

  it('creates, lists, updates, deletes; one plexPath per collection', async () => {
    const c = await collection();
    const m = await client().pathMappings.create.mutate({ collectionId: c.id, plexPath: '/data/tv', localPath: '/mnt/tv' });
    await expectRefusedUnchanged(
      () => client().pathMappings.create.mutate({ collectionId: c.id, plexPath: '/data/tv', localPath: '/x' }),
      'CONFLICT',
    );
    await expectRefusedUnchanged(
      () =>
        client().pathMappings.create.mutate({
          collectionId: '00000000-0000-4000-8000-000000000000',
          plexPath: '/a',
          localPath: '/b',
        }),
      'NOT_FOUND',
    );
    assert.equal((await client().pathMappings.update.mutate({ id: m.id, localPath: '/media/tv' })).localPath, '/media/tv');
    assert.equal((await client().pathMappings.list.query({ collectionId: c.id })).items.length, 1);
    await client().pathMappings.delete.mutate({ id: m.id });
    await expectError(client().pathMappings.delete.mutate({ id: m.id }), 'NOT_FOUND');
  });

  it('resolves by the longest matching prefix, with either separator', async () => {
    const c = await collection();
    await client().pathMappings.create.mutate({ collectionId: c.id, plexPath: 'D:\\Media\\TV', localPath: '/mnt/tv' });
    await client().pathMappings.create.mutate({ collectionId: c.id, plexPath: 'D:\\Media\\TV\\Anime', localPath: '/mnt/anime/' });
    await client().pathMappings.create.mutate({ collectionId: c.id, plexPath: '/data/movies', localPath: '/mnt/movies' });
    const resolve = async (path: string) => (await client().pathMappings.resolve.query({ collectionId: c.id, path })).localPath;
    assert.equal(await resolve('D:\\Media\\TV\\Show\\Season 01\\x.mkv'), '/mnt/tv/Show/Season 01/x.mkv');
    assert.equal(await resolve('d:/media/tv/Show/x.mkv'), '/mnt/tv/Show/x.mkv');
    assert.equal(await resolve('D:\\Media\\TV\\Anime\\Show\\x.mkv'), '/mnt/anime/Show/x.mkv');
    assert.equal(await resolve('/data/movies/Alien (1979)/Alien.mkv'), '/mnt/movies/Alien (1979)/Alien.mkv');
    assert.equal(await resolve('/data/moviesextra/x.mkv'), null, 'whole segments only');
    assert.equal(await resolve('/DATA/movies/x.mkv'), null, 'POSIX paths are case-sensitive');
    assert.equal(await resolve('E:\\Other\\x.mkv'), null);
  });
});

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
