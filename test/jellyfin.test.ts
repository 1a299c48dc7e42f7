import assert from 'node:assert/strict';
import { ServiceError } from '../server/errors.js';
import { MediaBrowserClient } from '../server/sources/jellyfin/client.js';
import type { MediaBrowserDialect } from '../server/sources/jellyfin/config.js';
import { episodeItems, movieItems, type MapContext } from '../server/sources/jellyfin/mapper.js';
import { collectionFromFolder } from '../server/sources/jellyfin/pull.js';
import { Item } from '../server/sources/jellyfin/schemas.js';
import { startFakeMediaBrowser, type FakeMediaBrowser } from './support/fakeJellyfin.js';

/** One suite per server kind: Jellyfin and Emby speak one API in two dialects. */
const DIALECTS: MediaBrowserDialect[] = ['jellyfin', 'emby'];

const rejects = async (promise: Promise<unknown>, code: string, pattern: RegExp) => {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ServiceError, String(err));
  assert.equal(err.code, code);
  assert.match(err.message, pattern);
  return err;
};

async function drain(client: MediaBrowserClient, parentId: string, includeItemTypes: string) {
  const items: Item[] = [];
  const bad: Array<{ id: string | null; reason: string }> = [];
  for await (const page of client.items({
    parentId,
    includeItemTypes,
    fields: ['Path', 'MediaSources', 'ProviderIds', 'Chapters', 'Etag'],
  })) {
    items.push(...page.items);
    bad.push(...page.bad);
  }
  return { items, bad };
}

