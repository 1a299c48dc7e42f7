import { EventEmitter } from 'node:events';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import PgBoss from 'pg-boss';
import { badRequest, conflict, mapError, notFound, ServiceError, type ServiceErrorCode } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { JOB_KINDS, JOB_STATES, LIVE_REASONS } from '../../schemas.js';
import type { IngestProgress, IngestReport } from './core.js';
import { ingestableCollection, runCollectionAttempt } from './jobs.js';
import { isEmbedded } from '../../db/knex.js';
import { withActor } from '../../db/actor.js';
import { DEFAULT_RETENTION_DAYS } from '../changes.js';
import { registerChangeLogPrune } from '../changeLogPrune.js';

/**
 * Collection ingests as durable jobs shared by every process on one database.
 *
 * pg-boss (a PostgreSQL job queue: SKIP LOCKED fetch, retries with backoff, expiry) delivers each
 * job to one worker; it runs on the connection we hand it, so the embedded PGlite database works
 * as well as PostgreSQL. The `ingest_jobs` row is what callers see on any replica (state, stored
 * progress, report, error); its partial unique index makes "one active run per collection" a rule
 * of the database, not of one process. A worker that dies (SIGKILL, lost host) stops beating its
 * heartbeat; another worker fails its pg-boss job, which pg-boss retries with backoff, and the
 * retry skips what the dead run committed (each batch is its own transaction).
 */

export type JobState = (typeof JOB_STATES)[number];
export type JobTrigger = 'manual' | 'schedule';
export type JobKind = (typeof JOB_KINDS)[number];
export type LiveReason = (typeof LIVE_REASONS)[number];

/** The pg-boss queue of live sync's targeted ingests (rows of kind `live`). */
export const LIVE_QUEUE = 'ingest-live';

/** A targeted ingest's work (server/services/live/targeted.ts). */
export interface LiveTarget {
  collectionId: string;
  /** Source keys (Plex ratingKeys, folder-relative paths) reported changed or added... */
  changed: string[];
  /** ...and deleted. Both are checked against the source: what it no longer has is marked missing. */
  deleted: string[];
  reason: LiveReason;
}

/** What a live job's handler reports: `deferred` when a full ingest of its collection was running. */
export interface LiveOutcome {
  deferred: boolean;
  report: IngestReport | null;
}

export interface JobProgress {
  itemsDone: number;
  batchesDone: number;
  itemsPerSecond: number;
  /** queued, starting, ingesting, finishing, interrupted, done, failed, cancelled */
  phase: string;
}

export interface IngestJob {
  id: string;
  collectionId: string;
  state: JobState;
  trigger: JobTrigger;
  kind: JobKind;
  /** A live job's work: why, and how many keys it names (null for a collection run). */
  live: { reason: LiveReason; changed: number; deleted: number } | null;
  /** Runs started so far (a retry after a failure or a dead worker is one more). */
  attempts: number;
  worker: string | null;
  progress: JobProgress;
  report: IngestReport | null;
  error: { code: string; message: string } | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
}

export interface QueueOptions {
  log: Logger;
  /** Work jobs in this process (RETROVUE_WORKER); API-only replicas set false. */
  worker?: boolean;
  /** Jobs one worker process runs at a time. */
  concurrency?: number;
  /** Retries after a failed run (then the job ends `failed`). */
  retryLimit?: number;
  /** First retry delay; doubled (with jitter) on each further retry by pg-boss. */
  retryDelaySeconds?: number;
  /** How often an idle worker looks for jobs (pg-boss minimum 0.5 s); a local start wakes it at once. */
  pollSeconds?: number;
  /** A running job whose worker has not beaten its heartbeat for this long is taken as dead. */
  staleSeconds?: number;
  /** This process is the database's only user (embedded PGlite): any `running` job at start is an orphan. */
  exclusive?: boolean;
  /** How often workers look for collections due for a scheduled re-sync. */
  scheduleTickSeconds?: number;
  /** Items per write transaction. */
  batchSize?: number;
  /** Change log retention, pruned by a scheduled job (services/changeLogPrune.ts). */
  changeLogRetentionDays?: number;
}

const QUEUE = 'ingest';
const ACTIVE: readonly JobState[] = ['queued', 'running'];
/** Failures worth another try: the source or the database may come back. */
const RETRYABLE = new Set(['BAD_GATEWAY', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'TIMEOUT']);
const SERVICE_CODES = new Set<string>([
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'SERVICE_UNAVAILABLE',
  'BAD_GATEWAY',
]);

