import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import { createApp } from '../server/app.js';
import { procedureList } from '../server/contract.js';
import { restRoutes } from '../server/rest.js';
import { baseUrl, db, listen, testLogger } from './support/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const origin = () => baseUrl().replace(/\/trpc$/, '');

/**
 * A client generated from /openapi.json (openapi-typescript types, openapi-fetch calls) walks a
 * show's life. Compiled strictly against the generated types, then run against the live server.
 */
const WALK = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

declare const process: { env: Record<string, string | undefined> };
const api = createClient<paths>({ baseUrl: process.env.ORIGIN! });

function ok<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data === undefined) throw new Error(what + ': ' + result.response.status + ' ' + JSON.stringify(result.error));
  return result.data;
}

const show = ok(await api.POST('/api/titles', { body: { kind: 'show', name: 'Cheers', year: 1982, externalIds: { tmdb: '3943' } } }), 'create');
const season = ok(await api.POST('/api/seasons', { body: { titleId: show.id, number: 1 } }), 'season');
const episode = ok(
  await api.POST('/api/episodes', { body: { titleId: show.id, seasonId: season.id, number: 1, name: 'Give Me a Ring Sometime' } }),
  'episode',
);
const { asset } = ok(
  await api.POST('/api/assets/register', { body: { uri: 'file:///tv/cheers-s01e01.mkv', size: 1000, durationMs: 1_440_000 } }),
  'asset',
);
const second = ok(await api.POST('/api/assets/register', { body: { uri: 'file:///tv/cheers-s01e01-alt.mkv', size: 900 } }), 'asset 2');
ok(await api.POST('/api/assets/linkEpisode', { body: { assetId: asset.id, episodeId: episode.id, canonical: true } }), 'link');
const marker = ok(await api.POST('/api/markers', { body: { assetId: asset.id, kind: 'intro', startMs: 0, endMs: 30_000 } }), 'marker');
const review = ok(
  await api.POST('/api/reviews/enqueue', { body: { assetId: second.asset.id, reason: 'no duration', confidence: 0.4 } }),
  'enqueue',
);
const resolved = ok(
  await api.POST('/api/reviews/{id}/resolve', { params: { path: { id: review.id } }, body: { episodeId: episode.id } }),
  'resolve',
);
const renamed = ok(await api.PATCH('/api/titles/{id}', { params: { path: { id: show.id } }, body: { name: 'Cheers!' } }), 'update');
const page = ok(await api.GET('/api/titles', { params: { query: { kind: 'show', limit: 10 } } }), 'list');
const graph = ok(
  await api.GET('/api/titles/{id}', { params: { path: { id: show.id }, query: { include: ['seasons.episodes.assets.markers'] } } }),
  'get',
);
const assets = graph.seasons?.[0]?.episodes?.[0]?.assets ?? [];
const bad = await api.POST('/api/titles', { body: { kind: 'movie', name: '' } });
const deleted = ok(await api.DELETE('/api/titles/{id}', { params: { path: { id: show.id } } }), 'delete');
const gone = await api.GET('/api/titles/{id}', { params: { path: { id: show.id } } });
const result = {
  created: typeof show.createdAt,
  isoDate: /^\\d{4}-\\d\\d-\\d\\dT/.test(show.createdAt),
  tmdb: show.externalIds?.['tmdb'],
  listed: page.items.map((t) => t.name),
  renamed: renamed.name,
  uris: assets.map((a) => [a.uri, a.canonical]),
  markers: assets[0]?.markers?.map((m) => [m.kind, m.endMs]),
  markerId: typeof marker.id,
  resolved: [resolved.status, typeof resolved.resolvedAt],
  bad: [bad.response.status, bad.error?.code, bad.error?.fieldErrors.map((f) => f.path)],
  deleted: deleted.id === show.id,
  gone: [gone.response.status, gone.error?.code],
};
console.log(JSON.stringify(result));
`;

describe('OpenAPI document and REST routes', function () {
  this.timeout(120_000);

  async function documentOf(): Promise<Record<string, unknown>> {
    const res = await fetch(`${origin()}/openapi.json`);
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  }

  it('serves an OpenAPI 3.1 document that validates against the specification', async () => {
    const doc = await documentOf();
    assert.equal(doc.openapi, '3.1.0');
    const sdk = JSON.parse(fs.readFileSync(path.join(root, 'sdk', 'package.json'), 'utf8')) as { version: string };
    assert.equal((doc.info as { version: string }).version, sdk.version, 'the API version is the SDK version');
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
  });

  it('describes every query and mutation of the router, with its output', async () => {
    const doc = await documentOf();
    const paths = doc.paths as Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    const operations = Object.values(paths).flatMap((p) => Object.values(p).map((op) => op.operationId));
    const expected = procedureList()
      .filter((p) => p.type !== 'subscription')
      .map((p) => p.path.replace(/\./g, '_'));
    assert.deepEqual(operations.sort(), expected.sort());
    assert.equal(restRoutes().length, expected.length);
    assert.ok(paths['/api/titles']?.get && paths['/api/titles']?.post && paths['/api/titles/{id}']?.patch);
    const undeclared = procedureList()
      .filter((p) => !p.output)
      .map((p) => p.path);
    assert.deepEqual(undeclared, [], 'every procedure declares its output schema');
  });

  it('a generated client (openapi-typescript + openapi-fetch) walks a show from creation to deletion', async () => {
    const dir = path.join(root, 'test', '.tmp', `openapi-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      const ast = await openapiTS((await documentOf()) as unknown as Parameters<typeof openapiTS>[0]);
      fs.writeFileSync(path.join(dir, 'api.ts'), astToString(ast));
      fs.writeFileSync(path.join(dir, 'walk.ts'), WALK);
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            lib: ['ES2022', 'DOM'],
            types: [],
            outDir: 'out',
            noUncheckedIndexedAccess: true,
          },
          include: ['*.ts'],
        }),
      );
      await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).catch((err: { stdout?: string }) => {
        assert.fail(`the walk does not compile against the generated types:\n${err.stdout}`);
      });
      const { stdout } = await run(process.execPath, [path.join(dir, 'out', 'walk.js')], {
        cwd: dir,
        env: { PATH: process.env.PATH, ORIGIN: origin() },
      });
      assert.deepEqual(JSON.parse(stdout), {
        created: 'string',
        isoDate: true,
        tmdb: '3943',
        listed: ['Cheers!'],
        renamed: 'Cheers!',
        uris: [
          ['file:///tv/cheers-s01e01.mkv', true],
          ['file:///tv/cheers-s01e01-alt.mkv', false],
        ],
        markers: [['intro', 30000]],
        markerId: 'string',
        resolved: ['resolved', 'string'],
        bad: [400, 'BAD_REQUEST', ['name']],
        deleted: true,
        gone: [404, 'NOT_FOUND'],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes query parameters and ISO dates as the schemas say, and names bad ones', async () => {
    const since = await fetch(`${origin()}/api/assets?discoveredSince=2000-01-01T00:00:00.000Z&canonical=false&limit=5`);
    assert.equal(since.status, 200);
    assert.deepEqual(await since.json(), { items: [], nextCursor: null });
    const bad = await fetch(`${origin()}/api/titles?limit=9999&kind=series`);
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { code: string; fieldErrors: Array<{ path: string }> };
    assert.equal(body.code, 'BAD_REQUEST');
    assert.deepEqual(body.fieldErrors.map((f) => f.path).sort(), ['kind', 'limit']);
    // An object-valued parameter (OpenAPI deepObject style): a pool's genres to include and exclude.
    const post = async (route: string, body: unknown) =>
      (await (
        await fetch(`${origin()}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { id: string };
    const show = await post('/api/titles', { kind: 'show', name: 'Taxi', genres: ['Comedy', 'Drama'] });
    const season = await post('/api/seasons', { titleId: show.id, number: 1 });
    await post('/api/episodes', { titleId: show.id, seasonId: season.id, number: 1, name: 'Like Father, Like Daughter' });
    const pool = async (query: string) => {
      const res = await fetch(`${origin()}/api/catalog/query?playableOnly=false&${query}`);
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { items: Array<{ showName: string | null }> }).items.length;
    };
    assert.equal(await pool('genres[include]=comedy,western'), 1);
    assert.equal(await pool('genres[include]=comedy&genres[exclude]=drama'), 0);
    assert.equal(await pool('genres[include]=western'), 0);
    const wrong = await fetch(`${origin()}/api/catalog/query?genres[nope]=comedy`);
    assert.equal(wrong.status, 400);
    const doc = (await (await fetch(`${origin()}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { parameters: Array<{ name: string; style: string }> } }>;
    };
    const params = doc.paths['/api/catalog/query']!.get!.parameters;
    assert.equal(params.find((p) => p.name === 'genres')!.style, 'deepObject');
    assert.equal(params.find((p) => p.name === 'limit')!.style, 'form');
    const unknown = await fetch(`${origin()}/api/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'NOT_FOUND');
    const malformed = await fetch(`${origin()}/api/titles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { code: string }).code, 'BAD_REQUEST');
  });

  it('tRPC lists answer with no input at all', async () => {
    const res = await fetch(`${baseUrl()}/titles.list`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { result: { data: { json: { items: [], nextCursor: null } } } });
  });

  describe('with a token and a small body limit', () => {
    let server: Server;
    let url: string;
    before(async () => {
      ({ server, url } = await listen(createApp({ db: db(), log: testLogger, apiTokens: ['secret'], maxBodyBytes: 1024 })));
      url = url.replace(/\/trpc$/, '');
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('refuses a missing token with 401 and accepts the right one; health stays open', async () => {
      const refused = await fetch(`${url}/api/titles`);
      assert.equal(refused.status, 401);
      assert.deepEqual(await refused.json(), { code: 'UNAUTHORIZED', message: 'missing or invalid API token', fieldErrors: [] });
      const allowed = await fetch(`${url}/api/titles`, { headers: { authorization: 'Bearer secret' } });
      assert.equal(allowed.status, 200);
      assert.equal((await fetch(`${url}/api/health/check`)).status, 200);
    });

    it('refuses a body over the limit with 413 and writes nothing', async () => {
      const res = await fetch(`${url}/api/titles`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret', 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'show', name: 'x'.repeat(2000) }),
      });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE');
      assert.equal((await db()('titles').count({ n: '*' }))[0]?.n, 0);
    });
  });

  it('serves the /docs reference page and its assets from the npm package', async () => {
    const page = await fetch(`${origin()}/docs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /swagger-ui-bundle\.js/);
    assert.match(html, /\/openapi\.json/);
    assert.doesNotMatch(html, /https?:\/\//, 'no CDN');
    const bundle = await fetch(`${origin()}/docs/assets/swagger-ui-bundle.js`);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.arrayBuffer()).byteLength > 100_000);
  });
});
