import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseMediaPath } from '../server/sources/filesystem/adapter.js';
import { partGroupKey } from '../server/sources/filesystem/catalogItems.js';
import { probeFile } from '../server/sources/filesystem/probe.js';
import { snapshotCounts } from './support/database.js';
import { expectError } from './support/expect.js';
import { client, db } from './support/harness.js';
import { loadCases, mismatches, type NamingCase } from './support/namingCases.js';
import type { RouterInputs } from '../sdk/index.js';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures', 'media');

/** A `sources.create` input without its name: the union on `kind` stays checked per variant. */
type SourceConfig = RouterInputs['sources']['create'] extends infer U ? (U extends unknown ? Omit<U, 'name'> : never) : never;

async function enabledCollection(config: SourceConfig, externalId?: string) {
  const source = await client().sources.create.mutate({ ...config, name: `${config.kind} source` });
  const found = await client().collections.discover.mutate({ sourceId: source.id });
  const collection = externalId ? found.find((c) => c.externalId === externalId)! : found[0]!;
  await client().collections.update.mutate({ id: collection.id, enabled: true });
  return collection;
}

// Plex collections: test/plex.test.ts

describe('ingest.collection: filesystem', () => {
  let root: string;
  const place = (from: string, to: string) => {
    fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, from), path.join(root, to));
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-fs-'));
    place('h264-aac-3s.mkv', 'Cheers/Season 01/Cheers - S01E01 - Give Me a Ring Sometime.mkv');
    place('mpeg2-ac3-4s.mkv', 'Cheers/Season 01/Cheers.S01E02.mkv');
    place('h264-aac-2s.mp4', 'Taxi (1978) - S01E01.mp4');
    place('mpeg4-noaudio-2s.avi', 'Alien (1979)/Alien (1979).avi');
    place('not-a-video.mkv', 'Cheers/Season 01/Cheers - S01E03.mkv');
    place('truncated.mkv', 'Cheers/Season 02/Cheers - S02E01.mkv');
    place('h264-aac-2s.mp4', 'c329b27187d44a94b4a25b21502db552.mp4');
    place('h264-aac-2s.mp4', '.hidden/Cheers - S09E09.mp4');
    fs.writeFileSync(path.join(root, 'notes.txt'), 'not media');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('walks, parses, probes for real, and routes weak files to review', async () => {
    const collection = await enabledCollection({ kind: 'filesystem', config: { paths: [root], hash: true } });
    const job = await client().ingest.collection.mutate({ collectionId: collection.id });
    assert.equal(job.report!.items, 7, 'hidden and non-video files are skipped');
    assert.equal(job.report!.queuedForReview, 3, 'unreadable, damaged and unparsable files');

    const titles = (await client().titles.list.query({})).items.map((t) => [t.kind, t.name, t.year]);
    assert.deepEqual(titles, [
      ['movie', 'Alien', 1979],
      ['show', 'Cheers', null],
      ['show', 'Taxi', 1978],
    ]);
    const assets = (await client().assets.list.query({ limit: 500 })).items;
    const byName = (suffix: string) => assets.find((a) => decodeURIComponent(a.uri).endsWith(suffix))!;
    const first = byName('Cheers - S01E01 - Give Me a Ring Sometime.mkv');
    assert.equal(first.durationMs, 3046);
    assert.deepEqual([first.videoCodec, first.audioCodec, first.container, first.canonical], ['h264', 'aac', 'mkv', true]);
    assert.match(first.hashSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual([byName('Cheers.S01E02.mkv').videoCodec, byName('Cheers.S01E02.mkv').audioCodec], ['mpeg2video', 'ac3']);
    assert.deepEqual([byName('Alien (1979).avi').videoCodec, byName('Alien (1979).avi').audioCodec], ['mpeg4', null]);
    assert.equal(byName('Cheers - S01E03.mkv').durationMs, null);
    assert.equal(byName('Cheers - S01E03.mkv').canonical, false);

    const reasons = (await client().reviews.list.query({ status: 'pending' })).items.map((r) => r.reason).join('\n');
    assert.match(reasons, /probe could not read|missing duration/);
    assert.match(reasons, /damaged/);
    assert.match(reasons, /which title/);
    const episode = await client().episodes.list.query({
      titleId: (await client().titles.list.query({ search: 'Cheers' })).items[0]!.id,
    });
    assert.deepEqual(
      episode.items.map((e) => e.name),
      ['Give Me a Ring Sometime', null, null, null],
    );
  });

  it('a re-scan skips unchanged files, and reports deleted ones as removed', async () => {
    const collection = await enabledCollection({ kind: 'filesystem', config: { paths: [root] } });
    await client().ingest.collection.mutate({ collectionId: collection.id });
    const before = await snapshotCounts(db());
    const again = await client().ingest.collection.mutate({ collectionId: collection.id });
    assert.equal(again.report!.items, 0, 'unchanged files are not probed or sent again');
    assert.equal(again.report!.skipped, 7);
    assert.equal(again.report!.rowsWritten, 0);
    assert.deepEqual(await snapshotCounts(db()), before);

    fs.rmSync(path.join(root, 'Taxi (1978) - S01E01.mp4'));
    fs.appendFileSync(path.join(root, 'Cheers/Season 01/Cheers.S01E02.mkv'), Buffer.alloc(10));
    const third = await client().ingest.collection.mutate({ collectionId: collection.id });
    assert.equal(third.report!.items, 1, 'only the changed file');
    assert.equal(third.report!.byKind.assets.updated, 1);
    assert.equal(third.report!.removed, 1);
    assert.match(third.report!.removedAssets[0]!.uri, /Taxi/);
  });
});