/** Thrown between batches when the run must stop: cancelled by a caller, or this process is shutting down. */
class RunStopped extends Error {
  constructor(readonly reason: 'cancelled' | 'shutdown') {
    super(reason);
  }
}

interface Connection {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** PGlite only: several statements in one simple-protocol call. */
  exec?(text: string): Promise<Array<{ rows: unknown[] }>>;
}

/**
 * pg-boss's `db` adapter over knex's own connection (pool or transaction): on PGlite every
 * statement is serialised with the application's, and a job can be sent inside a transaction.
 */
function bossDb(db: Knex): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const conn = (await db.client.acquireConnection()) as Connection;
      try {
        if (values.length === 0 && conn.exec) {
          const results = await conn.exec(text);
          return results[results.length - 1] ?? { rows: [] };
        }
        return await conn.query(text, values);
      } finally {
        await db.client.releaseConnection(conn);
      }
    },
  };
}

interface JobRow {
  id: string;
  collection_id: string;
  state: JobState;
  trigger: JobTrigger;
  kind: JobKind;
  target: Omit<LiveTarget, 'collectionId'> | null;
  attempts: number;
  worker: string | null;
  progress: Partial<JobProgress>;
  report: IngestReport | null;
  error: { code: string; message: string } | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
}

const toJob = (r: JobRow): IngestJob => ({
  id: r.id,
  collectionId: r.collection_id,
  state: r.state,
  trigger: r.trigger,
  kind: r.kind,
  live: r.target && { reason: r.target.reason, changed: r.target.changed.length, deleted: r.target.deleted.length },
  attempts: r.attempts,
  worker: r.worker,
  progress: {
    itemsDone: r.progress.itemsDone ?? 0,
    batchesDone: r.progress.batchesDone ?? 0,
    itemsPerSecond: r.progress.itemsPerSecond ?? 0,
    phase: r.progress.phase ?? r.state,
  },
  report: r.report,
  error: r.error,
  createdAt: new Date(r.created_at),
  startedAt: r.started_at && new Date(r.started_at),
  finishedAt: r.finished_at && new Date(r.finished_at),
  heartbeatAt: r.heartbeat_at && new Date(r.heartbeat_at),
});

export interface ListJobsInput {
  collectionId?: string | undefined;
  state?: JobState | undefined;
  kind?: JobKind | undefined;
  cursor?: string | undefined;
  limit: number;
}

export class IngestQueue {
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly boss: PgBoss;
  private started: Promise<void> | undefined;
  private stopping = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly workIds: string[] = [];
  /** Jobs this process is running: only their ids, for the heartbeat (nothing else is kept). */
  private readonly runningHere = new Set<string>();
  /** Wakes local waiters when a job they wait for ends here; remote ends are seen by polling. */
  private readonly ended = new EventEmitter().setMaxListeners(0);
  private readonly o: Required<Omit<QueueOptions, 'batchSize'>> & Pick<QueueOptions, 'batchSize'>;

  constructor(
    private readonly db: Knex,
    options: QueueOptions,
  ) {
    this.o = {
      worker: true,
      concurrency: 1,
      retryLimit: 3,
      retryDelaySeconds: 10,
      pollSeconds: 2,
      staleSeconds: 60,
      exclusive: false,
      scheduleTickSeconds: 30,
      changeLogRetentionDays: DEFAULT_RETENTION_DAYS,
      ...options,
    };
    this.boss = new PgBoss({
      db: bossDb(db),
      // Collections re-sync by interval since their last run (below); cron only for the change log's retention.
      schedule: true,
      // A dead worker is noticed by its heartbeat; pg-boss's expiry is only the last resort.
      expireInHours: 23,
    });
    this.boss.on('error', (err) => this.o.log.warn({ err: mapError(err).message }, 'job queue error'));
  }

  /** Starts pg-boss (creating or upgrading its schema) and, unless disabled, this process's workers. */
  start(): Promise<void> {
    this.started ??= this.boot();
    return this.started;
  }

