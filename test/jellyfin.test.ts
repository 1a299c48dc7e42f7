import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ServiceError } from '../server/errors.js';
import { MediaBrowserClient } from '../server/sources/jellyfin/client.js';
import type { MediaBrowserDialect } from '../server/sources/jellyfin/config.js';
import { episodeItems, movieItems, type MapContext } from '../server/sources/jellyfin/mapper.js';
import { collectionFromFolder } from '../server/sources/jellyfin/adapter.js';
import { Item } from '../server/sources/jellyfin/schemas.js';
import { snapshotCounts } from './support/database.js';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { startFakeMediaBrowser, type FakeMediaBrowser } from './support/fakeJellyfin.js';
import { sampleLibrary as samplePlexLibrary, startFakePlex } from './support/fakePlex.js';
import { baseUrl, client, db } from './support/harness.js';

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
      assert.equal(server.requests[0]!.query.UserId, undefined, 'no user unless configured');
      await drain(clientFor({ userId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }), tvId(), 'Series');
      assert.equal(server.requests.at(-1)!.query.UserId, 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
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

    it('answers BAD_GATEWAY for a response that is not JSON or not the documented shape', async () => {
      server.replaceNext('<html>502 from a proxy</html>');
      await rejects(clientFor().virtualFolders(), 'BAD_GATEWAY', /not JSON/);
      server.replaceNext(JSON.stringify({ Items: 'none' }));
      await rejects(drain(clientFor(), tvId(), 'Episode'), 'BAD_GATEWAY', /unexpected shape \(Items: /);
      server.replaceNext(JSON.stringify([{ Name: 'Shows', Locations: 'D:\\TV' }]));
      await rejects(clientFor().virtualFolders(), 'BAD_GATEWAY', /VirtualFolders with an unexpected shape/);
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

    it('asks a server without the media-segments API once, then stops', async () => {
      await server.close();
      server = await startFakeMediaBrowser(dialect, { mediaSegments: false });
      const client = clientFor();
      const { items } = await drain(client, tvId(), 'Episode');
      for (const item of items) assert.equal(await client.mediaSegments(item.Id), null);
      const asked = server.requests.filter((r) => r.path.startsWith('/MediaSegments')).length;
      assert.equal(asked, dialect === 'jellyfin' ? 1 : 0);
    });

    it('leaves an item without a runtime without duration (the ingest sends it to review)', async () => {
      const { items } = await drain(clientFor(), tvId(), 'Episode');
      const probeless = items.find((i) => i.RunTimeTicks == null)!;
      assert.equal(episodeItems(undefined, probeless, ctx()).items[0]!.assets[0]!.durationMs, null);
    });
  });
}

/** The behavioural suite every source kind passes (as Plex's in ingest-collections.test.ts), once per dialect. */
for (const dialect of DIALECTS) {
  describe(`ingest.collection: ${dialect}`, () => {
    let server: FakeMediaBrowser;
    beforeEach(async () => {
      server = await startFakeMediaBrowser(dialect);
    });
    afterEach(() => server.close());

    const addSource = (config: Record<string, unknown> = {}) =>
      client().sources.create.mutate({
        kind: dialect,
        name: `${dialect} server`,
        config: { baseUrl: server.url, apiKey: server.apiKey, pageSize: 2, timeoutMs: 2000, ...config },
      });
    const library = async (name: 'Shows' | 'Movies') => {
      const source = await addSource();
      const found = await client().collections.discover.mutate({ sourceId: source.id });
      const collection = found.find((c) => c.name === name)!;
      await client().collections.update.mutate({ id: collection.id, enabled: true });
      if (name === 'Shows')
        await client().pathMappings.create.mutate({
          collectionId: collection.id,
          plexPath: 'D:\\Media\\TV',
          localPath: '/mnt/tv',
        });
      return collection;
    };
    const ingest = (collectionId: string) => client().ingest.collection.mutate({ collectionId });
    const cheers = async () => {
      const show = (await client().titles.list.query({ search: 'Cheers' })).items[0]!;
      return client().titles.get.query({
        id: show.id,
        include: ['seasons.episodes.assets.markers', 'seasons.episodes.providerRefs', 'providerRefs'],
      });
    };

    it('stores the API key but never returns it; discovers libraries as disabled collections', async () => {
      const source = await addSource();
      assert.deepEqual(source.secretKeys, ['apiKey']);
      assert.ok(!JSON.stringify(source).includes(server.apiKey));
      assert.ok(!JSON.stringify(await client().sources.get.query({ id: source.id })).includes(server.apiKey));
      const found = await client().collections.discover.mutate({ sourceId: source.id });
      assert.deepEqual(
        found.map((c) => [c.name, c.enabled, (c.config as { locations: string[] }).locations]),
        [
          ['Movies', false, ['/media/movies']],
          ['Shows', false, ['D:\\Media\\TV']],
        ].sort(),
      );
      const before = await snapshotCounts(db());
      await client().collections.discover.mutate({ sourceId: source.id });
      assert.deepEqual(await snapshotCounts(db()), before, 're-discovery changes nothing');
    });

    it('pulls a show library: seasons, a multi-episode file, path mappings, ids, markers, raw JSON, review, bad items', async () => {
      const collection = await library('Shows');
      const job = await ingest(collection.id);
      assert.equal(job.state, 'done');
      const report = job.report!;
      assert.equal(report.items, 5, 'four files, one of them two episodes');
      assert.equal(report.queuedForReview, 1, 'the episode without a runtime');
      assert.equal(report.rejected, 1, 'the damaged record, reported');
      assert.match(report.rejectedItems[0]!.reason, /RunTimeTicks/);
      assert.ok(report.source!.requests >= 4, `requests counted (${report.source!.requests})`);

      const graph = await cheers();
      assert.deepEqual(graph.externalIds, { tmdb: '3943', tvdb: '77623', imdb: 'tt0083399' });
      assert.deepEqual(
        graph.seasons!.map((s) => [s.number, s.episodes!.map((e) => e.number)]),
        [
          [1, [1, 2, 3]],
          [2, [1, 2]],
        ],
      );
      const [pilot, second, third] = graph.seasons![0]!.episodes!;
      assert.equal(pilot!.name, 'Give Me a Ring Sometime');
      assert.equal(
        decodeURIComponent(pilot!.assets![0]!.uri).replace(/^file:\/\//, ''),
        '/mnt/tv/Cheers/Season 01/Cheers - S01E01.mkv',
      );
      assert.deepEqual(
        pilot!.assets![0]!.markers!.map((m) => m.kind),
        ['chapter', 'intro', 'chapter', 'credits'],
      );
      assert.equal(second!.assets![0]!.id, third!.assets![0]!.id, 'one file, two episodes, one asset');
      const ref = pilot!.providerRefs!.find((r) => r.provider === dialect)!;
      assert.equal((ref.raw as { Id: string }).Id, ref.providerKey.split(':').at(-1), 'the item JSON is kept in raw');
      assert.ok(graph.providerRefs!.some((r) => r.provider === 'tvdb' && r.providerKey === '77623'));
      const pending = (await client().reviews.list.query({ status: 'pending' })).items;
      assert.equal(pending.length, 1);
      assert.match(pending[0]!.reason, /duration/);
    });

    it('re-ingests an unchanged library skipping every item, writing nothing and asking for no segments', async () => {
      const collection = await library('Shows');
      await ingest(collection.id);
      const before = await snapshotCounts(db());
      server.requests.length = 0;
      const again = (await ingest(collection.id)).report!;
      assert.equal(again.rowsWritten, 0);
      assert.equal(again.items, 0);
      assert.equal(again.skipped, 4);
      assert.equal(again.removed, 0);
      assert.deepEqual(await snapshotCounts(db()), before);
      assert.ok(!server.requests.some((r) => r.path.startsWith('/MediaSegments')));
      assert.equal(again.source!.requests, server.requests.length);
    });

    it('re-maps a changed item, reports removed ones without deleting them', async () => {
      const collection = await library('Shows');
      await ingest(collection.id);
      const gone = server.library.items.findIndex((i) => i.item.Name === 'Power Play');
      server.library.items.splice(gone, 1);
      const renamed = server.item('Give Me a Ring Sometime');
      renamed.Name = 'Give Me a Ring Sometime (Pilot)';
      renamed.Etag = 'changed-etag';
      const report = (await ingest(collection.id)).report!;
      assert.equal(report.items, 1);
      assert.equal(report.byKind.episodes.updated, 1);
      assert.equal(report.removed, 1);
      assert.match(decodeURIComponent(report.removedAssets[0]!.uri), /Cheers - S02E01\.mkv$/);
      assert.equal((await snapshotCounts(db())).assets, 4, 'reported, not deleted');
    });

    it('ingests a movie with two versions, the better one canonical', async () => {
      const collection = await library('Movies');
      const report = (await ingest(collection.id)).report!;
      assert.equal(report.items, 1);
      const movie = (await client().titles.list.query({ kind: 'movie' })).items[0]!;
      assert.deepEqual([movie.name, movie.year, movie.externalIds], ['The Thing', 1982, { tmdb: '1091', imdb: 'tt0084787' }]);
      const graph = await client().titles.get.query({ id: movie.id, include: ['episodes.assets.markers'] });
      const assets = graph.episodes![0]!.assets!;
      assert.deepEqual(
        assets.map((a) => [a.canonical, a.videoCodec, a.container, a.durationMs]),
        [
          [true, 'h264', 'mp4', 6_540_000],
          [false, 'mpeg2video', 'mkv', 6_520_000],
        ],
      );
      assert.ok(assets[0]!.markers!.some((m) => m.kind === 'credits' && m.startMs === 6_300_000));
      assert.equal((await ingest(collection.id)).report!.rowsWritten, 0);
    });

    it('refuses a config without a key or with one that cannot travel in a header', async () => {
      // Deliberately wrong configs, past the SDK's types.
      const configs: never[] = [
        { baseUrl: server.url },
        { baseUrl: server.url, apiKey: 'a"b' },
        { baseUrl: 'ftp://x', apiKey: 'k' },
      ] as never[];
      for (const config of configs)
        await expectRefusedUnchanged(() => client().sources.create.mutate({ kind: dialect, name: 'bad', config }), 'BAD_REQUEST');
    });

    it(`registers through the CLI (retrovue sources add-${dialect}) without printing the key`, async function () {
      this.timeout(60_000);
      // The CLI's sources, as test/cli.test.ts runs them (bin/retrovue.js runs the built copy).
      const cli = path.resolve(import.meta.dirname, '..', 'sdk', 'cli.ts');
      const args = [
        '--url',
        baseUrl(),
        '--json',
        'sources',
        `add-${dialect}`,
        '--name',
        'Den',
        '--base-url',
        server.url,
        '--api-key',
        server.apiKey,
      ];
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], {
        env: { ...process.env, RETROVUE_API_TOKEN: '' },
      });
      const added = JSON.parse(stdout) as { kind: string; secretKeys: string[] };
      assert.deepEqual([added.kind, added.secretKeys], [dialect, ['apiKey']]);
      assert.ok(!stdout.includes(server.apiKey));
    });

    it('refuses a wrong key, and fails cleanly on a server that errors, is slow or is down', async () => {
      const source = await addSource({ apiKey: 'not-the-key' });
      const refused = await expectRefusedUnchanged(
        () => client().collections.discover.mutate({ sourceId: source.id }),
        'BAD_REQUEST',
      );
      assert.ok(!refused.message.includes('not-the-key'));
      const collection = await library('Shows');
      server.failNext(50, 500);
      await expectRefusedUnchanged(() => ingest(collection.id), 'BAD_GATEWAY');
      server.failNext(0, 500);
      server.slowNext(50, 5000);
      await client().sources.update.mutate({
        id: collection.sourceId,
        kind: dialect,
        config: { baseUrl: server.url, timeoutMs: 200 },
      });
      const slow = await expectError(ingest(collection.id), 'BAD_GATEWAY');
      assert.match(slow.message, /did not answer/);
      await server.close();
      const down = await expectError(ingest(collection.id), 'BAD_GATEWAY');
      assert.match(down.message, /cannot reach/);
    });
  });
}

