import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import { LOGGED_TABLES } from '../migrations/20261126010000_change_log.js';
import { createApp, parseApiTokens, tokenLabel } from '../server/app.js';
import { withActor } from '../server/db/actor.js';
import { pruneChangeLog, readFeed, type FeedEntry } from '../server/services/changes.js';
import { PRUNE_CRON, PRUNE_QUEUE } from '../server/services/changeLogPrune.js';
import { createRetrovueClient, type RetrovueClient } from '../sdk/index.js';
import { snapshotCounts } from './support/database.js';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { makeAsset, makeMovie, makeShowWithEpisodes } from './support/factories.js';
import { folder } from './support/folders.js';
import { client, db, listen, queue, testLogger } from './support/harness.js';

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/media');

interface LogRow {
  position: number;
  table_name: string;
  row_id: string;
  op: 'insert' | 'update' | 'delete';
  changes: Record<string, unknown> | null;
  actor: string;
}

const logRows = async (): Promise<LogRow[]> =>
  (
    (await db().raw(`SELECT position, table_name, row_id, op, changes, actor FROM change_log ORDER BY position`)) as {
      rows: LogRow[];
    }
  ).rows.map((r) => ({ ...r, position: Number(r.position) }));

/** Each logged table's row ids, as the triggers name them. */
async function tableRowIds(): Promise<Map<string, Set<string>>> {
  const result = new Map<string, Set<string>>();
  for (const t of LOGGED_TABLES) {
    const { rows } = (await db().raw(`SELECT ${t.rowId} AS id FROM ${t.name} r`)) as { rows: Array<{ id: string }> };
    result.set(t.name, new Set(rows.map((r) => r.id)));
  }
  return result;
}

/**
 * Replays the log: every row now in a logged table was inserted exactly once and not deleted since;
 * every row deleted was inserted before; nothing is logged twice.
 */
async function assertLogMatchesTables(): Promise<void> {
  const alive = new Map<string, Set<string>>(LOGGED_TABLES.map((t) => [t.name, new Set<string>()]));
  for (const row of await logRows()) {
    const set = alive.get(row.table_name)!;
    if (row.op === 'insert') {
      assert.ok(!set.has(row.row_id), `${row.table_name} ${row.row_id} inserted twice`);
      set.add(row.row_id);
    } else {
      assert.ok(set.has(row.row_id), `${row.op} of ${row.table_name} ${row.row_id}, which the log never inserted`);
      if (row.op === 'delete') set.delete(row.row_id);
    }
  }
  const actual = await tableRowIds();
  for (const t of LOGGED_TABLES) assert.deepEqual([...alive.get(t.name)!].sort(), [...actual.get(t.name)!].sort(), t.name);
}

/** The whole feed through changes.list, `limit` at a time. */
async function readAll(api: RetrovueClient, limit: number, after?: string): Promise<{ entries: FeedEntry[]; cursor: string }> {
  const entries: FeedEntry[] = [];
  let cursor = after;
  for (;;) {
    const page = await api.changes.list.query({ ...(cursor === undefined ? {} : { after: cursor }), limit });
    entries.push(...page.items);
    cursor = page.nextCursor;
    if (page.items.length < limit) return { entries, cursor };
  }
}

async function folderCollection(name: string, files: Record<string, string>) {
  const root = folder(name);
  for (const [to, from] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, from), path.join(root, to));
  }
  const source = await client().sources.create.mutate({ kind: 'filesystem', name, config: { paths: [root] } });
  const [collection] = await client().collections.discover.mutate({ sourceId: source.id });
  await client().collections.update.mutate({ id: collection!.id, enabled: true });
  return collection!;
}

