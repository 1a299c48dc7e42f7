import type { Knex } from 'knex';
import type PgBoss from 'pg-boss';
import { withActor } from '../db/actor.js';
import type { Logger } from '../logger.js';
import { pruneChangeLog } from './changes.js';

/** Ended live (targeted) ingest jobs older than the retention; returns how many were deleted. */
export async function pruneLiveJobs(db: Knex, retentionDays: number): Promise<number> {
  return db('ingest_jobs')
    .where({ kind: 'live' })
    .whereNotIn('state', ['queued', 'running'])
    .whereRaw('finished_at < now() - make_interval(days => ?)', [retentionDays])
    .delete();
}

/** The pg-boss queue of the change log's retention job. */
export const PRUNE_QUEUE = 'change-log-prune';
/** Hourly, at minute 17 (pg-boss sends a scheduled job once across every process on the database). */
export const PRUNE_CRON = '17 * * * *';

export interface PruneOptions {
  log: Logger;
  /** Entries older than this many days are deleted (RETROVUE_CHANGE_LOG_RETENTION_DAYS). */
  retentionDays: number;
  /** Whether this process works jobs (the schedule itself is kept by every process). */
  worker: boolean;
}

/**
 * Registers the change log's retention as a scheduled pg-boss job on the queue's own pg-boss
 * (called once from IngestQueue's boot): the schedule, and a worker in worker processes.
 */
export async function registerChangeLogPrune(
  boss: PgBoss,
  db: Knex,
  { log, retentionDays, worker }: PruneOptions,
): Promise<void> {
  await boss.createQueue(PRUNE_QUEUE);
  await boss.schedule(PRUNE_QUEUE, PRUNE_CRON, {}, { retryLimit: 2 });
  if (!worker) return;
  // An hourly job needs no quick pickup: one look every 30 s keeps the embedded database's one connection free.
  await boss.work(PRUNE_QUEUE, { pollingIntervalSeconds: 30 }, async () => {
    const deleted = await withActor('system', () => pruneChangeLog(db, retentionDays));
    if (deleted > 0) log.info({ deleted, retentionDays }, 'change log pruned');
    // Live sync's ended targeted jobs are kept as long as the log entries they wrote (their actor names them).
    const jobs = await pruneLiveJobs(db, retentionDays);
    if (jobs > 0) log.info({ jobs, retentionDays }, 'ended live ingest jobs pruned');
  });
}