for (const dialect of DIALECTS) {
  describe(`${dialect} source: client and mapper`, () => {
    let server: FakeMediaBrowser;
    beforeEach(async () => {
      server = await startFakeMediaBrowser(dialect);
    });
    afterEach(() => server.close());

    const clientFor = (extra: Partial<ConstructorParameters<typeof MediaBrowserClient>[0]> = {}) =>
      new MediaBrowserClient({ dialect, baseUrl: server.url, apiKey: server.apiKey, pageSize: 2, timeoutMs: 2000, ...extra });
    const tvId = () => server.library.folders[0]!.ItemId as string;
    const moviesId = () => server.library.folders[1]!.ItemId as string;
    const ctx = (mappings: MapContext['mappings'] = []): MapContext => ({ provider: dialect, collectionId: 'c1', mappings });

    it('discovers movie and show libraries with their paths (a Windows one included), not music', async () => {
      const folders = await clientFor().virtualFolders();
      const collections = folders.map(collectionFromFolder).filter((c) => c !== null);
      assert.deepEqual(
        collections.map((c) => [c.name, c.config]),
        [
          ['Shows', { collectionType: 'tvshows', locations: ['D:\\Media\\TV'] }],
          ['Movies', { collectionType: 'movies', locations: ['/media/movies'] }],
        ],
      );
    });

    it(`pages /Items with StartIndex/Limit and sends the key only as ${dialect === 'jellyfin' ? 'Authorization: MediaBrowser Token' : 'X-Emby-Token'}`, async () => {
      const client = clientFor();
      const { items, bad } = await drain(client, tvId(), 'Episode');
      assert.equal(items.length, 4);
      assert.deepEqual(
        server.requests.map((r) => [r.query.StartIndex, r.query.Limit]),
        [
          ['0', '2'],
          ['2', '2'],
          ['4', '2'],
        ],
      );
      assert.ok(server.requests.every((r) => r.auth === (dialect === 'jellyfin' ? 'authorization' : 'x-emby-token')));
      assert.ok(
        server.requests.every((r) => !JSON.stringify(r.query).includes(server.apiKey)),
        'never in a URL',
      );
      assert.equal(server.requests[0]!.query.Recursive, 'true');
      assert.equal(server.requests[0]!.query.ParentId, tvId());
      assert.equal(client.requests, 3);
      // The damaged record is reported with its id, and the page's other items still arrive.
      assert.equal(bad.length, 1);
      assert.match(bad[0]!.reason, /RunTimeTicks/);
      assert.ok(bad[0]!.id);
    });

    it('refuses a wrong key as a bad request without echoing it', async () => {
      const err = await rejects(
        clientFor({ apiKey: 'wrong-key' }).virtualFolders(),
        'BAD_REQUEST',
        /refused the source's API key \(HTTP 401\)/,
      );
      assert.ok(!err.message.includes('wrong-key'));
    });

    it('retries 5xx and 429, then succeeds; counts every request', async () => {
      const client = clientFor();
      server.failNext(2, 503);
      assert.equal((await client.virtualFolders()).length, 3);
      assert.equal(client.requests, 3);
      server.failNext(1, 429);
      assert.equal((await client.virtualFolders()).length, 3);
      assert.equal(client.requests, 5);
    });

    it('gives up on a slow server, a failing server and one that is down, as BAD_GATEWAY', async () => {
      server.slowNext(5, 1000);
      await rejects(clientFor({ timeoutMs: 100, retries: 1 }).virtualFolders(), 'BAD_GATEWAY', /did not answer .* within 100 ms/);
      server.slowNext(0, 0);
      server.failNext(10, 500);
      await rejects(clientFor({ retries: 1 }).virtualFolders(), 'BAD_GATEWAY', /HTTP 500/);
      await server.close();
      await rejects(clientFor({ retries: 0 }).virtualFolders(), 'BAD_GATEWAY', /cannot reach/);
    });

    it('maps a multi-episode file to one item per episode sharing its file, through path mappings', async () => {
      const { items } = await drain(clientFor(), tvId(), 'Episode');
      const multi = items.find((i) => i.IndexNumberEnd != null)!;
      const mapped = episodeItems(undefined, multi, ctx([{ id: 'm1', plexPath: 'd:\\media\\tv', localPath: '/mnt/tv' }]));
      assert.equal(mapped.problem, undefined);
      assert.deepEqual(
        mapped.items.map((i) => [i.season?.number, i.episode?.number, i.assets[0]!.uri]),
        [
          [1, 2, '/mnt/tv/Cheers/Season 01/Cheers - S01E02-E03.mkv'],
          [1, 3, '/mnt/tv/Cheers/Season 01/Cheers - S01E02-E03.mkv'],
        ],
      );
      assert.equal(mapped.items[0]!.title?.name, 'Cheers', 'the series name stands in when the Series item is absent');
      assert.ok(
        mapped.items[0]!.episode!.providerRefs!.some((r) => r.raw),
        'the first carries the item JSON',
      );
      assert.ok(!mapped.items[1]!.episode!.providerRefs!.some((r) => r.raw || r.provider === 'tvdb'), 'the second no ids');
      assert.equal(mapped.items[0]!.assets[0]!.durationMs, 2_960_000);
    });

    it('maps chapters, intro and credits (media segments on Jellyfin, chapter markers on Emby) to markers', async () => {
      const client = clientFor();
      const { items } = await drain(client, tvId(), 'Episode');
      const pilot = items.find((i) => i.IndexNumber === 1 && i.ParentIndexNumber === 1)!;
      const segments = await client.mediaSegments(pilot.Id);
      assert.equal(segments === null, dialect === 'emby', 'Emby has no media-segments API');
      const asset = episodeItems(undefined, pilot, ctx(), segments).items[0]!.assets[0]!;
      assert.deepEqual(
        asset.markers!.map((m) => [m.kind, m.startMs, m.endMs]),
        [
          ['chapter', 0, 600_000],
          ['chapter', 600_000, 1_500_000],
          ['intro', 1_000, 30_000],
          ['credits', 1_440_000, 1_500_000],
        ],
      );
      assert.deepEqual([asset.videoCodec, asset.audioCodec, asset.container, asset.size], ['h264', 'aac', 'mkv', 734_003_200]);
    });

    it('maps a movie with two versions: both assets, the larger frame preferred, ids from ProviderIds', async () => {
      const { items } = await drain(clientFor(), moviesId(), 'Movie');
      const [item] = movieItems(items[0]!, ctx()).items;
      assert.deepEqual(item!.title!.externalIds, { tmdb: '1091', imdb: 'tt0084787' });
      assert.deepEqual(
        item!.assets.map((a) => [a.canonical, a.container, a.videoCodec, a.durationMs]),
        [
          [true, 'mp4', 'h264', 6_540_000],
          [false, 'mkv', 'mpeg2video', 6_520_000],
        ],
      );
      assert.equal(item!.title!.providerRefs!.find((r) => r.provider === dialect)!.key, `c1:${items[0]!.Id}`);
    });

    it('leaves an item without a runtime without duration (the ingest sends it to review)', async () => {
      const { items } = await drain(clientFor(), tvId(), 'Episode');
      const probeless = items.find((i) => i.RunTimeTicks == null)!;
      assert.equal(episodeItems(undefined, probeless, ctx()).items[0]!.assets[0]!.durationMs, null);
    });
  });
}
