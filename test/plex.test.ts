import assert from 'node:assert/strict';
import { snapshotCounts } from './support/database.js';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { sampleLibrary, startFakePlex, withUhdLibrary, type FakePlex } from './support/fakePlex.js';
import { client, db } from './support/harness.js';
import { PlexHttp } from '../server/sources/plex/http.js';
import { emptyPullStats, pullPlexSection } from '../server/sources/plex/sync.js';

async function plexCollection(plex: FakePlex, section: string, extra: Record<string, unknown> = {}) {
  const source = await client().sources.create.mutate({
    kind: 'plex',
    name: `plex ${section}`,
    config: { baseUrl: plex.url, token: plex.token, timeoutMs: 2000, ...extra } as never,
  });
  const found = await client().collections.discover.mutate({ sourceId: source.id });
  const collection = found.find((c) => c.externalId === section)!;
  await client().collections.update.mutate({ id: collection.id, enabled: true });
  return collection;
}

const uri = (path: string) => `file://${path.split('/').map(encodeURIComponent).join('/')}`;

describe('ingest.collection: Plex', () => {
  let plex: FakePlex;
  beforeEach(async () => {
    plex = await startFakePlex(sampleLibrary());
  });
  afterEach(() => plex.close());

  const tv = async (pageSize = 2) => {
    const collection = await plexCollection(plex, '1', { pageSize });
    await client().pathMappings.create.mutate({ collectionId: collection.id, plexPath: 'D:\\Media\\TV', localPath: '/mnt/tv' });
    return collection;
  };
  const movies = async () => {
    const collection = await plexCollection(plex, '2');
    await client().pathMappings.create.mutate({
      collectionId: collection.id,
      plexPath: 'D:\\Media\\Movies',
      localPath: '/mnt/movies',
    });
    return collection;
  };
  const ingest = async (collectionId: string) => (await client().ingest.collection.mutate({ collectionId })).report!;

  it('pulls a show library through path mappings: versions, markers, every id, canonical file uris', async () => {
    const collection = await tv();
    const report = await ingest(collection.id);
    assert.equal(report.items, 4);
    assert.deepEqual(
      (await client().reviews.list.query({})).items.map((r) => r.reason),
      [],
    );
    assert.equal(report.queuedForReview, 0);
    assert.equal(report.rejected, 0);

    const show = (await client().titles.list.query({ search: 'Cheers' })).items[0]!;
    assert.deepEqual(show.externalIds, { imdb: 'tt0083399', tmdb: '3943', tvdb: '77623' });
    const graph = await client().titles.get.query({
      id: show.id,
      include: ['seasons.episodes.assets.markers', 'seasons.episodes.providerRefs', 'providerRefs'],
    });
    assert.deepEqual(
      graph.seasons!.map((s) => [s.number, s.episodes!.length]),
      [
        [1, 2],
        [2, 1],
      ],
    );
    const pilot = graph.seasons![0]!.episodes![0]!;
    assert.equal(pilot.name, 'Give Me a Ring Sometime');
    assert.deepEqual(
      pilot.assets!.map((a) => [a.uri, a.canonical]),
      [
        [uri('/mnt/tv/Cheers/Season 01/Cheers - S01E01.mkv'), true],
        [uri('/mnt/tv/Cheers/Season 01/Cheers - S01E01 (broadcast).mkv'), false],
      ],
    );
    const canonical = pilot.assets![0]!;
    assert.deepEqual(
      canonical.markers!.map((m) => [m.kind, m.startMs, m.endMs]),
      [
        ['chapter', 0, 700_000],
        ['intro', 1000, 30_000],
        ['credits', 1_400_000, 1_450_000],
      ],
    );
    const refs = pilot.providerRefs!.map((r) => `${r.provider} ${r.providerKey}`).sort();
    assert.deepEqual(refs, [
      'imdb tt0101000',
      `plex ${collection.id}:101`,
      'plex plex://episode/5d9c1276e9d5a1001f4f0101',
      'tmdb 10100',
      'tvdb 1010',
    ]);
    const locator = pilot.providerRefs!.find((r) => r.providerKey === `${collection.id}:101`)!;
    assert.equal((locator.raw as { machineIdentifier: string }).machineIdentifier, plex.library.machineIdentifier);
    assert.ok(graph.providerRefs!.some((r) => r.provider === 'plex' && r.providerKey === 'plex://show/5d9c086c46115600200aa2fe'));

    // Legacy agent: ids only in the item's guid, season/episode suffix included; unicode kept.
    const pokemon = (await client().titles.list.query({ search: 'Pok' })).items[0]!;
    assert.equal(pokemon.name, 'Pokémon');
    assert.deepEqual(pokemon.externalIds, { tvdb: '76703' });
    const ep = await client().episodes.list.query({ titleId: pokemon.id });
    const full = await client().episodes.get.query({ id: ep.items[0]!.id, include: ['providerRefs', 'assets'] });
    assert.deepEqual(full.externalIds, { tvdb: '76703/1/1' });
    assert.equal(full.assets![0]!.uri, uri('/mnt/tv/Pokémon/Staffel 1/Pokémon - S01E01.mkv'));
  });

  it("brings the metadata a scheduler filters on, every genre from the items' own metadata, and keeps what a person edited", async () => {
    const collection = await tv();
    await ingest(collection.id);
    const cheers = (await client().titles.list.query({ search: 'Cheers' })).items[0]!;
    assert.deepEqual(
      [cheers.genres, cheers.contentRating, cheers.studio, cheers.originallyAvailableAt, cheers.summary],
      [
        'Comedy,Romance,Sitcom'.split(','),
        'TV-PG',
        'NBC',
        '1982-09-30',
        'Sam Malone, a former baseball player, runs a Boston bar.',
      ],
      'all three genres, though the listing carries two',
    );
    const episodes = await client().episodes.list.query({ titleId: cheers.id });
    const pilot = await client().episodes.get.query({ id: episodes.items.find((e) => e.name === 'Give Me a Ring Sometime')!.id });
    assert.deepEqual(
      [pilot.contentRating, pilot.originallyAvailableAt, pilot.summary],
      ['TV-PG', '1982-10-01', 'Give Me a Ring Sometime: an episode of Cheers.'],
    );

    // A person edits the genres and the pilot's air date; Plex then changes the show and the pilot.
    await client().titles.update.mutate({ id: cheers.id, genres: ['Sitcom'] });
    await client().episodes.update.mutate({ id: pilot.id, originallyAvailableAt: '1982-09-30' });
    const show = plex.library.items['1']![0]!;
    Object.assign(show, { updatedAt: 1_800_000_000, contentRating: 'TV-14', Genre: [{ tag: 'Drama' }] });
    Object.assign(plex.library.leaves['100']![0]!, {
      updatedAt: 1_800_000_000,
      originallyAvailableAt: '1982-09-29',
      summary: 'Diane Chambers arrives.',
    });
    await ingest(collection.id);
    const after = await client().titles.get.query({ id: cheers.id });
    assert.deepEqual(after.genres, ['Sitcom'], 'the edit stays');
    assert.equal(after.contentRating, 'TV-14', 'an unedited field follows Plex');
    const pilotAfter = await client().episodes.get.query({ id: pilot.id });
    assert.equal(pilotAfter.originallyAvailableAt, '1982-09-30', 'the edit stays');
    assert.equal(pilotAfter.summary, 'Diane Chambers arrives.');
  });

  it('gives movies their metadata from their own answer', async () => {
    const collection = await movies();
    await ingest(collection.id);
    const thing = (await client().titles.list.query({ search: 'The Thing' })).items[0]!;
    assert.deepEqual(
      [thing.genres, thing.contentRating, thing.studio, thing.originallyAvailableAt],
      [['Horror', 'Science Fiction', 'Mystery'], 'R', 'Universal Pictures', '1982-06-25'],
    );
  });

  it('asks for JSON, reads XML when the server ignores Accept, and only asks Plex where it answers', async () => {
    plex.ignoreAccept = true;
    const collection = await tv(200);
    plex.requests.length = 0;
    const report = await ingest(collection.id);
    assert.equal(report.items, 4);
    assert.ok(
      plex.requests.every((r) => !r.json),
      'every answer was XML',
    );
    const markers = await db()('markers').count({ n: '*' }).first();
    assert.equal(
      Number((markers as { n: number }).n),
      12,
      'markers and chapters arrived through XML (3 on each of 4 Cheers files)',
    );
    // Listings never ask for markers; markers come from batched metadata requests.
    const metadata = plex.requests.filter((r) => /^\/library\/metadata\/[\d,]+$/.test(r.path));
    assert.ok(metadata.length >= 2);
    // One request for the changed shows' own metadata (their full genre lists), without markers...
    assert.deepEqual(
      metadata.filter((r) => r.query.includeMarkers !== '1').map((r) => r.path),
      ['/library/metadata/100,150'],
    );
    // ...and the episodes' with markers and chapters.
    const episodes = metadata.filter((r) => r.query.includeMarkers === '1');
    assert.ok(episodes.every((r) => r.query.includeChapters === '1'));
    assert.ok(
      episodes.some((r) => r.path.includes(',')),
      'several items per request',
    );
    assert.equal(report.source!.requests, plex.requests.length);
  });

  it('re-syncs an unchanged library without fetching episodes or markers, and writes nothing', async () => {
    const collection = await tv();
    await ingest(collection.id);
    const before = await snapshotCounts(db());
    plex.requests.length = 0;
    const report = await ingest(collection.id);
    assert.equal(report.rowsWritten, 0);
    assert.equal(report.removed, 0);
    assert.equal(report.skipped, 2);
    assert.deepEqual(await snapshotCounts(db()), before);
    assert.deepEqual(
      plex.requests.map((r) => r.path),
      ['/identity', '/library/sections/1/all'],
    );
    assert.equal(report.source!.requests, 2);
  });

  it('re-fetches markers only for changed episodes of a changed show, and reports removed files', async () => {
    const collection = await tv();
    await ingest(collection.id);
    const show = plex.library.items['1']![0]!;
    show.updatedAt = 1_800_000_000;
    const removedLeaf = plex.library.leaves['100']!.pop()!;
    const changed = plex.library.leaves['100']![1]!;
    changed.updatedAt = 1_800_000_000;
    changed.Marker = [{ type: 'intro', startTimeOffset: 2000, endTimeOffset: 31_000 }];
    plex.requests.length = 0;
    const report = await ingest(collection.id);
    const metadata = plex.requests.filter((r) => /^\/library\/metadata\/[\d,]+$/.test(r.path));
    assert.deepEqual(
      metadata.map((r) => r.path),
      ['/library/metadata/100', '/library/metadata/102'],
      'the changed show (for its genres), then the changed episode (for its markers)',
    );
    assert.equal(report.byKind.markers.updated, 1);
    assert.equal(report.removed, 1);
    assert.equal(report.removedAssets[0]!.uri, uri('/mnt/tv/Cheers/Season 02/Cheers - S02E01.mkv'));
    assert.equal((await snapshotCounts(db())).assets, 5, 'reported, not deleted');
    const gone = await db()('assets')
      .where({ uri: uri('/mnt/tv/Cheers/Season 02/Cheers - S02E01.mkv') })
      .first();
    assert.ok(gone.missing_since, 'marked missing, so playout never offers it');
    assert.equal(
      Number((await db()('assets').whereNotNull('missing_since').count({ n: '*' }))[0]!.n),
      1,
      'only the removed file',
    );
    // The file comes back: present again.
    plex.library.leaves['100']!.push(removedLeaf);
    show.updatedAt = 1_900_000_000;
    const back = await ingest(collection.id);
    assert.equal(back.removed, 0);
    assert.equal((await db()('assets').where({ id: gone.id }).first()).missing_since, null);
  });

  it('keeps every part of a multi-part film, clamps a small overshoot, and reads legacy movie agents', async () => {
    const collection = await movies();
    const report = await ingest(collection.id);
    assert.equal(report.items, 3);
    assert.equal(report.queuedForReview, 0);
    assert.equal(report.source!.markersClamped, 1, "The Thing's last chapter ends 1 ms past the film");
    const lawrence = (await client().titles.list.query({ search: 'Lawrence' })).items[0]!;
    assert.deepEqual(lawrence.externalIds, { imdb: 'tt0056172' });
    const graph = await client().titles.get.query({ id: lawrence.id, include: ['episodes.assets.markers'] });
    const version = graph.episodes![0]!.assets![0]!;
    assert.equal(version.uri, uri('/mnt/movies/Lawrence of Arabia (1962)/Lawrence of Arabia - cd1.avi'));
    assert.deepEqual(
      [version.size, version.durationMs, version.edition, version.canonical],
      [4_700_000_000, 7_000_000, 'Restored', true],
    );
    assert.deepEqual(
      version.parts!.map((p) => [p.partIndex, p.uri, p.size, p.durationMs]),
      [[2, uri('/mnt/movies/Lawrence of Arabia (1962)/Lawrence of Arabia - cd2.avi'), 3_900_000_000, 6_380_000]],
    );
    assert.deepEqual(
      version.markers!.map((m) => [m.kind, m.startMs, m.endMs]),
      [['commercial', 6_990_000, 7_010_000]],
      'markers lie on the whole version',
    );
    const thing = (await client().titles.list.query({ search: 'Thing' })).items[0]!;
    const thingGraph = await client().titles.get.query({ id: thing.id, include: ['episodes.assets.markers'] });
    const last = thingGraph.episodes![0]!.assets![0]!.markers!.find((m) => m.kind === 'chapter' && m.startMs === 3_000_000)!;
    assert.equal(last.endMs, 6_540_000);
    const amelie = (await client().titles.list.query({ search: 'Amélie' })).items[0]!;
    assert.deepEqual(amelie.externalIds, { tmdb: '194' });
  });

  it('reports a bad item with its ratingKey and reason, and ingests the rest', async () => {
    const collection = await movies();
    const items = plex.library.items['2']!;
    items.push({ ...items[0]!, ratingKey: '230', title: undefined, guid: 'plex://movie/x1' });
    items.push({ ...items[0]!, ratingKey: '231', title: 'Future', year: 30_000, guid: 'plex://movie/x2' });
    items.push({ ratingKey: '232', type: 'movie', title: 'No Media', year: 1990, updatedAt: 1 });
    const report = await ingest(collection.id);
    assert.equal(report.items, 3);
    assert.equal(report.rejected, 3);
    const reasons = Object.fromEntries(report.rejectedItems.map((r) => [r.sourceKey, r.reason]));
    assert.match(reasons['230']!, /title/);
    assert.match(reasons['231']!, /absurd year/);
    assert.match(reasons['232']!, /no Media/);
  });

  it('a re-keyed library re-ingests with nothing new, keeping markers, canonical choices and reviews', async () => {
    const collection = await tv();
    await ingest(collection.id);
    // A person's choice: the broadcast version becomes canonical.
    const cheers = (await client().titles.list.query({ search: 'Cheers' })).items[0]!;
    const graph = await client().titles.get.query({ id: cheers.id, include: ['seasons.episodes.assets'] });
    const pilot = graph.seasons![0]!.episodes![0]!;
    const broadcast = pilot.assets!.find((a) => !a.canonical)!;
    await client().assets.setCanonical.mutate({ episodeId: pilot.id, assetId: broadcast.id });
    // And a review decision.
    const review = await client().reviews.enqueue.mutate({
      assetId: broadcast.id,
      reason: 'check the broadcast cut',
      confidence: 0.5,
    });
    await client().reviews.reject.mutate({ id: review.id });
    const before = await snapshotCounts(db());

    plex.rekey(10_000);
    const report = await ingest(collection.id);
    assert.equal(report.byKind.titles.created, 0);
    assert.equal(report.byKind.episodes.created, 0);
    assert.equal(report.byKind.assets.created, 0);
    assert.equal(report.removed, 0, 'the same files under new ratingKeys are not removals');
    assert.equal(report.queuedForReview, 0);
    const after = await snapshotCounts(db());
    assert.deepEqual({ ...after, provider_refs: 0 }, { ...before, provider_refs: 0 });
    const again = await client().assets.get.query({ id: broadcast.id });
    assert.equal(again.canonical, true, 'the canonical choice stays');
    assert.equal((await client().reviews.get.query({ id: review.id })).status, 'rejected', 'the review decision stays');
    const markers = await client().markers.list.query({ assetId: broadcast.id });
    assert.equal(markers.items.length, 3, 'markers stay');

    // Findable by what Plex tells a client: machineIdentifier + the new ratingKey.
    const found = await client().providerRefs.findPlex.query({
      machineIdentifier: plex.library.machineIdentifier,
      ratingKey: '10101',
    });
    assert.equal(found.entityType, 'episode');
    assert.equal(found.episode!.id, pilot.id);
    await expectError(
      client().providerRefs.findPlex.query({ machineIdentifier: 'another-server', ratingKey: '10101' }),
      'NOT_FOUND',
    );
    // A second re-sync after re-keying is as cheap as any unchanged one.
    const third = await ingest(collection.id);
    assert.equal(third.rowsWritten, 0);
  });

  it('a re-keyed library whose items also lost their Plex match still matches them by file path', async () => {
    const tvCollection = await tv();
    const found2 = await client().collections.discover.mutate({ sourceId: tvCollection.sourceId });
    const movieCollection = found2.find((c) => c.externalId === '2')!;
    await client().collections.update.mutate({ id: movieCollection.id, enabled: true });
    await client().pathMappings.create.mutate({
      collectionId: movieCollection.id,
      plexPath: 'D:\\Media\\Movies',
      localPath: '/mnt/movies',
    });
    await ingest(tvCollection.id);
    await ingest(movieCollection.id);
    const before = await snapshotCounts(db());
    const amelie = (await client().titles.list.query({ search: 'Fabuleux' })).items[0]!;
    const pokemon = (await client().titles.list.query({ search: 'Pok' })).items[0]!;

    plex.rekey(10_000);
    // Unmatched in Plex (the local agent): no guid, no Guid[], the name read from the file, no year.
    const film = plex.library.items['2']!.find((i) => i.title!.startsWith('Le Fabuleux'))!;
    Object.assign(film, { guid: `local://${film.ratingKey}`, title: 'Amélie', Guid: undefined, updatedAt: 1_800_000_000 });
    const show = plex.library.items['1']!.find((i) => i.title === 'Pokémon')!;
    Object.assign(show, { guid: `local://${show.ratingKey}`, title: 'Pokemon', year: undefined, updatedAt: 1_800_000_000 });
    const [episode] = plex.library.leaves[show.ratingKey]!;
    Object.assign(episode!, { guid: `local://${episode!.ratingKey}`, title: 'Episode 1', updatedAt: 1_800_000_000 });

    const reports = [await ingest(tvCollection.id), await ingest(movieCollection.id)];
    for (const report of reports) {
      assert.equal(report.byKind.titles.created, 0);
      assert.equal(report.byKind.episodes.created, 0);
      assert.equal(report.byKind.assets.created, 0);
      assert.equal(report.queuedForReview, 0);
    }
    const after = await snapshotCounts(db());
    assert.deepEqual({ ...after, provider_refs: 0 }, { ...before, provider_refs: 0 });
    // The titles keep their names; the new locators point at them.
    assert.equal((await client().titles.get.query({ id: amelie.id })).name, 'Le Fabuleux Destin d’Amélie Poulain');
    assert.equal((await client().titles.get.query({ id: pokemon.id })).name, 'Pokémon');
    const found = await client().providerRefs.findPlex.query({
      machineIdentifier: plex.library.machineIdentifier,
      ratingKey: film.ratingKey,
    });
    assert.equal(found.title!.id, amelie.id);
    const foundEpisode = await client().providerRefs.findPlex.query({
      machineIdentifier: plex.library.machineIdentifier,
      ratingKey: episode!.ratingKey,
    });
    assert.equal(foundEpisode.episode!.titleId, pokemon.id);
  });

  it('one title for the same show in two libraries, one asset per file, one canonical', async () => {
    withUhdLibrary(plex.library);
    const hd = await tv(200);
    await ingest(hd.id);
    // One Plex server is one source: its 4K library is another collection of it.
    const uhd = (await client().collections.list.query({ sourceId: hd.sourceId })).items.find((c) => c.externalId === '4')!;
    await client().collections.update.mutate({ id: uhd.id, enabled: true });
    const report = await ingest(uhd.id);
    assert.equal(report.byKind.titles.created, 0);
    assert.equal(report.byKind.episodes.created, 0);
    assert.equal(report.byKind.assets.created, 1);
    const titles = await client().titles.list.query({ search: 'Cheers' });
    assert.equal(titles.items.length, 1);
    const graph = await client().titles.get.query({ id: titles.items[0]!.id, include: ['seasons.episodes.assets'] });
    const pilot = graph.seasons![0]!.episodes![0]!;
    assert.equal(pilot.assets!.length, 3);
    assert.equal(pilot.assets!.filter((a) => a.canonical).length, 1);
    assert.ok(pilot.assets!.some((a) => a.uri === 'file:///E:/UHD/TV/Cheers/Season%2001/Cheers%20-%20S01E01%20%5B2160p%5D.mkv'));
  });

  it('a Plex file and the same file from a folder source are one asset', async () => {
    const collection = await tv(200);
    await client().ingest.items.mutate({
      items: [
        {
          title: { kind: 'show', name: 'Cheers', year: 1982 },
          season: { number: 1 },
          episode: { number: 2 },
          assets: [{ uri: '/mnt/tv/Cheers/Season 01/Cheers - S01E02.mkv', size: 1_000_003, durationMs: 1_480_000 }],
        },
      ],
    });
    await ingest(collection.id);
    const assets = (await client().assets.list.query({ limit: 100 })).items.filter((a) => a.uri.includes('S01E02'));
    assert.deepEqual(
      assets.map((a) => a.uri),
      [uri('/mnt/tv/Cheers/Season 01/Cheers - S01E02.mkv')],
    );
  });

  it('looks for removals only where something was stored: not under new movies or never-begun shows', async () => {
    const scopesOf = async (section: string, storedEpisodes: Map<string, string>) => {
      const http = new PlexHttp({ baseUrl: plex.url, token: plex.token, pageSize: 2 });
      const scopes: string[] = [];
      for await (const batch of pullPlexSection(
        {
          http,
          collectionId: 'c',
          sectionKey: section,
          uriOf: (p) => p,
          storedVersions: new Map([['c:999', '1|1']]),
          episodeVersions: async (keys) => new Map([...storedEpisodes].filter(([k]) => keys.includes(k))),
        },
        emptyPullStats(),
      ))
        scopes.push(...batch.scopes);
      return scopes.sort();
    };
    // A first import: nothing stored but a show that has vanished since.
    assert.deepEqual(await scopesOf('2', new Map()), ['c:999:']);
    assert.deepEqual(await scopesOf('1', new Map()), ['c:999:']);
    // A run interrupted part-way through Cheers had stored its pilot: Cheers is looked under.
    assert.deepEqual(await scopesOf('1', new Map([['c:101', '1700000000|']])), ['c:100:', 'c:999:']);
  });

  it('pages with the container headers, and fails cleanly on an outage', async () => {
    const collection = await tv(1);
    // More failures than the client's retries times the job's attempts: the job ends failed.
    plex.failNext(50, 500);
    const error = await expectRefusedUnchanged(
      () => client().ingest.collection.mutate({ collectionId: collection.id }),
      'BAD_GATEWAY',
    );
    assert.match(error.message, /HTTP 500/);
    plex.failNext(0, 500);
    await ingest(collection.id);
    assert.ok(plex.requests.some((r) => r.path === '/library/sections/1/all' && r.start === 1 && r.size === 1));
    await client().collections.update.mutate({ id: collection.id, enabled: false });
    await expectError(client().ingest.collection.mutate({ collectionId: collection.id }), 'CONFLICT');
  });

  it('an ingest.items call racing a collection ingest creates no duplicates', async () => {
    const collection = await tv();
    await Promise.all([
      ingest(collection.id),
      client().ingest.items.mutate({
        items: [
          {
            title: { kind: 'show', name: 'Cheers', year: 1982 },
            season: { number: 1 },
            episode: { number: 1 },
            assets: [{ uri: '/mnt/tv/Cheers/Season 01/Cheers - S01E01.mkv', size: 1, durationMs: 1_500_000 }],
          },
        ],
      }),
    ]);
    const counts = await snapshotCounts(db());
    assert.equal(counts.titles, 2, 'Cheers and Pokémon');
    assert.equal(counts.episodes, 4);
    assert.equal(counts.assets, 5);
  });

  it('runs in the background with progress to follow', async () => {
    const collection = await tv(1);
    const started = await client().ingest.start.mutate({ collectionId: collection.id });
    let status = await client().ingest.status.query({ jobId: started.id });
    for (let i = 0; ['queued', 'running'].includes(status.state) && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await client().ingest.status.query({ jobId: started.id });
    }
    assert.equal(status.state, 'done');
    assert.equal(status.progress.itemsDone, 4);
  });
});
