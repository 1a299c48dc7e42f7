import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import knexFactory, { type Knex } from 'knex';
import { createApp } from '../server/app.js';
import { createKnex } from '../server/db/knex.js';
import type { JsonObject } from '../server/models/index.js';
import { createRetrovueClient } from '../sdk/index.js';
import { seed as seedDemo } from '../seeds/01_demo_library.js';
import { libraryTables, snapshotCounts } from './support/database.js';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { makeAsset } from './support/factories.js';
import { folder } from './support/folders.js';
import { baseUrl, client, db, listen, testLogger } from './support/harness.js';

const onPostgres = Boolean(process.env.DATABASE_URL);

/** JSON keys superjson refuses by default; legal JSON, so they must be stored and returned intact. */
const RISKY = JSON.parse(
  '{"constructor": {"prototype": "p", "x": [1, {"constructor": null}]}, "prototype": 2, "tmdb": "1"}',
) as JsonObject;

describe('data safety', function () {
  this.timeout(60_000);

  describe('stored JSON never breaks reads (keys named constructor / prototype)', () => {
    it('every write and read returns such JSON intact through the SDK over HTTP', async () => {
      const c = client();
      const title = await c.titles.create.mutate({ kind: 'show', name: 'Risky', year: 2001, externalIds: RISKY });
      assert.deepEqual(title.externalIds, RISKY);
      assert.deepEqual((await c.titles.list.query({})).items[0]!.externalIds, RISKY);
      assert.deepEqual((await c.titles.list.query({ search: 'Risk' })).items[0]!.externalIds, RISKY);
      assert.deepEqual((await c.titles.get.query({ id: title.id })).externalIds, RISKY);

      const asset = await makeAsset();
      await c.markers.create.mutate({ assetId: asset.id, kind: 'intro', startMs: 0, endMs: 10, payload: RISKY });
      assert.deepEqual((await c.markers.list.query({ assetId: asset.id })).items[0]!.payload, RISKY);
      await c.providerRefs.attach.mutate({
        entityType: 'title',
        entityId: title.id,
        provider: 'tmdb',
        providerKey: '1',
        raw: RISKY,
      });
      assert.deepEqual((await c.providerRefs.find.query({ provider: 'tmdb', providerKey: '1' })).raw, RISKY);

      const { report } = await c.ingest.items.mutate({
        items: [
          {
            title: { kind: 'show', name: 'Ingested', year: 1999, externalIds: RISKY },
            season: { number: 1 },
            episode: { number: 1, externalIds: RISKY, providerRefs: [{ provider: 'tvdb', key: 'e1', raw: RISKY }] },
            assets: [
              {
                uri: 'file:///risky/e1.mkv',
                size: 1,
                durationMs: 100,
                markers: [{ kind: 'intro', startMs: 0, endMs: 5, payload: RISKY }],
              },
            ],
          },
        ],
      });
      assert.equal(report.items, 1);
      const show = (await c.titles.list.query({ search: 'Ingested' })).items[0]!;
      assert.deepEqual(show.externalIds, RISKY);
      assert.deepEqual((await c.episodes.list.query({ titleId: show.id })).items[0]!.externalIds, RISKY);

      const source = await c.sources.create.mutate({
        kind: 'filesystem',
        name: 'Risky folder',
        config: { paths: [folder('risky')] },
      });
      await db()('source_collections').insert({
        source_id: source.id,
        external_id: '/risky',
        name: 'Risky',
        config: JSON.stringify(RISKY),
      });
      assert.deepEqual((await c.collections.list.query({})).items[0]!.config, RISKY);
      assert.deepEqual((await c.sources.get.query({ id: source.id, include: ['collections'] })).collections![0]!.config, RISKY);
    });

    it('a key named __proto__ never changes an object prototype', async () => {
      const title = await client().titles.create.mutate({
        kind: 'movie',
        name: 'Proto',
        externalIds: JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as JsonObject,
      });
      assert.equal(({} as { polluted?: boolean }).polluted, undefined);
      assert.equal((title.externalIds as { polluted?: boolean }).polluted, undefined);
    });
  });

  describe('no 500 for bad input', () => {
    it('a lone surrogate is refused as invalid text, in names, uris and JSON keys, and nothing is written', async () => {
      const c = client();
      const item = (uri: string) => ({ title: { kind: 'movie' as const, name: 'Lone' }, assets: [{ uri, size: 1 }] });
      const error = await expectRefusedUnchanged(
        () => c.ingest.items.mutate({ items: [item('file:///s/\ud800.mkv')] }),
        'BAD_REQUEST',
      );
      assert.match(error.message, /valid text/);
      assert.ok(error.fieldErrors.some((f) => f.path.startsWith('items.0.assets.0.uri')));
      // Two different lone surrogates would both be stored as U+FFFD and collide: both refused instead.
      await expectRefusedUnchanged(() => c.titles.create.mutate({ kind: 'movie', name: 'A\ud800' }), 'BAD_REQUEST');
      await expectRefusedUnchanged(() => c.titles.create.mutate({ kind: 'movie', name: 'A\udc00' }), 'BAD_REQUEST');
      await expectRefusedUnchanged(
        () => c.titles.create.mutate({ kind: 'movie', name: 'Key', externalIds: { ['k\udfff']: 1 } }),
        'BAD_REQUEST',
      );
      // Well-formed astral text is fine.
      assert.equal((await c.titles.create.mutate({ kind: 'movie', name: 'Emoji \ud83d\ude00' })).name, 'Emoji \ud83d\ude00');
    });

    it('10,000-deep JSON is refused cleanly on ingest.items as on titles.create', async () => {
      // Written out by hand and sent as raw JSON: JSON.stringify (and the SDK) would overflow first.
      const deep = `${'{"d":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      for (const [path, json] of [
        [
          'ingest.items',
          `{"items":[{"title":{"kind":"movie","name":"Deep","externalIds":${deep}},"assets":[{"uri":"file:///deep.mkv","size":1}]}]}`,
        ],
        ['titles.create', `{"kind":"movie","name":"Deep","externalIds":${deep}}`],
      ] as const) {
        const response = await fetch(`${baseUrl()}/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"json":${json}}`,
        });
        assert.equal(response.status, 400, `${path}: ${response.status}`);
        assert.match(await response.text(), /nested more than/);
      }
      assert.equal((await client().titles.list.query({})).items.length, 0);
    });

    it('TRACE, PUT and other methods answer 405, not 500', async () => {
      const url = new URL(`${baseUrl()}/titles.list`);
      for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 405, method);
      }
    });
  });

  describe('atomic marker swaps and durations', () => {
    it('parallel replaceForAsset calls: the last wins whole, never a merge', async () => {
      const asset = await makeAsset({ durationMs: 1_000_000 });
      const setOf = (n: number) => Array.from({ length: 5 }, (_, i) => ({ kind: `set${n}`, startMs: i * 10, endMs: i * 10 + 5 }));
      for (let round = 0; round < 10; round++) {
        const callers = Array.from({ length: 6 }, (_, n) => {
          const separate = createRetrovueClient({ url: baseUrl() });
          return separate.markers.replaceForAsset.mutate({ assetId: asset.id, markers: setOf(n) });
        });
        await Promise.all(callers);
        const stored = await db()('markers').where({ asset_id: asset.id }).select('kind');
        assert.equal(stored.length, 5, `round ${round}: ${stored.length} markers`);
        assert.equal(new Set(stored.map((m: { kind: string }) => m.kind)).size, 1, `round ${round}: sets merged`);
      }
    });

    it('assets.update and assets.register refuse a duration shorter than an existing marker', async () => {
      const asset = await makeAsset({ uri: 'file:///dur.mkv', durationMs: 60_000 });
      await client().markers.create.mutate({ assetId: asset.id, kind: 'credits', startMs: 50_000, endMs: 59_000 });
      const error = await expectRefusedUnchanged(
        () => client().assets.update.mutate({ id: asset.id, durationMs: 58_000 }),
        'BAD_REQUEST',
      );
      assert.match(error.message, /59000/);
      await expectRefusedUnchanged(
        () => client().assets.register.mutate({ uri: 'file:///dur.mkv', size: 1, durationMs: 1000 }),
        'BAD_REQUEST',
      );
      assert.equal((await db()('assets').where({ id: asset.id }).first()).duration_ms, 60_000);
      assert.equal((await client().assets.update.mutate({ id: asset.id, durationMs: 59_000 })).durationMs, 59_000);
    });
  });

  describe('provider refs: the polymorphic CHECK has no NULL hole', () => {
    for (const type of ['title', 'episode', 'asset'] as const) {
      it(`a ${type} ref without its foreign key is refused`, async () => {
        const title = await client().titles.create.mutate({ kind: 'movie', name: `Ref ${type}` });
        const episode = await client().episodes.create.mutate({ titleId: title.id, seasonId: null, number: null, name: 'e' });
        const asset = await makeAsset();
        const entityId = { title: title.id, episode: episode.id, asset: asset.id }[type];
        await assert.rejects(
          db()('provider_refs').insert({ entity_type: type, entity_id: entityId, provider: 'tmdb', provider_key: `k-${type}` }),
          (err: { constraint?: string; message: string }) =>
            err.constraint === 'ck_provider_refs_polymorphic' || /ck_provider_refs_polymorphic/.test(err.message),
        );
        assert.equal((await db()('provider_refs').count({ n: '*' }).first())!.n, 0);
      });
    }

    it('the migration repairs refs missing their key, removes refs pointing at nothing, and is reversible', async () => {
      const name = '20261125010000_provider_refs_check_nulls.ts';
      const title = await client().titles.create.mutate({ kind: 'movie', name: 'Repair me' });
      await db().migrate.down({ name });
      try {
        await db()('provider_refs').insert([
          { entity_type: 'title', entity_id: title.id, provider: 'tmdb', provider_key: 'broken' },
          { entity_type: 'episode', entity_id: '00000000-0000-4000-8000-000000000001', provider: 'tvdb', provider_key: 'orphan' },
        ]);
      } finally {
        await db().migrate.up({ name });
      }
      const rows = await db()('provider_refs').select('provider_key', 'title_id');
      assert.deepEqual(rows, [{ provider_key: 'broken', title_id: title.id }]);
    });
  });

  describe('secrets stay secret', () => {
    it('credentials inside a Plex URL are masked in outputs and in the 502 message', async () => {
      const source = await client().sources.create.mutate({
        kind: 'plex',
        name: 'Creds',
        config: { baseUrl: 'http://plexuser:hunter2@127.0.0.1:9', token: 'tok-secret', timeoutMs: 100 },
      });
      assert.equal(source.config.baseUrl, 'http://***@127.0.0.1:9');
      const bodies = [
        JSON.stringify(await client().sources.list.query({})),
        JSON.stringify(await client().sources.get.query({ id: source.id })),
      ];
      const error = await expectError(client().collections.discover.mutate({ sourceId: source.id }), 'BAD_GATEWAY');
      bodies.push(error.message);
      for (const body of bodies) assert.doesNotMatch(body, /hunter2|plexuser|tok-secret/);
      // Sent back as shown, the stored credentials are kept.
      await client().sources.update.mutate({ id: source.id, kind: 'plex', config: { baseUrl: 'http://***@127.0.0.1:9' } });
      assert.equal(
        (await db()('sources').where({ id: source.id }).first()).config.baseUrl,
        'http://plexuser:hunter2@127.0.0.1:9',
      );
    });

    it('secret-looking keys in a collection config are never returned, and an update keeps them', async () => {
      const source = await client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: [folder('c')] } });
      const config = { apiKey: 'k-secret', nested: { password: 'p-secret', keep: 1 }, url: 'http://u:pw-secret@h/x' };
      const [row] = await db()('source_collections')
        .insert({ source_id: source.id, external_id: '/c', name: 'C', config: JSON.stringify(config) })
        .returning('id');
      const id = (row as { id: string }).id;
      const shown = { nested: { keep: 1 }, url: 'http://***@h/x' };
      assert.deepEqual((await client().collections.list.query({})).items[0]!.config, shown);
      assert.deepEqual((await client().collections.get.query({ id })).config, shown);
      const body = JSON.stringify(await client().sources.get.query({ id: source.id, include: ['collections'] }));
      assert.doesNotMatch(body, /-secret/);
      await client().collections.update.mutate({ id, config: { ...shown, extra: true } });
      const stored = (await db()('source_collections').where({ id }).first()).config;
      assert.equal(stored.apiKey, 'k-secret');
      assert.equal(stored.url, 'http://u:pw-secret@h/x');
      assert.equal(stored.extra, true);
    });
  });

  describe('a hung database does not hang callers (PostgreSQL behind a proxy that goes silent)', () => {
    it('answers SERVICE_UNAVAILABLE within seconds, reports unhealthy, releases connections and recovers', async function () {
      if (!onPostgres) return this.skip(); // an embedded database cannot hang apart from the process
      const upstream = new URL((db().client.config.connection as { connectionString: string }).connectionString);
      let silent = false;
      const sockets = new Set<net.Socket>();
      const proxy = net.createServer((client) => {
        const server = net.connect(Number(upstream.port || 5432), upstream.hostname);
        sockets.add(client).add(server);
        // While silent, bytes are swallowed both ways: a stopped server, as seen from the client.
        client.on('data', (chunk) => silent || server.write(chunk));
        server.on('data', (chunk) => silent || client.write(chunk));
        const close = () => (client.destroy(), server.destroy());
        client.on('error', close).on('close', close);
        server.on('error', close).on('close', close);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const via = new URL(upstream);
      via.port = String((proxy.address() as net.AddressInfo).port);
      const hung = createKnex({ kind: 'postgres', url: via.toString() }, { min: 0, max: 3 }, testLogger, {
        statementMs: 1000,
        acquireMs: 1000,
      });
      const { server, url } = await listen(createApp({ db: hung, log: testLogger, apiTokens: [] }));
      const c = createRetrovueClient({ url });
      try {
        await c.titles.create.mutate({ kind: 'movie', name: 'Before the hang' });
        silent = true;
        const started = Date.now();
        const results = await Promise.allSettled(Array.from({ length: 6 }, () => c.titles.list.query({})));
        const elapsed = Date.now() - started;
        for (const r of results) {
          assert.equal(r.status, 'rejected');
          await expectError(Promise.reject((r as PromiseRejectedResult).reason), 'SERVICE_UNAVAILABLE');
        }
        assert.ok(elapsed < 5_000, `callers waited ${elapsed} ms`);
        const healthStarted = Date.now();
        assert.equal((await c.health.check.query()).status, 'unhealthy');
        assert.ok(Date.now() - healthStarted < 5_000);
        // A later caller fails as fast: no connection is left queued behind a dead query.
        const again = Date.now();
        await expectError(c.titles.list.query({}), 'SERVICE_UNAVAILABLE');
        assert.ok(Date.now() - again < 5_000);

        silent = false;
        for (const s of sockets) s.destroy(); // the stuck sockets are gone; the pool must reconnect
        assert.equal((await c.health.check.query()).status, 'ok');
        assert.deepEqual(
          (await c.titles.list.query({})).items.map((t) => t.name),
          ['Before the hang'],
        );
        const pool = hung.client.pool as { numUsed(): number; numPendingAcquires(): number };
        assert.equal(pool.numUsed(), 0);
        assert.equal(pool.numPendingAcquires(), 0);
      } finally {
        silent = false;
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await hung.destroy();
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    });
  });
});

describe('data safety: seeds, sources, upgrades', function () {
  this.timeout(120_000);

  it('the demo seed merges into a library that already holds one of its titles and files', async () => {
    const cheers = await client().titles.create.mutate({ kind: 'show', name: 'cheers', year: 1982, externalIds: { mine: true } });
    await makeAsset({ uri: 'file:///mnt/movies/The Thing (1982)/The Thing (1982).mp4', durationMs: 6_540_000 });
    await seedDemo(db());
    const once = await snapshotCounts(db());
    await seedDemo(db());
    assert.deepEqual(await snapshotCounts(db()), once, 'a second run changes nothing');
    const shows = await db()('titles').whereRaw("lower(name) = 'cheers'").select('id', 'external_ids');
    assert.deepEqual(shows, [{ id: cheers.id, external_ids: { mine: true } }], 'the library row is reused, not overwritten');
    assert.ok((await db()('seasons').where({ title_id: cheers.id })).length >= 2, 'the demo seasons hang off it');
    assert.equal((await db()('assets').where({ uri: 'file:///mnt/movies/The Thing (1982)/The Thing (1982).mp4' })).length, 1);
  });

  it('the same folder cannot be added as two filesystem sources: CONFLICT naming the first', async () => {
    const first = await client().sources.create.mutate({
      kind: 'filesystem',
      name: 'NAS',
      config: { paths: [folder('tv'), folder('kids')] },
    });
    const error = await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'filesystem', name: 'Again', config: { paths: [`${folder('tv')}/`] } }),
      'CONFLICT',
    );
    assert.match(error.message, new RegExp(`${folder('tv')} is already the source "NAS" \\(${first.id}\\)`));
    const other = await client().sources.create.mutate({
      kind: 'filesystem',
      name: 'Other',
      config: { paths: [folder('movies')] },
    });
    await expectRefusedUnchanged(
      () => client().sources.update.mutate({ id: other.id, kind: 'filesystem', config: { paths: [folder('kids')] } }),
      'CONFLICT',
    );
  });

  it('the same Plex server (machineIdentifier) cannot be added as two sources: CONFLICT naming the first', async () => {
    let identityUp = true;
    const plex = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/identity') && identityUp)
        return res.end(JSON.stringify({ MediaContainer: { machineIdentifier: 'mid-1' } }));
      if (req.url?.startsWith('/library/sections')) return res.end(JSON.stringify({ MediaContainer: { Directory: [] } }));
      res.statusCode = 503;
      res.end('{}');
    });
    await new Promise<void>((resolve) => plex.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(plex.address() as net.AddressInfo).port}`;
    try {
      const first = await client().sources.create.mutate({ kind: 'plex', name: 'Living room', config: { baseUrl, token: 't' } });
      assert.equal(first.externalId, 'plex:mid-1');
      const error = await expectRefusedUnchanged(
        () => client().sources.create.mutate({ kind: 'plex', name: 'Same box', config: { baseUrl: `${baseUrl}/`, token: 't' } }),
        'CONFLICT',
      );
      assert.match(error.message, new RegExp(`machineIdentifier mid-1\\) is already the source "Living room" \\(${first.id}\\)`));
      // Added while the server did not say who it is: the first discover settles it.
      identityUp = false;
      const provisional = await client().sources.create.mutate({ kind: 'plex', name: 'Later', config: { baseUrl, token: 't' } });
      identityUp = true;
      await expectError(client().collections.discover.mutate({ sourceId: provisional.id }), 'CONFLICT');
      await client().sources.delete.mutate({ id: first.id });
      await client().collections.discover.mutate({ sourceId: provisional.id });
      assert.equal((await client().sources.get.query({ id: provisional.id })).externalId, 'plex:mid-1');
    } finally {
      await new Promise<void>((resolve) => plex.close(() => resolve()));
    }
  });

  it('upgrade: first release schema with a library -> latest -> down one -> up again loses nothing', async () => {
    const scratch = await emptyDatabase();
    try {
      const first = (await scratch.db.migrate.list())[1] as Array<{ file: string }>;
      await scratch.db.migrate.up({ name: first[0]!.file }); // the first release
      await seedDemo(scratch.db);
      const columns = await columnsOf(scratch.db);
      const before = await contentOf(scratch.db, columns);
      assert.ok(before.titles!.length >= 4 && before.markers!.length > 0, 'a populated library');
      await scratch.db.migrate.latest();
      assert.deepEqual(await contentOf(scratch.db, columns), before, 'after migrate:latest');
      await scratch.db.migrate.down();
      assert.deepEqual(await contentOf(scratch.db, columns), before, 'after one step down');
      await scratch.db.migrate.latest();
      assert.deepEqual(await contentOf(scratch.db, columns), before, 'after up again');
    } finally {
      await scratch.drop();
    }
  });
});

/** An unmigrated database of the driver under test. */
async function emptyDatabase(): Promise<{ db: Knex; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const memory = createKnex({ kind: 'pglite-memory' });
    return { db: memory, drop: () => memory.destroy() };
  }
  const name = `retrovue_upgrade_${process.pid}_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ??', [name]);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const fresh = createKnex({ kind: 'postgres', url: target.toString() });
  return {
    db: fresh,
    drop: async () => {
      await fresh.destroy();
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
      await admin.destroy();
    },
  };
}

/** The columns of every table as they are now: the first release's, compared after each step. */
async function columnsOf(database: Knex): Promise<Record<string, string[]>> {
  const columns: Record<string, string[]> = {};
  for (const table of await libraryTables(database))
    columns[table] = (await database('information_schema.columns')
      .where({ table_name: table })
      .whereRaw('table_schema = current_schema()')
      .orderBy('ordinal_position')
      .pluck('column_name')) as string[];
  return columns;
}

/** Every row of every table (those columns only: later migrations may add some), in a stable order. */
async function contentOf(database: Knex, columns: Record<string, string[]>): Promise<Record<string, unknown[]>> {
  const content: Record<string, unknown[]> = {};
  for (const table of Object.keys(columns)) {
    const cols = columns[table]!;
    content[table] = await database(table)
      .select(cols)
      .orderByRaw(cols.includes('id') ? 'id' : '1, 2');
  }
  return content;
}