describe('change log: every change once, in the same transaction', () => {
  it('matches the tables after API edits, an ingest, a failed transaction and a cascade delete', async () => {
    // API edits
    const { show, season, episodes } = await makeShowWithEpisodes(3);
    await client().titles.update.mutate({ id: show.id, name: 'Renamed show', summary: 'A summary' });
    const asset = await makeAsset();
    await client().assets.linkEpisode.mutate({ assetId: asset.id, episodeId: episodes[0]!.id });
    await client().markers.create.mutate({ assetId: asset.id, kind: 'intro', startMs: 0, endMs: 1000 });
    await client().episodes.delete.mutate({ id: episodes[2]!.id });
    // an ingest, through the job queue
    const collection = await folderCollection('changes-mixed', { 'Taxi (1978) - S01E01.mp4': 'h264-aac-2s.mp4' });
    const job = await client().ingest.collection.mutate({ collectionId: collection.id });
    assert.equal(job.state, 'done');
    // a failed transaction: nothing of it in the log
    const before = (await logRows()).length;
    await assert.rejects(
      db().transaction(async (trx) => {
        await trx('titles').insert({ kind: 'movie', name: 'Never committed' });
        await trx('titles').where({ id: show.id }).update({ name: 'Never renamed' });
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    // a refused call: nothing in the tables, nothing in the log
    const movie = await makeMovie();
    const afterMovie = (await logRows()).length;
    await expectRefusedUnchanged(() => client().seasons.create.mutate({ titleId: movie.id, number: 1 }), 'BAD_REQUEST');
    assert.equal((await logRows()).length, afterMovie, 'a refused call logged something');
    assert.ok(afterMovie === before + 1, 'only the movie was logged after the rolled-back transaction');
    assert.ok(!(await logRows()).some((r) => JSON.stringify(r).includes('Never')), 'rolled-back work was logged');
    // a cascade delete: the show's season, episodes, links and refs go with it, each logged
    await client().titles.delete.mutate({ id: show.id });

    await assertLogMatchesTables();
    const rows = await logRows();
    const deletes = rows.filter((r) => r.op === 'delete').map((r) => `${r.table_name}:${r.row_id}`);
    assert.ok(deletes.includes(`seasons:${season.id}`), 'the cascade deleted season is logged');
    assert.ok(deletes.includes(`episodes:${episodes[0]!.id}`), 'the cascade deleted episode is logged');
    assert.ok(deletes.includes(`episode_assets:${episodes[0]!.id}/${asset.id}`), 'the cascade deleted link is logged');
    const rename = rows.find((r) => r.op === 'update' && r.row_id === show.id)!;
    assert.deepEqual(rename.changes, {
      name: [show.name, 'Renamed show'],
      summary: [null, 'A summary'],
      locked_fields: [[], ['summary']],
    });
    // the feed delivers the same entries, each once, in position order
    const { entries } = await readAll(client(), 7);
    assert.deepEqual(
      entries.map((e) => e.position),
      rows.map((r) => r.position),
    );
  });

  it('logs only real changes: an update that changes nothing, or only updated_at, adds no entry', async () => {
    const movie = await makeMovie('Same', 1999);
    const before = (await logRows()).length;
    await db()('titles').where({ id: movie.id }).update({ name: 'Same' });
    const collection = await folderCollection('changes-touch', {});
    const afterCollection = (await logRows()).length;
    await db()('source_collections').where({ id: collection.id }).update({ updated_at: db().fn.now() });
    assert.equal((await logRows()).length, afterCollection, 'an updated_at-only change was logged');
    assert.ok(afterCollection > before);
    const titleEntries = (await logRows()).filter((r) => r.row_id === movie.id);
    assert.deepEqual(
      titleEntries.map((r) => r.op),
      ['insert'],
    );
  });

  it('never copies a source secret into the log in clear', async () => {
    const secret = 'sup3r-s3cret-t0ken';
    await withActor('api:test', async () => {
      const [source] = (await db()('sources')
        .insert({
          kind: 'jellyfin',
          name: 'jf',
          external_id: 'jellyfin:secret-test',
          config: JSON.stringify({
            baseUrl: `http://admin:${secret}@media.local/`,
            apiKey: secret,
            nested: [{ password: secret }],
          }),
        })
        .returning('id')) as Array<{ id: string }>;
      await db()('sources')
        .where({ id: source!.id })
        .update({ config: JSON.stringify({ baseUrl: 'http://media.local/', apiKey: `${secret}-2` }) });
      await db()('sources').where({ id: source!.id }).update({ name: 'renamed' });
      await db()('sources').where({ id: source!.id }).delete();
    });
    const rows = await logRows();
    assert.equal(rows.filter((r) => r.table_name === 'sources').length, 4, 'insert, two updates, delete');
    assert.ok(!JSON.stringify(rows).includes(secret), `a secret reached the change log: ${JSON.stringify(rows)}`);
    const audit = await client().audit.list.query({ table: 'sources' });
    assert.ok(!JSON.stringify(audit).includes(secret));
    const update = rows.find((r) => r.op === 'update' && r.changes && 'config' in r.changes)!;
    assert.deepEqual(update.changes, {
      config: [
        { baseUrl: 'http://***@media.local/', apiKey: '[redacted]', nested: [{ password: '[redacted]' }] },
        { baseUrl: 'http://media.local/', apiKey: '[redacted]' },
      ],
    });
  });
});

describe('change log: actors', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  });

  it('names API calls by their token label, ingest jobs by their id, seeds and migrations', async () => {
    // No token configured (the test server): api:anonymous.
    const movie = await makeMovie();
    // A labelled token, and a bare one named by its place in the list.
    const tokens = ['ops:token-for-ops', 'bare-token'];
    const listening = await listen(createApp({ db: db(), log: testLogger, apiTokens: tokens, queue: queue() }));
    server = listening.server;
    const ops = createRetrovueClient({ url: listening.url, token: 'token-for-ops' });
    const bare = createRetrovueClient({ url: listening.url, token: 'bare-token' });
    await ops.titles.update.mutate({ id: movie.id, name: 'By ops' });
    await bare.titles.update.mutate({ id: movie.id, name: 'By the bare token' });
    await expectError(
      createRetrovueClient({ url: listening.url, token: 'wrong' }).titles.delete.mutate({ id: movie.id }),
      'UNAUTHORIZED',
    );
    // An ingest job.
    const collection = await folderCollection('changes-actor', { 'Alien (1979).avi': 'mpeg4-noaudio-2s.avi' });
    const job = await client().ingest.collection.mutate({ collectionId: collection.id });
    // The demo seed, and a write outside any request or job.
    await db().seed.run({ specific: '01_demo_library.ts' });
    await db()('titles').insert({ kind: 'movie', name: 'Written by the service itself' });

    const rows = await logRows();
    const actorsOf = (predicate: (r: LogRow) => boolean) => [...new Set(rows.filter(predicate).map((r) => r.actor))];
    assert.deepEqual(
      actorsOf((r) => r.row_id === movie.id),
      ['api:anonymous', 'api:ops', 'api:token2'],
    );
    const jobAssets = (await db()('assets').select('id')).map((a: { id: string }) => a.id);
    assert.ok(jobAssets.length > 0);
    const ingested = actorsOf((r) => r.table_name === 'assets' && r.op === 'insert' && !r.actor.startsWith('seed'));
    assert.deepEqual(ingested, [`ingest:${job.id}`], JSON.stringify(rows.filter((r) => r.table_name === 'assets')));
    assert.ok(
      rows.some((r) => r.table_name === 'markers' && r.actor === 'seed'),
      'the seed names itself',
    );
    assert.equal(rows[rows.length - 1]!.actor, 'system');
    // A migration's writes are attributed to it (the runner sets the actor; here a write the same way).
    await withActor('migration', () => db()('titles').insert({ kind: 'movie', name: 'Migrated' }));
    assert.equal((await logRows()).at(-1)!.actor, 'migration');
  });

  it('keeps the actor right on pooled connections, in and out of transactions, after a rollback', async () => {
    await withActor('api:a', () => db()('titles').insert({ kind: 'movie', name: 'A' }));
    await assert.rejects(
      withActor('api:b', () =>
        db().transaction(async (trx) => {
          await trx('titles').insert({ kind: 'movie', name: 'B' });
          throw new Error('no');
        }),
      ),
    );
    // The rollback undid the session setting made inside it; the next write sets it again.
    await withActor('api:b', () => db()('titles').insert({ kind: 'movie', name: 'B2' }));
    await db()('titles').insert({ kind: 'movie', name: 'C' });
    await Promise.all([
      withActor('api:p1', () => db()('titles').insert({ kind: 'movie', name: 'P1' })),
      withActor('api:p2', () => db().transaction((trx) => trx('titles').insert({ kind: 'movie', name: 'P2' }))),
    ]);
    const rows = await logRows();
    const names = await db()('titles').select('id', 'name');
    const actorOf = (name: string) =>
      rows.find((r) => r.row_id === names.find((n: { name: string }) => n.name === name)!.id)!.actor;
    assert.deepEqual(['A', 'B2', 'C', 'P1', 'P2'].map(actorOf), ['api:a', 'api:b', 'system', 'api:p1', 'api:p2']);
  });

  it('reads token labels from label:token and never uses a token as its name', () => {
    assert.deepEqual(parseApiTokens(['ops:abc', 'x=y==', 'scheduler:def']), [
      { label: 'ops', token: 'abc' },
      { label: 'token2', token: 'x=y==' },
      { label: 'scheduler', token: 'def' },
    ]);
    assert.equal(tokenLabel('Bearer abc', ['ops:abc']), 'ops');
    assert.equal(tokenLabel('Bearer nope', ['ops:abc']), undefined);
    assert.equal(tokenLabel(undefined, ['ops:abc'], 'abc'), 'ops', 'connection parameter token (server-sent events)');
    assert.equal(tokenLabel(undefined, []), 'anonymous');
  });
});

