import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { baseUrl, client } from './support/harness.js';

const exec = promisify(execFile);
// The CLI's sources through the test's TypeScript loader: `bin/retrovue.js` runs the same module
// from dist/ (test/scripts.test.ts checks that wiring), and building dist/ here would only slow the suite.
const CLI = path.resolve(import.meta.dirname, '..', 'sdk', 'cli.ts');
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures', 'media');

async function retrovue(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', CLI, '--url', baseUrl(), '--json', ...args], {
      env: { ...process.env, RETROVUE_API_TOKEN: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('operator CLI (npx retrovue)', function () {
  this.timeout(60_000);
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-cli-'));
    fs.mkdirSync(path.join(root, 'Cheers', 'Season 01'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'h264-aac-3s.mkv'), path.join(root, 'Cheers', 'Season 01', 'Cheers - S01E01.mkv'));
    fs.copyFileSync(path.join(FIXTURES, 'h264-aac-2s.mp4'), path.join(root, '0f3c9a77be1d4e2f9a6b5c8d7e1f2a3b.mp4'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('adds a source, discovers, enables, ingests and works the review queue', async () => {
    const added = await retrovue('sources', 'add-folder', '--name', 'NAS', '--path', root);
    assert.equal(added.code, 0, added.stderr);
    const source = JSON.parse(added.stdout) as { id: string };
    const discovered = await retrovue('collections', 'discover', source.id);
    const [collection] = JSON.parse(discovered.stdout) as Array<{ id: string; enabled: boolean }>;
    assert.equal(collection!.enabled, false);
    assert.equal((await retrovue('collections', 'enable', collection!.id)).code, 0);

    const ingest = await retrovue('ingest', collection!.id);
    assert.equal(ingest.code, 0, ingest.stderr);
    assert.match(ingest.stdout, /"queuedForReview": 1/);
    assert.equal((await client().titles.list.query({})).items[0]!.name, 'Cheers');

    const pending = JSON.parse((await retrovue('reviews', 'list')).stdout) as Array<{ id: string }>;
    assert.equal(pending.length, 1);
    const rejected = await retrovue('reviews', 'reject', pending[0]!.id);
    assert.match(rejected.stdout, /"status": "rejected"/);
  });

  it('parse shows how the folder scanner reads paths', async () => {
    const out = await retrovue(
      'parse',
      'Show/Season 01/Show - S01E02-E03.mkv',
      'Movie (2020)/Movie (2020)-trailer.mkv',
      'notes.txt',
    );
    assert.equal(out.code, 0, out.stderr);
    const items = JSON.parse(out.stdout) as Array<{ kind: string; show?: string; episodeEnd?: number; reason?: string }>;
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
    const down = await exec(process.execPath, [
      '--import',
      'tsx',
      CLI,
      '--url',
      `http://127.0.0.1:${port}/trpc`,
      'sources',
      'list',
    ]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((down as { code: number }).code, 1);
    assert.match((down as { stderr: string }).stderr, /cannot reach the server/);
  });
});
