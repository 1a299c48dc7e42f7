import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex } from '../server/db/knex.js';
import { createScratchDatabase, type ScratchDatabase } from '../server/db/scratch.js';

import { IngestQueue, type IngestJob } from '../server/services/ingest/queue.js';
import { createRetrovueClient, type RetrovueClient } from '../sdk/index.js';
import { snapshotCounts } from './support/database.js';
import { expectError, until } from './support/expect.js';
import { startFakePlex, type FakeItem, type FakePlex, type FakePlexLibrary } from './support/fakePlex.js';
import { client, db, queue, testLogger } from './support/harness.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ON_POSTGRES = Boolean(process.env.DATABASE_URL);

/** `sections` show libraries of `shows` shows with `episodes` episodes each (season 1). */
function generatedLibrary(sections: number, shows: number, episodes: number): FakePlexLibrary {
  const library: FakePlexLibrary = { machineIdentifier: 'jobs-test-server', sections: [], items: {}, leaves: {} };
  for (let s = 1; s <= sections; s++) {
    library.sections.push({ key: String(s), type: 'show', title: `Shows ${s}`, Location: [{ id: s, path: `/tv${s}` }] });
    library.items[String(s)] = [];
    for (let t = 1; t <= shows; t++) {
      const ratingKey = String(s * 1000 + t);
      const name = `Show ${s}-${t}`;
      library.items[String(s)]!.push({ ratingKey, type: 'show', title: name, year: 2000, updatedAt: 1_700_000_000 });
      library.leaves[ratingKey] = Array.from({ length: episodes }, (_, e): FakeItem => ({
        ratingKey: `${ratingKey}${String(e + 1).padStart(3, '0')}`,
        type: 'episode',
        title: `Episode ${e + 1}`,
        index: e + 1,
        parentIndex: 1,
        grandparentTitle: name,
        updatedAt: 1_700_000_000,
        Media: [
          {
            id: s * 100_000 + t * 1000 + e,
            duration: 1_320_000,
            Part: [{ id: s * 100_000 + t * 1000 + e, file: `/tv${s}/${name}/S01E${e + 1}.mkv`, size: 1000 + e }],
          },
        ],
      }));
    }
  }
  return library;
}

async function plexCollections(api: RetrovueClient, plex: FakePlex, extra: Record<string, unknown> = {}, pageSize = 2) {
  const source = await api.sources.create.mutate({
    kind: 'plex',
    name: 'plex',
    config: { baseUrl: plex.url, token: plex.token, pageSize, timeoutMs: 5000 },
  });
  const collections = await api.collections.discover.mutate({ sourceId: source.id });
  for (const c of collections)
    await api.collections.update.mutate({ id: c.id, enabled: true, config: { ...(c.config ?? {}), ...extra } as never });
  return collections;
}

const ACTIVE = ['queued', 'running'];

/** Jobs run in other processes here: wait longer than the default. */
const untilJob = <T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000) =>
  until(what, probe, done, timeoutMs);

const finished = (api: RetrovueClient, jobId: string) =>
  untilJob(
    `job ${jobId} to end`,
    () => api.ingest.status.query({ jobId }),
    (j) => !ACTIVE.includes(j.state),
  );

// ---------------------------------------------------------------------------------------------
// child processes: `npm start` and `npm run worker`, on a database of their own