describe('audit.list', () => {
  it('filters by table, row, actor and time, pages newest first or by position', async () => {
    const a = await withActor('api:one', () => makeMovieRow('One'));
    await withActor('api:two', () => db()('titles').where({ id: a }).update({ name: 'One renamed' }));
    const b = await withActor('api:two', () => makeMovieRow('Two'));
    const asset = await makeAsset();
    const all = await client().audit.list.query({});
    assert.equal(all.items.length, 4);
    assert.deepEqual(
      all.items.map((i) => i.position),
      [...all.items.map((i) => i.position)].sort((x, y) => y - x),
      'newest first',
    );
    const byRow = await client().audit.list.query({ table: 'titles', rowId: a });
    assert.deepEqual(
      byRow.items.map((i) => [i.op, i.actor]),
      [
        ['update', 'api:two'],
        ['insert', 'api:one'],
      ],
    );
    assert.deepEqual(byRow.items[0]!.changes, { name: { old: 'One', new: 'One renamed' } });
    const byActor = await client().audit.list.query({ actor: 'api:two', order: 'position' });
    assert.deepEqual(
      byActor.items.map((i) => i.rowId),
      [a, b],
    );
    assert.deepEqual(
      (await client().audit.list.query({ table: 'assets' })).items.map((i) => i.rowId),
      [asset.id],
    );
    const later = new Date(Date.now() + 60_000);
    assert.equal((await client().audit.list.query({ from: later })).items.length, 0);
    assert.equal((await client().audit.list.query({ to: later })).items.length, 4);
    // keyset pages: nothing lost, nothing repeated
    const first = await client().audit.list.query({ limit: 3 });
    const second = await client().audit.list.query({ limit: 3, cursor: first.nextCursor! });
    assert.equal(second.nextCursor, null);
    assert.deepEqual(
      [...first.items, ...second.items].map((i) => i.position),
      all.items.map((i) => i.position),
    );
    await expectError(client().audit.list.query({ cursor: 'nope' }), 'BAD_REQUEST');
    await expectError(client().audit.list.query({ from: later, to: new Date() }), 'BAD_REQUEST');
    await expectError(client().audit.list.query({ table: 'change_log' as never }), 'BAD_REQUEST');
  });

  it('finds a row by an index, not a scan', async () => {
    const id = await makeMovieRow('Indexed');
    await db().raw(`INSERT INTO titles (kind, name) SELECT 'movie', 'Filler ' || i FROM generate_series(1, 2000) AS i`);
    await db().raw('ANALYZE change_log');
    await db().raw('SET enable_seqscan = off');
    try {
      const { rows } = (await db().raw(`EXPLAIN SELECT * FROM change_log WHERE row_id = ? ORDER BY position DESC LIMIT 51`, [
        id,
      ])) as { rows: Array<{ 'QUERY PLAN': string }> };
      assert.match(rows.map((r) => r['QUERY PLAN']).join('\n'), /ix_change_log_row/);
    } finally {
      await db().raw('RESET enable_seqscan');
    }
  });
});