  private async boot(): Promise<void> {
    // Processes booting together on a fresh PostgreSQL would race to create pg-boss's schema and
    // queue (seen: a worker failing with "current transaction is aborted"): one at a time, under
    // an advisory lock held by a transaction of its own. The embedded database has one process.
    const startBoss = async () => {
      await this.boss.start();
      await this.boss.createQueue(QUEUE);
      await this.boss.createQueue(LIVE_QUEUE);
      const { log, changeLogRetentionDays: retentionDays, worker } = this.o;
      await registerChangeLogPrune(this.boss, this.db, { log, retentionDays, worker });
    };
    if (this.o.exclusive || isEmbedded(this.db)) await startBoss();
    else
      await this.db.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['retrovue:job-queue:boot']);
        await startBoss();
      });
    if (!this.o.worker) return;
    if (this.o.exclusive) await this.recoverOrphans(0);
    for (let i = 0; i < this.o.concurrency; i++) {
      this.workIds.push(
        await this.boss.work<{ jobId: string }>(
          QUEUE,
          { pollingIntervalSeconds: Math.max(0.5, this.o.pollSeconds), includeMetadata: true },
          // The change log names the job as the author of everything its run writes.
          async ([job]) => withActor(`ingest:${job!.data.jobId}`, () => this.handle(job!)),
        ),
      );
    }
    this.every(Math.max(0.2, this.o.staleSeconds / 3), () => this.beat());
    if (!this.o.exclusive) this.every(Math.max(0.2, this.o.staleSeconds / 2), () => this.recoverOrphans(this.o.staleSeconds));
    this.every(this.o.scheduleTickSeconds, () => this.scheduleDue());
  }

  private every(seconds: number, task: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stopping) return;
      busy = true;
      task()
        .catch((err: unknown) => this.o.log.warn({ err: mapError(err).message }, 'job queue housekeeping failed'))
        .finally(() => (busy = false));
    }, seconds * 1000);
    timer.unref();
    this.timers.push(timer);
  }

  /** Stops fetching; running jobs stop after their current batch and are retried by any worker. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: Math.max(1000, timeoutMs) });
  }

  // -------------------------------------------------------------------------------------------
  // live sync's targeted ingests (server/services/live/): rows of kind `live`, their own pg-boss queue

  /**
   * Queues a targeted ingest: its row (kind `live`, listed by `ingest.list`) and its pg-boss job
   * (which carries only the row id) in one transaction, then wakes local workers.
   */
  async enqueueLive(target: LiveTarget): Promise<IngestJob> {
    await this.start();
    const row = await this.db.transaction(async (trx) => {
      const row = await this.insertLive(trx, target);
      await this.sendLive(row.id, { id: row.id, db: bossDb(trx) });
      return row;
    });
    this.wakeWorkers();
    return toJob(row);
  }

  private async insertLive(db: Knex, { collectionId, reason, changed, deleted }: LiveTarget): Promise<JobRow> {
    const [row] = (await db('ingest_jobs')
      .insert({
        collection_id: collectionId,
        kind: 'live',
        trigger: 'schedule',
        state: 'queued',
        progress: JSON.stringify({ phase: 'queued' }),
        target: JSON.stringify({ reason, changed, deleted }),
      })
      .returning('*')) as JobRow[];
    return row!;
  }

  /** A pg-boss job for a live row. A second one for the same row is harmless: only a `queued` row is claimed. */
  private async sendLive(
    jobId: string,
    options: { id?: string; db?: PgBoss.Db; startAfterSeconds?: number } = {},
  ): Promise<void> {
    await this.boss.send(
      LIVE_QUEUE,
      { jobId },
      {
        retryLimit: this.o.retryLimit,
        retryDelay: this.o.retryDelaySeconds,
        retryBackoff: this.o.retryDelaySeconds > 0,
        ...(options.id ? { id: options.id } : {}),
        ...(options.db ? { db: options.db } : {}),
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      },
    );
  }

  /**
   * Works live jobs in this process (when it is a worker), one at a time; returns a stop function.
   * A deferred job (a full ingest of its collection was running) is queued again `deferSeconds` later,
   * as the same row.
   */
  async workLive(
    run: (target: LiveTarget) => Promise<LiveOutcome>,
    { deferSeconds }: { deferSeconds: number },
  ): Promise<() => Promise<void>> {
    await this.start();
    if (!this.o.worker || this.stopping) return async () => undefined;
    const id = await this.boss.work<LiveMessage>(
      LIVE_QUEUE,
      { pollingIntervalSeconds: Math.max(0.5, this.o.pollSeconds), includeMetadata: true },
      async ([job]) => this.handleLive(job!, run, deferSeconds),
    );
    this.workIds.push(id);
    return async () => {
      const at = this.workIds.indexOf(id);
      if (at < 0) return;
      this.workIds.splice(at, 1);
      await this.boss.offWork({ id });
    };
  }

  private async handleLive(
    job: PgBoss.JobWithMetadata<LiveMessage>,
    run: (target: LiveTarget) => Promise<LiveOutcome>,
    deferSeconds: number,
  ): Promise<void> {
    // A job queued before live jobs had rows carries its work itself: it gets its row now.
    const jobId = 'jobId' in job.data ? job.data.jobId : (await this.insertLive(this.db, job.data)).id;
    // Its writes are logged as `ingest:ingest-live:<job id>` (the id `ingest.status` takes).
    await withActor(`ingest:${LIVE_QUEUE}:${jobId}`, async () => {
      const [claimed] = (await this.db('ingest_jobs')
        .where({ id: jobId, kind: 'live', state: 'queued' })
        .update(this.claimColumns())
        .returning('*')) as JobRow[];
      if (!claimed?.target) return; // cancelled, already running (a second delivery), or its collection deleted
      this.runningHere.add(jobId);
      const begun = performance.now();
      try {
        const outcome = await run({ collectionId: claimed.collection_id, ...claimed.target });
        if (outcome.deferred) {
          await this.db('ingest_jobs')
            .where({ id: jobId, state: 'running' })
            .update({ state: 'queued', progress: this.db.raw(`progress || '{"phase":"deferred"}'`) });
          await this.sendLive(jobId, { startAfterSeconds: deferSeconds });
          return;
        }
        await this.markDone(jobId, outcome.report, begun);
      } catch (err) {
        // pg-boss retries (with backoff) while retries remain; the row says so.
        const { code, message } = mapError(err);
        const retry = job.retryCount < job.retryLimit;
        this.o.log.warn({ jobId, code, message, retry }, 'live: targeted ingest failed');
        await this.endAttempt(jobId, code, message, retry);
        throw err;
      } finally {
        this.runningHere.delete(jobId);
        this.ended.emit(jobId);
      }
    });
  }

  /** The columns a worker sets when it claims a job. */
  private claimColumns() {
    return {
      state: 'running',
      attempts: this.db.raw('attempts + 1'),
      worker: this.workerId,
      started_at: this.db.raw('coalesce(started_at, now())'),
      heartbeat_at: this.db.fn.now(),
      progress: this.db.raw(`progress || '{"phase":"starting"}'`),
    };
  }

  // -------------------------------------------------------------------------------------------
  // what callers do (any replica)

  /** Queues an ingest of the collection, or returns the one already queued or running. */
  async enqueue(collectionId: string, trigger: JobTrigger = 'manual'): Promise<IngestJob> {
    await this.start();
    await ingestableCollection(this.db, collectionId);
    const job = await this.db.transaction(async (trx) => {
      const [row] = await this.insertJobs(trx, [collectionId], trigger);
      if (!row) return undefined;
      await this.send(trx, row.id);
      return row;
    });
    if (job) {
      this.wakeWorkers();
      return toJob(job);
    }
    const active = await this.db<JobRow>('ingest_jobs')
      .where({ collection_id: collectionId, kind: 'collection' })
      .whereIn('state', ACTIVE)
      .first();
    // Ended between our insert and this read: start again (the rule still holds).
    return active ? toJob(active) : this.enqueue(collectionId, trigger);
  }

  private async insertJobs(trx: Knex.Transaction, collectionIds: string[], trigger: JobTrigger): Promise<JobRow[]> {
    const result = (await trx.raw(
      `INSERT INTO ingest_jobs (collection_id, state, trigger, progress)
       SELECT c, 'queued', ?, '{"phase":"queued"}'::jsonb FROM unnest(?::uuid[]) AS c
       ON CONFLICT (collection_id) WHERE state IN ('queued', 'running') AND kind = 'collection' DO NOTHING
       RETURNING *`,
      [trigger, collectionIds],
    )) as { rows: JobRow[] };
    return result.rows;
  }

  /** The pg-boss job shares the row's id and is sent in the row's transaction: neither exists without the other. */
  private async send(trx: Knex.Transaction, jobId: string): Promise<void> {
    await this.boss.send(
      QUEUE,
      { jobId },
      {
        id: jobId,
        retryLimit: this.o.retryLimit,
        retryDelay: this.o.retryDelaySeconds,
        retryBackoff: this.o.retryDelaySeconds > 0,
        db: bossDb(trx),
      },
    );
  }

  private wakeWorkers(): void {
    for (const id of this.workIds) this.boss.notifyWorker(id);
  }

  async get(jobId: string): Promise<IngestJob> {
    const row = await this.db<JobRow>('ingest_jobs').where({ id: jobId }).first();
    if (!row) throw notFound('ingest job', jobId);
    return toJob(row);
  }

  /** Recent jobs first (collection runs and live jobs, or one kind), keyset paged on (created_at, id). */
  async list({
    collectionId,
    state,
    kind,
    cursor,
    limit,
  }: ListJobsInput): Promise<{ items: IngestJob[]; nextCursor: string | null }> {
    const query = this.db<JobRow>('ingest_jobs')
      .select('*', this.db.raw(`json_build_array(created_at, id)::text AS cursor_keys`))
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit + 1);
    if (collectionId) query.where({ collection_id: collectionId });
    if (state) query.where({ state });
    if (kind) query.where({ kind });
    const scope = `jobs:${collectionId ?? ''}:${state ?? ''}${kind ? `:${kind}` : ''}`;
    if (cursor) {
      const [createdAt, id] = decodeCursor(cursor, scope);
      query.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [createdAt, id]);
    }
    const rows = (await query) as Array<JobRow & { cursor_keys: string }>;
    const items = rows.slice(0, limit);
    const last = rows.length > limit ? items[items.length - 1] : undefined;
    return {
      items: items.map(toJob),
      nextCursor: last ? Buffer.from(JSON.stringify({ s: scope, k: JSON.parse(last.cursor_keys) })).toString('base64url') : null,
    };
  }

  /**
   * Cancels a queued or running job (a running collection run stops after its current batch; a running
   * live job, a handful of items, is not interrupted). An ended job is refused.
   */
  async cancel(jobId: string): Promise<IngestJob> {
    await this.start();
    const [row] = (await this.db('ingest_jobs')
      .where({ id: jobId })
      .whereIn('state', ACTIVE)
      .update({ state: 'cancelled', finished_at: this.db.fn.now(), progress: this.db.raw(`progress || '{"phase":"cancelled"}'`) })
      .returning('*')) as JobRow[];
    if (!row) {
      const job = await this.get(jobId);
      if (job.state === 'cancelled') return job;
      throw conflict(`the ingest job already ended (${job.state})`);
    }
    // A live row's later pg-boss jobs (deferrals, retries) find it cancelled and do nothing.
    await this.boss.cancel(row.kind === 'live' ? LIVE_QUEUE : QUEUE, jobId);
    this.ended.emit(jobId);
    return toJob(row);
  }

  /** What this process holds in memory about jobs: only those running here and their waiters (issue 10: nothing kept forever). */
  inMemory(): { running: number; waiters: number } {
    return {
      running: this.runningHere.size,
      waiters: this.ended.eventNames().reduce((n, e) => n + this.ended.listenerCount(e), 0),
    };
  }

  /** `ingest.collection`: queues (or joins) the collection's run and waits for its end. */
  async runAndWait(collectionId: string): Promise<IngestJob> {
    return this.wait((await this.enqueue(collectionId)).id);
  }

  /**
   * Waits for a job to end, here or on any other process. A failed job's error reaches every waiter
   * with the code it failed with; a cancelled job is returned as it stands.
   */
  async wait(jobId: string, pollMs = 250): Promise<IngestJob> {
    for (;;) {
      const job = await this.get(jobId);
      if (job.state === 'failed') {
        const { code, message } = job.error ?? { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' };
        throw SERVICE_CODES.has(code) ? new ServiceError(code as ServiceErrorCode, message) : new Error(message);
      }
      if (!ACTIVE.includes(job.state)) return job;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.ended.off(jobId, done);
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        this.ended.on(jobId, done);
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // what workers do

  private async handle(job: PgBoss.JobWithMetadata<{ jobId: string }>): Promise<void> {
    const jobId = job.data.jobId;
    const [claimed] = (await this.db('ingest_jobs')
      .where({ id: jobId })
      .whereIn('state', ACTIVE)
      .update(this.claimColumns())
      .returning('*')) as JobRow[];
    if (!claimed) return; // cancelled (or its collection deleted) before it started
    this.runningHere.add(jobId);
    const begun = performance.now();
    try {
      const report = await runCollectionAttempt(this.db, claimed.collection_id, {
        afterBatch: (progress) => this.recordProgress(jobId, progress, begun),
        ...(this.o.batchSize ? { batchSize: this.o.batchSize } : {}),
      });
      await this.markDone(jobId, report, begun);
    } catch (err) {
      if (err instanceof RunStopped && err.reason === 'cancelled') return;
      await this.recordFailure(job, err);
    } finally {
      this.runningHere.delete(jobId);
      this.ended.emit(jobId);
    }
  }

  /** Stores progress and beats the heartbeat; stops the run if it was cancelled or this process is stopping. */
  private async recordProgress(jobId: string, progress: IngestProgress, begun: number): Promise<void> {
    const updated = await this.db('ingest_jobs')
      .where({ id: jobId, state: 'running', worker: this.workerId })
      .update({
        progress: JSON.stringify(progressOf(progress.itemsDone, progress.batchesDone, begun, 'ingesting')),
        report: JSON.stringify(progress.report),
        heartbeat_at: this.db.fn.now(),
      });
    if (updated === 0) throw new RunStopped('cancelled');
    if (this.stopping) throw new RunStopped('shutdown');
  }

  /** A queued job whose retries are used up: failed (it keeps the error its last attempt left). */
  private async failQueued(jobId: string): Promise<void> {
    await this.db('ingest_jobs')
      .where({ id: jobId, state: 'queued' })
      .update({ state: 'failed', finished_at: this.db.fn.now(), progress: this.db.raw(`progress || '{"phase":"failed"}'`) });
  }

  /** A running job that ended well: done, with its report (a live job may have none) and final progress. */
  private async markDone(jobId: string, report: IngestReport | null | undefined, begun: number): Promise<void> {
    await this.db('ingest_jobs')
      .where({ id: jobId, state: 'running' })
      .update({
        state: 'done',
        report: report && JSON.stringify(report),
        error: null,
        finished_at: this.db.fn.now(),
        progress: this.db.raw(`progress || ?::jsonb`, [JSON.stringify(progressOf(report?.items ?? 0, null, begun, 'done'))]),
      });
  }

  /** A failed attempt of a running job: queued again while retries remain (pg-boss retries it), else failed, with its error. */
  private async endAttempt(jobId: string, code: string, message: string, retry: boolean): Promise<void> {
    await this.db('ingest_jobs')
      .where({ id: jobId, state: 'running' })
      .update({
        state: retry ? 'queued' : 'failed',
        error: JSON.stringify({ code, message }),
        finished_at: retry ? null : this.db.fn.now(),
        progress: this.db.raw(`progress || ?::jsonb`, [JSON.stringify({ phase: retry ? 'retrying' : 'failed' })]),
      });
  }

  /**
   * A failed run: retried by pg-boss (with backoff) while retries remain and the failure may pass,
   * else the job ends `failed` with its error, which every waiter receives.
   */
  private async recordFailure(job: PgBoss.JobWithMetadata<{ jobId: string }>, err: unknown): Promise<void> {
    const jobId = job.data.jobId;
    const { code, message } =
      err instanceof RunStopped
        ? { code: 'SERVICE_UNAVAILABLE', message: 'the worker running it shut down; it resumes on the next worker' }
        : mapError(err);
    const retry = RETRYABLE.has(code) && job.retryCount < job.retryLimit;
    if (!(err instanceof RunStopped)) this.o.log.warn({ jobId, code, message, retry }, 'ingest job failed');
    await this.endAttempt(jobId, code, message, retry);
    if (retry) throw err instanceof Error ? err : new Error(message); // pg-boss schedules the retry
    // Not worth retrying: end the pg-boss job now (completing it instead would read as success).
    await this.boss.fail(QUEUE, jobId, { code, message });
  }

  private async beat(): Promise<void> {
    if (this.runningHere.size === 0) return;
    await this.db('ingest_jobs')
      .whereIn('id', [...this.runningHere])
      .where({ state: 'running', worker: this.workerId })
      .update({ heartbeat_at: this.db.fn.now() });
  }

  /**
   * Jobs left `running` by a worker that died: back to `queued`, and their pg-boss jobs failed so
   * that pg-boss retries them with backoff (or ends them failed when retries ran out).
   */
  private async recoverOrphans(staleSeconds: number): Promise<void> {
    const orphans = (await this.db('ingest_jobs')
      .where({ state: 'running' })
      .whereRaw('heartbeat_at < now() - make_interval(secs => ?)', [staleSeconds])
      .modify((q) => {
        if (this.runningHere.size) q.whereNotIn('id', [...this.runningHere]);
      })
      .update({
        state: 'queued',
        error: JSON.stringify({ code: 'SERVICE_UNAVAILABLE', message: 'the worker running it stopped; retried' }),
        progress: this.db.raw(`progress || '{"phase":"interrupted"}'`),
      })
      .returning(['id', 'kind', 'attempts'])) as Array<{ id: string; kind: JobKind; attempts: number }>;
    if (orphans.length === 0) return;
    this.o.log.warn({ jobs: orphans.map((o) => o.id) }, 'resuming ingest jobs whose worker stopped');
    // Live jobs: a new pg-boss job for the row (the dead one's, if pg-boss ever retries it, finds the
    // row claimed or ended and does nothing), unless the row has used up its retries.
    for (const o of orphans.filter((o) => o.kind === 'live')) {
      if (o.attempts > this.o.retryLimit) await this.failQueued(o.id);
      else await this.sendLive(o.id);
    }
    const ids = orphans.filter((o) => o.kind === 'collection').map((o) => o.id);
    if (ids.length === 0) return this.wakeWorkers();
    await this.boss.fail(QUEUE, ids);
    // Retries exhausted: pg-boss ended them failed; so does the row.
    for (const id of ids) {
      const boss = await this.boss.getJobById(QUEUE, id, { includeArchive: true });
      if (boss && boss.state !== 'retry' && boss.state !== 'created') await this.failQueued(id);
    }
    this.wakeWorkers();
  }

  /**
   * Queues a re-sync for every enabled collection whose config sets `resyncIntervalSeconds` and
   * whose last run began longer ago than that; never while one is queued or running.
   */
  async scheduleDue(): Promise<IngestJob[]> {
    const jobs = await this.db.transaction(async (trx) => {
      const due = (await trx.raw(
        `SELECT c.id FROM source_collections c
         WHERE c.enabled AND jsonb_typeof(c.config->'resyncIntervalSeconds') = 'number'
           AND (c.config->>'resyncIntervalSeconds')::float8 >= 1
           AND NOT EXISTS (SELECT 1 FROM ingest_jobs j WHERE j.collection_id = c.id AND j.kind = 'collection'
                 AND (j.state IN ('queued', 'running')
                      OR j.created_at > now() - make_interval(secs => (c.config->>'resyncIntervalSeconds')::float8)))`,
      )) as { rows: Array<{ id: string }> };
      if (due.rows.length === 0) return [];
      const rows = await this.insertJobs(
        trx,
        due.rows.map((r) => r.id),
        'schedule',
      );
      for (const row of rows) await this.send(trx, row.id);
      return rows;
    });
    if (jobs.length) {
      this.o.log.info({ jobs: jobs.map((j) => j.id) }, 'scheduled re-sync queued');
      this.wakeWorkers();
    }
    return jobs.map(toJob);
  }
}

function progressOf(itemsDone: number, batchesDone: number | null, begun: number, phase: string): Partial<JobProgress> {
  const seconds = (performance.now() - begun) / 1000;
  return {
    itemsDone,
    ...(batchesDone === null ? {} : { batchesDone }),
    itemsPerSecond: seconds > 0 ? Math.round((itemsDone / seconds) * 10) / 10 : 0,
    phase,
  };
}

function decodeCursor(cursor: string, scope: string): [string, string] {
  try {
    const { s, k } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (s === scope && Array.isArray(k) && k.length === 2 && k.every((v) => typeof v === 'string' && v.length < 100))
      return k as [string, string];
  } catch {
    // fall through
  }
  throw badRequest('invalid cursor (it belongs to another list or query)');
}

/** A live job's pg-boss message: its row id (or, queued by an older version, the work itself). */
type LiveMessage = { jobId: string } | LiveTarget;

const queues = new WeakMap<Knex, IngestQueue>();

/** One queue per database handle in a process (several apps on one handle share it); made on first use. */
export function sharedQueue(db: Knex, options: QueueOptions): IngestQueue {
  let queue = queues.get(db);
  if (!queue) {
    queue = new IngestQueue(db, options);
    queues.set(db, queue);
  }
  return queue;
}