describe('media probe and name parsing', () => {
  it('probes the fixtures and survives garbage', async () => {
    const probe = await probeFile(path.join(FIXTURES, 'h264-aac-2s.mp4'));
    assert.deepEqual(probe, { durationMs: 2000, videoCodec: 'h264', audioCodec: 'aac', container: 'mp4', damaged: false });
    assert.equal((await probeFile(path.join(FIXTURES, 'truncated.mkv'))).damaged, true);
    assert.equal((await probeFile(path.join(FIXTURES, 'not-a-video.mkv'))).durationMs, null);
  });

  it('parses the library layouts, case-insensitively', () => {
    const read = (p: string) => {
      const { path: _path, ...rest } = parseMediaPath(p);
      return rest;
    };
    assert.deepEqual(read('Show/Season 01/Show - S01E02 - Name.mkv'), {
      kind: 'episode',
      show: 'Show',
      season: 1,
      episode: 2,
      episodeTitle: 'Name',
    });
    assert.deepEqual(read('Show.S01E02.mkv'), { kind: 'episode', show: 'Show', season: 1, episode: 2 });
    assert.deepEqual(read('the.office.s02e10.mkv'), { kind: 'episode', show: 'the office', season: 2, episode: 10 });
    assert.deepEqual(read('Show (2008) - S01E01.mkv'), { kind: 'episode', show: 'Show', year: 2008, season: 1, episode: 1 });
    assert.deepEqual(read('Show/Season 3/s03e04.mkv'), { kind: 'episode', show: 'Show', season: 3, episode: 4 });
    assert.deepEqual(read('Movie (1999)/Movie (1999).mkv'), { kind: 'movie', title: 'Movie', year: 1999 });
    assert.deepEqual(read('Movie (1999)/movie.mkv'), { kind: 'movie', title: 'Movie', year: 1999 });
    // A name alone is a movie without a year; a name that says nothing, or an episode without a show, is not.
    assert.deepEqual(read('random clip.mp4'), { kind: 'movie', title: 'random clip' });
    assert.equal(parseMediaPath('c329b27187d44a94b4a25b21502db552.mp4').kind, 'unknown');
    assert.equal(parseMediaPath('Season 01/S01E01.mkv').kind, 'unknown');
  });
});