interface Child {
  process: ChildProcess;
  ready: Promise<string>;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function spawnChild(script: 'server/main.ts' | 'server/worker.ts', env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      RETROVUE_JOB_POLL_SECONDS: '0.5',
      RETROVUE_JOB_RETRY_DELAY_SECONDS: '0',
      RETROVUE_JOB_STALE_SECONDS: '2',
      RETROVUE_SCHEDULE_TICK_SECONDS: '3600',
      RETROVUE_INGEST_BATCH_SIZE: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output) ?? /"worker":"([^"]+)","concurrency"/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
  ready.catch(() => undefined);
  return {
    process: child,
    ready,
    output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Where child processes keep their data: a scratch PostgreSQL database, or a PGlite directory. */
interface ChildDatabase {
  env: Record<string, string>;
  open(): Knex;
  drop(): Promise<void>;
}

async function childDatabase(label: string): Promise<ChildDatabase> {
  if (ON_POSTGRES) {
    const scratch: ScratchDatabase = await createScratchDatabase(label);
    const url = scratch.target.kind === 'postgres' ? scratch.target.url : '';
    return { env: { DATABASE_URL: url }, open: () => scratch.db, drop: () => scratch.drop() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `retrovue-${label}-`));
  let opened: Knex | undefined;
  return {
    env: { DATABASE_URL: '', RETROVUE_DATA_DIR: dir },
    open: () => (opened ??= createKnex({ kind: 'pglite', dir: path.join(dir, 'pgdata') })),
    drop: async () => {
      await opened?.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('ingest jobs (durable, shared)', function () {
  this.timeout(120_000);
  let plex: FakePlex;
  afterEach(() => plex?.close());

  it('a second start returns the running job; status and keyset-paged list with filters', async () => {
    plex = await startFakePlex(generatedLibrary(2, 2, 3));
    plex.setLatency(20);
    const [first, second] = await plexCollections(client(), plex);
    const [a, b] = await Promise.all([
      client().ingest.start.mutate({ collectionId: first!.id }),
      client().ingest.start.mutate({ collectionId: first!.id }),
    ]);
    assert.equal(a.id, b.id, 'one active run per collection');
    const other = await client().ingest.start.mutate({ collectionId: second!.id });
    assert.notEqual(other.id, a.id);
    const done = await finished(client(), a.id);
    assert.equal(done.state, 'done');
    assert.equal(done.report!.items, 6);
    assert.equal(done.progress.itemsDone, 6);
    assert.ok(done.progress.batchesDone >= 1);
    assert.ok(done.progress.itemsPerSecond > 0);
    assert.equal(done.progress.phase, 'done');
    await finished(client(), other.id);
    const again = await client().ingest.collection.mutate({ collectionId: first!.id });
    assert.equal(again.state, 'done');
    assert.equal(again.report!.rowsWritten, 0);

    const page1 = await client().ingest.list.query({ limit: 2 });
    assert.deepEqual(
      page1.items.map((j) => j.id),
      [again.id, other.id],
      'recent first',
    );
    const page2 = await client().ingest.list.query({ limit: 2, cursor: page1.nextCursor! });
    assert.deepEqual(
      page2.items.map((j) => j.id),
      [a.id],
    );
    assert.equal(page2.nextCursor, null);
    const ofFirst = await client().ingest.list.query({ limit: 10, collectionId: first!.id, state: 'done' });
    assert.deepEqual(ofFirst.items.map((j) => j.id).sort(), [a.id, again.id].sort());
    assert.equal((await client().ingest.list.query({ limit: 10, state: 'failed' })).items.length, 0);
    await expectError(client().ingest.list.query({ limit: 2, cursor: page1.nextCursor!, state: 'done' }), 'BAD_REQUEST');
    await expectError(client().ingest.status.query({ jobId: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });

  it('cancel stops a running job after its current batch; what it committed stays, and a new start runs again', async () => {
    plex = await startFakePlex(generatedLibrary(1, 24, 50));
    // The Plex pull writes in batches of 500 across shows: 1,200 episodes make several batches, and a
    // slow server leaves time to cancel between them.
    plex.setLatency(200);
    const [collection] = await plexCollections(client(), plex, {}, 50);
    const job = await client().ingest.start.mutate({ collectionId: collection!.id });
    await untilJob(
      'progress',
      () => client().ingest.status.query({ jobId: job.id }),
      (j) => j.progress.itemsDone >= 1,
    );
    plex.setLatency(1500); // the rest of the pull crawls: the cancel lands before the last batch
    const cancelled = await client().ingest.cancel.mutate({ jobId: job.id });
    assert.equal(cancelled.state, 'cancelled');
    assert.ok(cancelled.finishedAt instanceof Date);
    await new Promise((r) => setTimeout(r, 400)); // a batch in flight commits, then the run stops
    const settled = await client().ingest.status.query({ jobId: job.id });
    await new Promise((r) => setTimeout(r, 400));
    const later = await client().ingest.status.query({ jobId: job.id });
    assert.equal(later.state, 'cancelled');
    assert.equal(later.progress.itemsDone, settled.progress.itemsDone, 'no progress after cancel');
    assert.ok(later.progress.itemsDone < 1200);
    assert.equal((await client().ingest.cancel.mutate({ jobId: job.id })).state, 'cancelled', 'cancel again: no-op');

    plex.setLatency(0);
    const rerun = await client().ingest.collection.mutate({ collectionId: collection!.id });
    assert.notEqual(rerun.id, job.id);
    assert.equal(rerun.state, 'done');
    const counts = await snapshotCounts(db());
    assert.equal(counts.episodes, 1200);
    assert.equal(counts.assets, 1200);
    await expectError(client().ingest.cancel.mutate({ jobId: rerun.id }), 'CONFLICT');
    await expectError(client().ingest.cancel.mutate({ jobId: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });

  it('a failing job is retried with backoff, then ends failed with its error, which reaches every waiter', async () => {
    plex = await startFakePlex(generatedLibrary(1, 1, 2));
    const [collection] = await plexCollections(client(), plex);
    plex.failNext(1000, 500);
    // Two waiters (ingest.collection) and a starter agree on one job and one error.
    const waits = [1, 2].map(() =>
      client()
        .ingest.collection.mutate({ collectionId: collection!.id })
        .then(
          () => assert.fail('should fail'),
          (err: { data?: { code?: string }; message: string }) => err,
        ),
    );
    const errors = await Promise.all(waits);
    for (const err of errors) {
      assert.equal(err.data?.code, 'BAD_GATEWAY');
      assert.match(err.message, /HTTP 500/);
    }
    const [job] = (await client().ingest.list.query({ limit: 5, collectionId: collection!.id })).items;
    assert.equal(job!.state, 'failed');
    assert.equal(job!.attempts, 2, 'the first run and one retry (the test queue retries once)');
    assert.equal(job!.error!.code, 'BAD_GATEWAY');
    assert.ok(job!.finishedAt instanceof Date);
    // Failed runs live on their job rows; the process keeps nothing of them (issue 10, point 9).
    // (the worker lets go of the job just after storing its end, so wait a moment for that)
    await untilJob(
      'the worker to let go',
      async () => queue().inMemory(),
      (m) => m.running === 0 && m.waiters === 0,
      5000,
    );

    // Backoff: a queue configured with a retry delay leaves the failed run waiting before its retry.
    const delayed = new IngestQueue(db(), { log: testLogger, worker: false, retryLimit: 2, retryDelaySeconds: 2 });
    const started = await delayed.enqueue(collection!.id);
    try {
      const waiting = await untilJob(
        'the first failure',
        () => queue().get(started.id),
        (j) => j.attempts === 1 && j.state === 'queued' && j.error !== null,
      );
      assert.equal(waiting.error!.code, 'BAD_GATEWAY');
      assert.equal(waiting.progress.phase, 'retrying');
      // pg-boss records the retry just after the row (the handler's throw reaches it last).
      const retry = await untilJob(
        'pg-boss to schedule the retry',
        async () =>
          (
            (await db().raw(
              `SELECT state, retry_backoff, extract(epoch FROM start_after - now()) AS wait FROM pgboss.job WHERE id = ?`,
              [started.id],
            )) as { rows: Array<{ state: string; retry_backoff: boolean; wait: number }> }
          ).rows[0]!,
        (row) => row.state !== 'active',
        5000,
      );
      assert.equal(retry.state, 'retry');
      assert.equal(retry.retry_backoff, true);
      assert.ok(Number(retry.wait) > 0.5, `the retry waits (${retry.wait}s)`);
    } finally {
      await delayed.cancel(started.id).catch(() => undefined);
      await delayed.stop();
    }
  });

  it('a collection configured with resyncIntervalSeconds is re-synced by the scheduler, never overlapping', async () => {
    plex = await startFakePlex(generatedLibrary(1, 2, 4));
    plex.setLatency(20);
    const [collection] = await plexCollections(client(), plex, { resyncIntervalSeconds: 1 });
    const jobs = await untilJob(
      'two scheduled runs',
      () => client().ingest.list.query({ limit: 10, collectionId: collection!.id }),
      (page) => page.items.filter((j) => j.trigger === 'schedule' && j.state === 'done').length >= 2,
      30_000,
    );
    // Stop scheduling before asserting (an interval of 1 s keeps queuing runs).
    const updated = await client().collections.get.query({ id: collection!.id });
    await client().collections.update.mutate({ id: collection!.id, config: { ...updated.config, resyncIntervalSeconds: null } });
    const runs = jobs.items.filter((j) => j.state === 'done').reverse();
    for (let i = 1; i < runs.length; i++)
      assert.ok(runs[i]!.createdAt >= runs[i - 1]!.finishedAt!, 'a scheduled run starts only after the previous one ended');
    assert.equal(runs[0]!.report!.byKind.episodes.created, 8);
    assert.equal(runs[1]!.report!.rowsWritten, 0);
    // Off by default: a collection without the setting is never scheduled.
    await queue().scheduleDue();
    const settled = await untilJob(
      'the last run to end',
      () => client().ingest.list.query({ limit: 50, collectionId: collection!.id }),
      (page) => page.items.every((j) => !ACTIVE.includes(j.state)),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const after = await client().ingest.list.query({ limit: 50, collectionId: collection!.id });
    assert.equal(after.items.length, settled.items.length, 'no run once the interval is removed');
  });

  it('survives SIGKILL of the server mid-ingest: the job resumes on restart, same catalogue, nothing duplicated', async () => {
    plex = await startFakePlex(generatedLibrary(1, 4, 10));
    const database = await childDatabase('kill');
    let server: Child | undefined;
    try {
      server = spawnChild('server/main.ts', database.env);
      let api = createRetrovueClient({ url: await server.ready });
      const [collection] = await plexCollections(api, plex);
      plex.setLatency(40);
      const job = await api.ingest.start.mutate({ collectionId: collection!.id });
      const before = await untilJob(
        'progress',
        () => api.ingest.status.query({ jobId: job.id }),
        (j) => j.progress.itemsDone >= 8,
      );
      await server.kill('SIGKILL');
      plex.setLatency(0);

      server = spawnChild('server/main.ts', database.env);
      api = createRetrovueClient({ url: await server.ready });
      const done = await finished(api, job.id);
      assert.equal(done.state, 'done', JSON.stringify(done.error));
      assert.equal(done.attempts, 2, 'resumed once');
      // What the killed run committed is not written again.
      assert.ok(
        done.report!.byKind.episodes.created <= 40 - before.progress.itemsDone,
        `resumed run created ${done.report!.byKind.episodes.created} episodes after ${before.progress.itemsDone} were committed`,
      );
      await server.kill('SIGTERM');
      server = undefined;

      // The same library ingested without interruption, in the test database.
      await plexCollections(client(), plex);
      const [reference] = (await client().collections.list.query({ limit: 10 })).items;
      await client().ingest.collection.mutate({ collectionId: reference!.id });
      const resumed = database.open();
      assert.deepEqual(await snapshotCounts(resumed), await snapshotCounts(db()));
      const dupes = await resumed.raw(`SELECT uri FROM assets GROUP BY uri HAVING count(*) > 1`);
      assert.deepEqual(dupes.rows, []);
      const { n } = (await resumed('ingest_jobs').count({ n: '*' }).first()) as { n: number };
      assert.equal(Number(n), 1);
    } finally {
      await server?.kill();
      await database.drop();
    }
  });

  describe('several processes on one PostgreSQL', () => {
    before(function () {
      if (!ON_POSTGRES) this.skip();
    });

    it('two API replicas and two workers: one run per collection, jobs spread over both workers, none twice, status agrees', async () => {
      plex = await startFakePlex(generatedLibrary(6, 2, 4));
      const database = await childDatabase('replicas');
      const children: Child[] = [];
      try {
        const env = { ...database.env, RETROVUE_WORKER_CONCURRENCY: '1' };
        children.push(
          spawnChild('server/main.ts', { ...env, RETROVUE_WORKER: 'off' }),
          spawnChild('server/main.ts', { ...env, RETROVUE_WORKER: 'off' }),
          spawnChild('server/worker.ts', env),
          spawnChild('server/worker.ts', env),
        );
        const [urlA, urlB, workerA, workerB] = await Promise.all(children.map((c) => c.ready));
        const apiA = createRetrovueClient({ url: urlA! });
        const apiB = createRetrovueClient({ url: urlB! });
        const collections = await plexCollections(apiA, plex);
        plex.setLatency(30);

        // Both replicas start every collection at once: one job each.
        const started = await Promise.all(
          collections.flatMap((c) => [
            apiA.ingest.start.mutate({ collectionId: c.id }),
            apiB.ingest.start.mutate({ collectionId: c.id }),
          ]),
        );
        for (let i = 0; i < started.length; i += 2) assert.equal(started[i]!.id, started[i + 1]!.id);
        const ids = started.filter((_, i) => i % 2 === 0).map((j) => j.id);
        const done: IngestJob[] = [];
        for (const id of ids) done.push(await finished(apiB, id));
        for (const job of done) {
          assert.equal(job.state, 'done');
          assert.equal(job.attempts, 1, 'no job ran twice');
          assert.deepEqual(await apiA.ingest.status.query({ jobId: job.id }), job, 'both replicas report the same');
        }
        assert.deepEqual(new Set(done.map((j) => j.worker)), new Set([workerA, workerB]), 'jobs spread over both workers');
        const counts = await snapshotCounts(database.open());
        assert.equal(counts.episodes, 6 * 2 * 4);
        assert.equal(counts.assets, 6 * 2 * 4);
        const list = await apiB.ingest.list.query({ limit: 50 });
        assert.equal(list.items.length, 6);
      } finally {
        await Promise.all(children.map((c) => c.kill()));
        await database.drop();
      }
    });
  });
});