async function makeMovieRow(name: string): Promise<string> {
  const [row] = (await db()('titles').insert({ kind: 'movie', name }).returning('id')) as Array<{ id: string }>;
  return row!.id;
}

describe('changes.list', () => {
  it('pages the feed in position order with a cursor, and refuses a malformed one', async () => {
    for (let i = 0; i < 5; i++) await makeMovieRow(`Paged ${i}`);
    const { entries, cursor } = await readAll(client(), 2);
    assert.equal(entries.length, 5);
    assert.deepEqual(
      entries.map((e) => e.position),
      [...entries.map((e) => e.position)].sort((a, b) => a - b),
    );
    assert.equal(new Set(entries.map((e) => e.cursor)).size, 5);
    // From a page's cursor: only what came after.
    await makeMovieRow('After');
    const more = await client().changes.list.query({ after: cursor, limit: 10 });
    assert.equal(more.items.length, 1);
    assert.equal(more.items[0]!.op, 'insert');
    // From a bare position.
    const fromPosition = await client().changes.list.query({ after: entries[2]!.position, limit: 10 });
    assert.deepEqual(
      fromPosition.items.map((e) => e.position),
      [...entries.slice(3), ...more.items].map((e) => e.position),
    );
    await expectError(client().changes.list.query({ after: 'x.y' }), 'BAD_REQUEST');
    await expectError(client().changes.list.query({ after: -1 }), 'BAD_REQUEST');
  });

  it('holds back what a running transaction may still precede, then delivers it exactly once', async function () {
    if (!ON_POSTGRES) {
      // One connection: no transaction can run beside the reader; the horizon SQL still runs.
      await makeMovieRow('Alone');
      const page = await readFeed(db(), undefined, 10);
      assert.equal(page.items.length, 1);
      return;
    }
    const seen: FeedEntry[] = [];
    let cursor = (await readFeed(db(), undefined, 100)).nextCursor;
    const read = async () => {
      const page = await readFeed(db(), cursor, 100);
      seen.push(...page.items);
      cursor = page.nextCursor;
    };
    // A takes a transaction id first; B then writes (the lower position) and stays open; A writes
    // (the higher position) and commits: A's entry is visible, B's is not yet.
    const a = await db().transaction();
    const b = await db().transaction();
    try {
      await a.raw('SELECT pg_current_xact_id()');
      await b('titles').insert({ kind: 'movie', name: 'B (lower position, commits last)' });
      await a('titles').insert({ kind: 'movie', name: 'A (higher position, commits first)' });
      await a.commit();
      await read();
      await b.commit();
    } finally {
      if (!a.isCompleted()) await a.rollback();
      if (!b.isCompleted()) await b.rollback();
    }
    for (let i = 0; i < 20 && seen.length < 2; i++) {
      await read();
      if (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await read();
    const all = await logRows();
    assert.equal(seen.length, 2, 'both entries, once each');
    assert.deepEqual(new Set(seen.map((e) => e.position)), new Set(all.map((r) => r.position)));
  });
});

describe('changes.subscribe over server-sent events', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    server = undefined;
  });

  it('streams the log, survives a dropped connection and resumes with nothing lost or repeated', async function () {
    this.timeout(60_000);
    const listening = await listen(
      createApp({ db: db(), log: testLogger, apiTokens: ['feed:feed-token'], queue: queue(), changesPollMs: 100 }),
    );
    server = listening.server;
    const api = createRetrovueClient({ url: listening.url, token: 'feed-token' });
    for (let i = 0; i < 3; i++) await makeMovieRow(`Before ${i}`);

    const received: FeedEntry[] = [];
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && received.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(received.length >= n, `received ${received.length} of ${n}`);
    };
    let errors = 0;
    const subscription = api.changes.subscribe.subscribe(
      {},
      {
        onData: ({ id, data }) => {
          assert.equal(id, data.cursor);
          received.push(data);
        },
        onError: () => errors++,
      },
    );
    await waitFor(3);
    for (let i = 0; i < 3; i++) await makeMovieRow(`Live ${i}`);
    await waitFor(6);
    // The connection drops mid-stream; the link reconnects with the last event id.
    listening.server.closeAllConnections();
    for (let i = 0; i < 3; i++) await makeMovieRow(`While away ${i}`);
    await waitFor(9);
    subscription.unsubscribe();
    // A new subscriber resumes from the last cursor it kept.
    const last = received[received.length - 1]!.cursor;
    for (let i = 0; i < 2; i++) await makeMovieRow(`After unsubscribing ${i}`);
    const resumed: FeedEntry[] = [];
    const again = api.changes.subscribe.subscribe({ after: last }, { onData: ({ data }) => resumed.push(data) });
    for (let i = 0; i < 200 && resumed.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    again.unsubscribe();

    const positions = [...received, ...resumed].map((e) => e.position);
    const logged = (await logRows()).map((r) => r.position);
    assert.deepEqual(positions, logged, 'every entry exactly once, in order');
    assert.equal(errors, 0);
  });

  it('refuses a subscriber without the token', async () => {
    const listening = await listen(createApp({ db: db(), log: testLogger, apiTokens: ['feed:feed-token'], queue: queue() }));
    server = listening.server;
    const response = await fetch(`${listening.url}/changes.subscribe?input=${encodeURIComponent('{"json":{}}')}`, {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text().catch(() => '');
    assert.match(`${response.status} ${text}`, /401|UNAUTHORIZED/);
  });
});

describe('change log retention', () => {
  it('prunes entries older than the retention, and only those', async () => {
    for (let i = 0; i < 5; i++) await makeMovieRow(`Kept or pruned ${i}`);
    const rows = await logRows();
    const old = rows.slice(0, 3).map((r) => r.position);
    await db().raw(`UPDATE change_log SET at = now() - interval '91 days' WHERE position = ANY(?)`, [old]);
    const counts = await snapshotCounts(db());
    assert.equal(await pruneChangeLog(db(), 90, 2), 3);
    assert.deepEqual(
      (await logRows()).map((r) => r.position),
      rows.slice(3).map((r) => r.position),
    );
    assert.deepEqual(await snapshotCounts(db()), counts, 'pruning the log changes no library table');
    assert.equal(await pruneChangeLog(db(), 90), 0);
  });

  it('is scheduled as a pg-boss job', async () => {
    const { rows } = (await db().raw(`SELECT name, cron FROM pgboss.schedule WHERE name = ?`, [PRUNE_QUEUE])) as {
      rows: Array<{ name: string; cron: string }>;
    };
    assert.deepEqual(rows, [{ name: PRUNE_QUEUE, cron: PRUNE_CRON }]);
  });
});

/** Migrations after the change log's that replace its functions or indexes (rolled back before it). */
const LATER_LOG_MIGRATIONS = [
  '20261127010000_fingerprint_on_link.ts',
  '20261127010100_change_log_row_hash.ts',
  '20261127020000_catalog_count_resets.ts',
];

describe('change log migration', () => {
  it('rolls back and forward', async () => {
    const knex: Knex = db();
    // The later migrations that change the log's functions or indexes go down first and up after.
    for (const name of [...LATER_LOG_MIGRATIONS].reverse()) await knex.migrate.down({ name });
    await knex.migrate.down({ name: '20261126010000_change_log.ts' });
    assert.equal((await knex.raw(`SELECT to_regclass('change_log') AS t`)).rows[0].t, null);
    await makeMovieRow('Without a log');
    await knex.migrate.up({ name: '20261126010000_change_log.ts' });
    for (const name of LATER_LOG_MIGRATIONS) await knex.migrate.up({ name });
    await makeMovieRow('With a log');
    assert.equal((await logRows()).length, 1);
  });

  it('moves fingerprints onto their links and back, logging nothing, and the row index to a hash and back', async () => {
    const knex: Knex = db();
    const movie = await makeMovieRow('Fingerprinted');
    const asset = await knex('assets').insert({ uri: 'file:///fp.mkv', size: 1, duration_ms: 1000 }).returning('id');
    const [episode] = await knex('episodes').insert({ title_id: movie, name: 'Fingerprinted' }).returning('id');
    const fingerprint = Buffer.from('cd'.repeat(20), 'hex');
    await knex('episode_assets').insert({ episode_id: episode.id, asset_id: asset[0].id, fingerprint });
    const logged = (await logRows()).length;
    const rowIndex = async () =>
      (await knex.raw(`SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_change_log_row'`)).rows[0].indexdef as string;
    assert.match(await rowIndex(), /USING hash \(row_id\)/);
    for (const name of [...LATER_LOG_MIGRATIONS].reverse()) await knex.migrate.down({ name });
    assert.match(await rowIndex(), /USING btree \(row_id, "?position"?\)/);
    const kept = await knex('ingest_fingerprints').select('asset_id', 'fingerprint');
    assert.deepEqual(
      kept.map((r: { fingerprint: Uint8Array }) => Buffer.from(r.fingerprint).toString('hex')),
      ['cd'.repeat(20)],
    );
    for (const name of LATER_LOG_MIGRATIONS) await knex.migrate.up({ name });
    const link = await knex('episode_assets').where({ asset_id: asset[0].id }).first();
    assert.equal(Buffer.from(link.fingerprint as Uint8Array).toString('hex'), 'cd'.repeat(20));
    assert.equal((await logRows()).length, logged, 'the copies are not changes');
  });
});