describe('ingest.collection: folders named as people name them', function () {
  this.timeout(120_000);
  let root: string;
  const link = (rel: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.linkSync(path.join(FIXTURES, 'h264-aac-2s.mp4'), path.join(root, rel));
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-naming-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const uriOf = (rel: string) => pathToFileURL(path.join(root, rel)).href;

  it('catalogues a tree built from the naming cases as the cases say, extras out, junk in review', async () => {
    // Up to three cases of each subcategory that the parser reads right: the scan must agree.
    const perSub = new Map<string, NamingCase[]>();
    for (const c of loadCases()) {
      const list = perSub.get(c.subcategory) ?? [];
      if (list.length < 3 && mismatches(c, parseMediaPath(c.path)).length === 0 && !c.path.includes('\\')) list.push(c);
      perSub.set(c.subcategory, list);
    }
    const chosen = [...perSub.values()].flat();
    for (const c of chosen) link(c.path);
    // Parts of one version (`cd1`, `cd2` side by side): the first is the version, later ones its parts.
    const firstParts = new Map<string, number>();
    for (const c of chosen) {
      const p = parseMediaPath(c.path);
      const key = partGroupKey(path.dirname(c.path), p);
      if (key) firstParts.set(key, Math.min(firstParts.get(key) ?? Infinity, p.part!));
    }
    const laterPart = (c: NamingCase) => {
      const p = parseMediaPath(c.path);
      const key = partGroupKey(path.dirname(c.path), p);
      return key !== null && p.part! > firstParts.get(key)!;
    };
    const collection = await enabledCollection({ kind: 'filesystem', config: { paths: [root] } });
    const job = await client().ingest.collection.mutate({ collectionId: collection.id });
    assert.equal(job.state, 'done', job.error?.message);
    const extras = chosen.filter((c) => c.expect.kind === 'extra');
    assert.equal(job.report!.extras, extras.length, 'extras are counted');

    const assets = new Map((await client().assets.list.query({ limit: 500 })).items.map((a) => [a.uri, a]));
    const pending = (await client().reviews.list.query({ status: 'pending', limit: 500 })).items;
    for (const c of chosen) {
      const asset = assets.get(uriOf(c.path));
      if (c.expect.kind === 'extra') {
        assert.equal(asset, undefined, `${c.path}: an extra is not catalogued`);
        continue;
      }
      assert.ok(asset, `${c.path}: stored`);
      const got = await client().assets.get.query({ id: asset.id, include: ['episodes', 'episodes.title'] });
      if (laterPart(c)) {
        assert.deepEqual(got.episodes, [], `${c.path}: a later part is not linked on its own`);
        assert.equal(
          pending.find((r) => r.assetId === asset.id),
          undefined,
          `${c.path}: a part is not queued`,
        );
        continue;
      }
      if (c.expect.kind === 'none') {
        assert.deepEqual(got.episodes, [], `${c.path}: junk is not catalogued`);
        const review = pending.find((r) => r.assetId === asset.id);
        assert.ok(review?.reason.includes(path.basename(c.path)), `${c.path}: queued, the reason names the file`);
        continue;
      }
      assert.ok(got.episodes!.length > 0, `${c.path}: linked`);
      const [episode] = [...got.episodes!].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
      const title = episode!.title!;
      assert.equal(title.kind, c.expect.kind === 'movie' ? 'movie' : 'show', c.path);
      const expectedName = c.expect.kind === 'movie' ? c.expect.name : c.expect.show;
      if (expectedName !== undefined) {
        const parsed = parseMediaPath(c.path);
        assert.equal(title.name, parsed.title ?? parsed.show, `${c.path}: the title as parsed`);
      }
      if (c.expect.kind === 'episode') {
        if (c.expect.airDate) assert.equal((episode!.externalIds as { airDate?: string }).airDate, c.expect.airDate, c.path);
        else if (c.expect.episode !== undefined) assert.equal(episode!.number, c.expect.episode, c.path);
        if (c.expect.episodeEnd !== undefined)
          assert.equal(
            got.episodes!.length,
            c.expect.episodeEnd - (c.expect.episode ?? 0) + 1,
            `${c.path}: one asset, every episode it holds`,
          );
        if (c.expect.season !== undefined) {
          const season = await client().seasons.get.query({ id: episode!.seasonId! });
          assert.equal(season.number, c.expect.season, c.path);
        }
      }
    }
  });

  it('reads NFO sidecars over names, reports a malformed one, and keeps cd1/cd2 as one version made of parts', async () => {
    link('The Office/Season 01/office.s01e01.mkv');
    fs.writeFileSync(
      path.join(root, 'The Office/tvshow.nfo'),
      '<tvshow><title>The Office (US)</title><year>2005</year><uniqueid type="tvdb">73244</uniqueid></tvshow>',
    );
    fs.writeFileSync(
      path.join(root, 'The Office/Season 01/office.s01e01.nfo'),
      '<episodedetails><title>Pilot</title><season>1</season><episode>1</episode><aired>2005-03-24</aired></episodedetails>',
    );
    link('Alien (1979)/Alien (1979).mkv');
    fs.writeFileSync(path.join(root, 'Alien (1979)/movie.nfo'), '<movie><title>Alien</movie>');
    link('Heat (1995)/Heat (1995) - cd1.mkv');
    link('Heat (1995)/Heat (1995) - cd2.mkv');
    const collection = await enabledCollection({ kind: 'filesystem', config: { paths: [root] } });
    const job = await client().ingest.collection.mutate({ collectionId: collection.id });
    const report = job.report!;
    assert.match(report.notices.join('\n'), /Alien \(1979\)\/movie\.nfo: malformed XML.*file name was used/);

    const titles = (await client().titles.list.query({})).items.map((t) => [t.kind, t.name, t.year]);
    assert.deepEqual(titles, [
      ['movie', 'Alien', 1979],
      ['movie', 'Heat', 1995],
      ['show', 'The Office (US)', 2005],
    ]);
    const ref = await client().providerRefs.find.query({ provider: 'tvdb', providerKey: '73244' });
    assert.equal(ref.entityType, 'title');
    const office = (await client().titles.list.query({ search: 'Office' })).items[0]!;
    const [pilot] = (await client().episodes.list.query({ titleId: office.id })).items;
    assert.deepEqual([pilot!.name, (pilot!.externalIds as { airDate?: string }).airDate], ['Pilot', '2005-03-24']);
    // cd1 and cd2 are one version made of parts, in play order; nothing waits for a person.
    const heat = (await client().titles.list.query({ search: 'Heat' })).items[0]!;
    const heatGraph = await client().titles.get.query({ id: heat.id, include: ['episodes.assets'] });
    const [heatVersion] = heatGraph.episodes![0]!.assets!;
    assert.match(heatVersion!.uri, /Heat%20\(1995\)%20-%20cd1\.mkv$/);
    assert.deepEqual(
      heatVersion!.parts!.map((p) => [p.partIndex, /cd2\.mkv$/.test(p.uri)]),
      [[2, true]],
    );
    assert.equal((await client().reviews.list.query({ status: 'pending' })).items.length, 0);

    // Editing an NFO alone makes its video be read again.
    const later = new Date(Date.now() + 5000);
    fs.writeFileSync(
      path.join(root, 'The Office/Season 01/office.s01e01.nfo'),
      '<episodedetails><title>Pilot (Extended)</title><season>1</season><episode>1</episode></episodedetails>',
    );
    fs.utimesSync(path.join(root, 'The Office/Season 01/office.s01e01.nfo'), later, later);
    const again = await client().ingest.collection.mutate({ collectionId: collection.id });
    assert.equal(again.report!.items, 1);
    assert.equal((await client().episodes.get.query({ id: pilot!.id })).name, 'Pilot (Extended)');
  });

  it("takes metadata from Kodi NFOs, keeps a person's edit on the next scan, and ingests past a malformed one", async () => {
    const nfo = (name: string) => fs.readFileSync(path.join(FIXTURES, '../nfo', name), 'utf8');
    link('Cheers/Season 01/Cheers - S01E02.mkv');
    fs.writeFileSync(path.join(root, 'Cheers/tvshow.nfo'), nfo('tvshow.nfo'));
    fs.writeFileSync(path.join(root, 'Cheers/Season 01/Cheers - S01E02.nfo'), nfo('episode.nfo'));
    link('Alien (1979)/Alien (1979).mkv');
    fs.writeFileSync(path.join(root, 'Alien (1979)/movie.nfo'), nfo('movie.nfo'));
    link('Heat (1995)/Heat (1995).mkv');
    fs.writeFileSync(
      path.join(root, 'Heat (1995)/Heat (1995).nfo'),
      '<movie><title>Heat</title><genre>Crime</genre><mpaa>R</movie>',
    );
    link('Brazil (1985)/Brazil (1985).mkv');
    fs.writeFileSync(
      path.join(root, 'Brazil (1985)/movie.nfo'),
      '<movie><title>Brazil</title><premiered>1985-02-30</premiered></movie>',
    );
    const collection = await enabledCollection({ kind: 'filesystem', config: { paths: [root] } });
    const report = (await client().ingest.collection.mutate({ collectionId: collection.id })).report!;
    const notices = report.notices.join('\n');
    assert.match(notices, /Heat \(1995\)\.nfo: malformed XML.*file name was used/);
    assert.match(notices, /Brazil \(1985\)\/movie\.nfo: <premiered>1985-02-30<\/premiered> is not a date/);

    const title = async (name: string) =>
      (await client().titles.list.query({ search: name })).items.find((t) => t.name === name)!;
    const cheers = await title('Cheers');
    assert.deepEqual(
      [cheers.genres, cheers.contentRating, cheers.studio, cheers.originallyAvailableAt, cheers.summary?.slice(0, 10)],
      [['Comedy', 'Sitcom'], 'TV-PG', 'NBC', '1982-09-30', 'Sam Malone'],
    );
    const [episode] = (await client().episodes.list.query({ titleId: cheers.id })).items;
    assert.deepEqual(
      [episode!.name, episode!.contentRating, episode!.originallyAvailableAt, episode!.summary?.slice(0, 10)],
      ["Sam's Women", 'TV-PG', '1982-10-07', "When Sam's"],
    );
    const alien = await title('Alien');
    assert.deepEqual(
      [alien.genres, alien.contentRating, alien.studio, alien.originallyAvailableAt],
      [['Horror', 'Science Fiction'], 'R', 'Brandywine Productions', '1979-05-25'],
    );
    // A malformed NFO or an unusable value: the item is still there, by its file name.
    assert.deepEqual([(await title('Heat')).genres, (await title('Heat')).year], [[], 1995]);
    assert.equal((await title('Brazil')).originallyAvailableAt, null);
    // Found by the scheduler's filters, genres whatever their case.
    const pool = await client().catalog.query.query({ genres: { include: ['science fiction'] }, playableOnly: false });
    assert.deepEqual(
      pool.items.map((r) => r.titleName),
      ['Alien'],
    );

    // A person's edit is locked: the next scan (the NFO edited) updates the rest, not what was edited.
    await client().titles.update.mutate({ id: cheers.id, genres: ['Classic Sitcom'] });
    const edited = nfo('tvshow.nfo').replace('<studio>NBC</studio>', '<studio>NBC Studios</studio>');
    fs.writeFileSync(path.join(root, 'Cheers/tvshow.nfo'), edited);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(root, 'Cheers/tvshow.nfo'), later, later);
    const again = (await client().ingest.collection.mutate({ collectionId: collection.id })).report!;
    assert.equal(again.items, 1);
    const after = await client().titles.get.query({ id: cheers.id });
    assert.deepEqual([after.genres, after.studio, after.lockedFields], [['Classic Sitcom'], 'NBC Studios', ['genres']]);
  });

  it('a missing or emptied root fails the ingest and reports nothing removed', async () => {
    link('Alien (1979)/Alien (1979).mkv');
    const collection = await enabledCollection({ kind: 'filesystem', config: { paths: [root] } });
    await client().ingest.collection.mutate({ collectionId: collection.id });
    const before = await snapshotCounts(db());

    // Unmounted: the mount point is left behind, empty.
    fs.rmSync(path.join(root, 'Alien (1979)'), { recursive: true });
    const emptied = await expectError(client().ingest.collection.mutate({ collectionId: collection.id }), 'SERVICE_UNAVAILABLE');
    assert.match(emptied.message, /is empty while 1 of its files are catalogued; nothing was changed/);
    // Gone altogether.
    fs.rmSync(root, { recursive: true });
    const missing = await expectError(client().ingest.collection.mutate({ collectionId: collection.id }), 'SERVICE_UNAVAILABLE');
    assert.match(
      missing.message,
      new RegExp(`${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist; nothing was changed`),
    );
    assert.deepEqual(await snapshotCounts(db()), before);
    fs.mkdirSync(root);
  });
});