describe('ingest.collection: one asset per file across Plex, Jellyfin and Emby', () => {
  it('the same file seen by three servers is one asset with a ref from each', async () => {
    // The three servers read one disk: Plex's sample has S01E02 alone where the others have S01E02-E03.
    const plexLibrary = samplePlexLibrary();
    plexLibrary.leaves['100'] = plexLibrary.leaves['100']!.filter((e) => e.ratingKey !== '102');
    const plex = await startFakePlex(plexLibrary);
    const jellyfin = await startFakeMediaBrowser('jellyfin');
    const emby = await startFakeMediaBrowser('emby');
    try {
      const sources = [
        {
          library: '1',
          add: () =>
            client().sources.create.mutate({ kind: 'plex', name: 'plex', config: { baseUrl: plex.url, token: plex.token } }),
        },
        {
          library: 'Shows',
          add: () =>
            client().sources.create.mutate({
              kind: 'jellyfin',
              name: 'jellyfin',
              config: { baseUrl: jellyfin.url, apiKey: jellyfin.apiKey },
            }),
        },
        {
          library: 'Shows',
          add: () =>
            client().sources.create.mutate({ kind: 'emby', name: 'emby', config: { baseUrl: emby.url, apiKey: emby.apiKey } }),
        },
      ];
      for (const { library, add } of sources) {
        const source = await add();
        const found = await client().collections.discover.mutate({ sourceId: source.id });
        const collection = found.find((c) => c.externalId === library || c.name === library)!;
        await client().collections.update.mutate({ id: collection.id, enabled: true });
        await client().pathMappings.create.mutate({
          collectionId: collection.id,
          plexPath: 'D:\\Media\\TV',
          localPath: '/mnt/tv',
        });
        await client().ingest.collection.mutate({ collectionId: collection.id });
      }
      const pilot = (await client().assets.list.query({ limit: 500 })).items.filter((a) =>
        /Cheers - S01E01\.mkv$/.test(decodeURIComponent(a.uri)),
      );
      assert.equal(pilot.length, 1);
      const refs = await client().providerRefs.list.query({ entityType: 'asset', entityId: pilot[0]!.id });
      assert.deepEqual(refs.items.map((r) => r.provider).sort(), ['emby', 'jellyfin', 'plex']);
      assert.equal((await client().titles.list.query({ search: 'Cheers' })).items.length, 1);
    } finally {
      await Promise.all([plex.close(), jellyfin.close(), emby.close()]);
    }
  });
});
