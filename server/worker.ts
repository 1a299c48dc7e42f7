import { loadConfig } from './config.js';
import { withActor } from './db/actor.js';
import { createKnex, targetFrom } from './db/knex.js';
import { createLogger } from './logger.js';
import { IngestQueue } from './services/ingest/queue.js';
import { LiveSync } from './services/live/supervisor.js';

/**
 * A worker without the API (`npm run worker`): runs queued ingest jobs and scheduled re-syncs from
 * the shared PostgreSQL database. Run as many as you like next to API replicas started with
 * RETROVUE_WORKER=off. (The embedded database has one owning process: there `npm start` works jobs.)
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (!config.databaseUrl) {
    log.fatal('npm run worker needs DATABASE_URL (PostgreSQL); on the embedded database `npm start` works jobs itself');
    process.exit(1);
  }
  const db = createKnex(targetFrom(config.databaseUrl, config.pgliteDir), undefined, log);
  await withActor('migration', () => db.migrate.latest());
  const queue = new IngestQueue(db, { log, ...config.jobs, worker: true, changeLogRetentionDays: config.changeLogRetentionDays });
  await queue.start();
  const live = new LiveSync(db, queue, config.live, log, { batchSize: config.jobs.batchSize });
  await live.start();
  log.info({ worker: queue.workerId, concurrency: config.jobs.concurrency }, 'worker started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping worker');
    await live.stop();
    await queue.stop(config.shutdownGraceMs);
    await db.destroy();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('retrovue worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
