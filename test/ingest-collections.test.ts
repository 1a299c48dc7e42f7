import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMediaPath } from '../server/sources/filesystem/adapter.js';
import { probeFile } from '../server/sources/filesystem/probe.js';
import { snapshotCounts } from './support/database.js';
import { client, db } from './support/harness.js';
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
    place('h264-aac-2s.mp4', 'random clip.mp4');
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
    assert.deepEqual(parseMediaPath('Show/Season 01/Show - S01E02 - Name.mkv'), {
      kind: 'episode',
      show: 'Show',
      year: null,
      season: 1,
      episode: 2,
      name: 'Name',
    });
    assert.deepEqual(parseMediaPath('Show.S01E02.mkv'), {
      kind: 'episode',
      show: 'Show',
      year: null,
      season: 1,
      episode: 2,
      name: null,
    });
    assert.deepEqual(parseMediaPath('the.office.s02e10.mkv'), {
      kind: 'episode',
      show: 'the office',
      year: null,
      season: 2,
      episode: 10,
      name: null,
    });
    assert.deepEqual(parseMediaPath('Show (2008) - S01E01.mkv'), {
      kind: 'episode',
      show: 'Show',
      year: 2008,
      season: 1,
      episode: 1,
      name: null,
    });
    assert.deepEqual(parseMediaPath('Show/Season 3/s03e04.mkv'), {
      kind: 'episode',
      show: 'Show',
      year: null,
      season: 3,
      episode: 4,
      name: null,
    });
    assert.deepEqual(parseMediaPath('Movie (1999)/Movie (1999).mkv'), { kind: 'movie', name: 'Movie', year: 1999 });
    assert.deepEqual(parseMediaPath('Movie (1999)/movie.mkv'), { kind: 'movie', name: 'Movie', year: 1999 });
    assert.equal(parseMediaPath('random clip.mp4'), null);
    assert.equal(parseMediaPath('Season 01/S01E01.mkv'), null);
  });
});
