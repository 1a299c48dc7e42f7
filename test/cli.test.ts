import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cliHint, progressLine, table, trpcUrl } from '../sdk/cliFormat.js';
import { sampleLibrary, startFakePlex } from './support/fakePlex.js';
import { baseUrl, client } from './support/harness.js';

const exec = promisify(execFile);
// The CLI's sources through the test's TypeScript loader: `bin/retrovue.js` runs the same module
// from dist/ (test/scripts.test.ts checks that wiring), and building dist/ here would only slow the suite.
const CLI = path.resolve(import.meta.dirname, '..', 'sdk', 'cli.ts');
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures', 'media');
const SDK_VERSION = (
  JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'sdk', 'package.json'), 'utf8')) as { version: string }
).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `--url` is the server's origin (no /trpc) unless the args give one. */
async function retrovue(...args: string[]): Promise<Run> {
  const url = args.includes('--url') ? [] : ['--url', baseUrl().replace(/\/trpc$/, '')];
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', CLI, ...url, ...args], {
      env: { ...process.env, RETROVUE_API_TOKEN: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Run;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const json = async <T>(...args: string[]): Promise<T> => {
  const run = await retrovue('--json', ...args);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as T; // exactly one JSON document, or this throws
};

describe('operator CLI (npx retrovue)', function () {
  // Each step starts a CLI process through the TypeScript loader: seconds apiece on a loaded machine.
  this.timeout(180_000);
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-cli-'));
    fs.mkdirSync(path.join(root, 'Cheers', 'Season 01'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'h264-aac-3s.mkv'), path.join(root, 'Cheers', 'Season 01', 'Cheers - S01E01.mkv'));
    fs.copyFileSync(path.join(FIXTURES, 'h264-aac-2s.mp4'), path.join(root, '0f3c9a77be1d4e2f9a6b5c8d7e1f2a3b.mp4'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('adds a folder source, ingests it (one JSON document, a moving progress line) and shows the catalogue', async () => {
    const source = await json<{ id: string }>('sources', 'add-folder', '--name', 'NAS', '--path', root);
    const [collection] = await json<Array<{ id: string; enabled: boolean }>>('collections', 'discover', source.id);
    assert.equal(collection!.enabled, false);

    const disabled = await retrovue('ingest', collection!.id);
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, new RegExp(`enable it with: retrovue collections enable ${collection!.id}`));
    assert.equal((await retrovue('collections', 'enable', collection!.id)).code, 0);

    const ingest = await retrovue('--json', 'ingest', collection!.id);
    assert.equal(ingest.code, 0, ingest.stderr);
    const report = JSON.parse(ingest.stdout) as { queuedForReview: number; byKind: { titles: { created: number } } };
    assert.equal(report.queuedForReview, 1);
    assert.equal(report.byKind.titles.created, 1);
    assert.match(ingest.stderr, /ingest \S+ 2 items \| [\d.]+ items\/s/);

    const list = await retrovue('titles', 'list');
    assert.match(list.stdout, /^id\s+kind\s+name\s+year\n\S+\s+show\s+Cheers/);
    assert.doesNotMatch(list.stdout, /\(index\)|'/);
    const titleId = list.stdout.split('\n')[1]!.split(/\s+/)[0]!;
    const show = await retrovue('titles', 'show', titleId);
    assert.match(show.stdout, /Season 1/);
    assert.match(show.stdout, /S01E01 .*\n\s+\* file:\/\/.*Cheers%20-%20S01E01\.mkv\s+0:03\s+mkv\/h264\/aac/);

    const assets = await retrovue('assets', 'list', '--unlinked');
    assert.match(assets.stdout, /0f3c9a77be1d4e2f9a6b5c8d7e1f2a3b\.mp4\s+0:02/);
    const assetId = assets.stdout.split('\n')[1]!.split(/\s+/)[0]!;
    const asset = await retrovue('assets', 'show', assetId);
    assert.match(asset.stdout, /reviews:\n\s+pending\s+0\.\d+\s+could not tell which title/);

    const collections = await retrovue('collections', 'list');
    assert.match(collections.stdout, /source/);
    assert.match(collections.stdout, /NAS \(filesystem\)\s+yes/);
  });

  it('lists reviews with the file and the suggested episode by name, and works them', async () => {
    await client().ingest.items.mutate({
      items: [
        {
          title: { kind: 'show', name: 'Taxi', year: 1978 },
          season: { number: 1 },
          episode: { number: 2, name: 'Blind Date' },
          assets: [{ uri: 'file:///tv/taxi-s01e02.mkv', size: 10 }],
        },
      ],
    });
    const human = await retrovue('reviews', 'list');
    assert.match(human.stdout, /file:\/\/\/tv\/taxi-s01e02\.mkv/);
    assert.match(human.stdout, /Taxi #2 Blind Date/);
    const { items } = await json<{
      items: Array<{ id: string; file: string; suggestedEpisode: string; suggestedEpisodeId: string }>;
    }>('reviews', 'list');
    assert.equal(items.length, 1);
    assert.equal(items[0]!.suggestedEpisode, 'Taxi #2 Blind Date');
    const resolved = await json<{ status: string }>(
      'reviews',
      'resolve',
      items[0]!.id,
      '--episode',
      items[0]!.suggestedEpisodeId,
    );
    assert.equal(resolved.status, 'resolved');
  });

  it('updates and deletes sources; a wrong Plex token points at the command that fixes it', async () => {
    const plex = await startFakePlex(sampleLibrary());
    try {
      const source = await json<{ id: string }>(
        'sources',
        'add-plex',
        '--name',
        'Den',
        '--base-url',
        plex.url,
        '--plex-token',
        'wrong',
      );
      const refused = await retrovue('collections', 'discover', source.id);
      assert.equal(refused.code, 1);
      const hint = `retrovue sources update ${source.id} --plex-token <token>`;
      assert.ok(refused.stderr.includes(hint), refused.stderr);
      const fixed = await retrovue('sources', 'update', source.id, '--plex-token', plex.token, '--name', 'Living room');
      assert.equal(fixed.code, 0, fixed.stderr);
      assert.match(fixed.stdout, /Living room\s+plex\s+token/);
      assert.equal((await retrovue('collections', 'discover', source.id)).code, 0);
      assert.match((await retrovue('sources', 'list')).stdout, /Living room/);
      assert.equal((await retrovue('sources', 'delete', source.id)).code, 0);
      assert.equal((await client().sources.list.query({})).items.length, 0);
    } finally {
      await plex.close();
    }
  });

  it('--version, and --url with or without /trpc', async () => {
    assert.equal((await retrovue('--version')).stdout.trim(), SDK_VERSION);
    const withTrpc = await retrovue('--url', `${baseUrl()}/`, 'titles', 'list');
    assert.equal(withTrpc.code, 0, withTrpc.stderr);
    assert.equal(withTrpc.stdout.trim(), '(none)');
  });

  it('parse shows how the folder scanner reads paths', async () => {
    const paths = ['Show/Season 01/Show - S01E02-E03.mkv', 'Movie (2020)/Movie (2020)-trailer.mkv', 'notes.txt'];
    const human = await retrovue('parse', ...paths);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^path\s+kind/);
    const { items } = await json<{ items: Array<{ kind: string; show?: string; episodeEnd?: number; reason?: string }> }>(
      'parse',
      ...paths,
    );
    assert.deepEqual(
      items.map((i) => i.kind),
      ['episode', 'extra', 'ignored'],
    );
    assert.deepEqual([items[0]!.show, items[0]!.episodeEnd], ['Show', 3]);
    assert.match(items[2]!.reason!, /notes\.txt: not a video file/);
  });

  it('prints one clear line and exits non-zero on errors', async () => {
    const missing = await retrovue('reviews', 'reject', '00000000-0000-4000-8000-000000000000');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr.trim(), /^retrovue: NOT_FOUND: review item .* not found$/);
    const bad = await retrovue('collections', 'enable', 'nope');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /BAD_REQUEST/);
    const closed = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await retrovue('--url', `http://127.0.0.1:${port}`, 'sources', 'list');
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`cannot reach the server at http://127.0.0.1:${port}/trpc`));
  });

  describe('output helpers', () => {
    it('tables have a header, aligned columns, no index column and no quotes', () => {
      assert.equal(
        table([
          { id: 'a', name: "Sam's", year: 1982 },
          { id: 'bb', name: 'Diane', year: null },
        ]),
        "id  name   year\na   Sam's  1982\nbb  Diane",
      );
      assert.equal(table([]), '(none)');
    });

    it('the progress line moves between frames and reports items per second', () => {
      const state = { itemsDone: 50, batchesDone: 1, elapsedMs: 10_000 };
      const frames = [0, 1, 2].map((f) => progressLine(state, f));
      assert.equal(new Set(frames).size, 3, 'the bar moves while the total is unknown');
      assert.match(frames[0]!, /50 items \| 5\.0 items\/s \| 1 batches \| 10s/);
      assert.match(progressLine({ ...state, itemsTotal: 100 }, 0), /█{12}░{12} 50\/100 items/);
    });

    it('hints name CLI commands, and the endpoint takes either form', () => {
      assert.equal(
        cliHint('the collection is disabled; enable it with collections.update first', { collectionId: 'c1' }),
        'the collection is disabled; enable it with: retrovue collections enable c1',
      );
      assert.equal(trpcUrl('http://h:3000'), 'http://h:3000/trpc');
      assert.equal(trpcUrl('http://h:3000/trpc/'), 'http://h:3000/trpc');
    });
  });
});
