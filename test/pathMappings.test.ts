import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { folder } from './support/folders.js';
import { client } from './support/harness.js';

describe('pathMappings', () => {
  const collection = async () => {
    const source = await client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: [folder('srv')] } });
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
