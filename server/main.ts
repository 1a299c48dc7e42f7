import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { withActor } from './db/actor.js';
import { createKnex, targetFrom } from './db/knex.js';
import { createLogger } from './logger.js';
import { IngestQueue } from './services/ingest/queue.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (!LOOPBACK.test(config.host) && config.apiTokens.length === 0) {
    log.fatal({ host: config.host }, 'refusing to listen on a non-loopback host without RETROVUE_API_TOKEN');
    process.exit(1);
  }
  const target = targetFrom(config.databaseUrl, config.pgliteDir);
  const db = createKnex(target, undefined, log, config.dbTimeouts);
  // Migrations may run longer than a request's statement timeout: on PostgreSQL they get their own connection.
  const migrator = target.kind === 'postgres' ? createKnex(target, { min: 0, max: 1 }, log) : db;
  const [, migrations] = (await withActor('migration', () => migrator.migrate.latest())) as [number, string[]];
  if (migrator !== db) await migrator.destroy();
  log.info({ database: target.kind === 'postgres' ? 'postgres' : `pglite:${config.pgliteDir}`, applied: migrations }, 'migrated');

  // The embedded database has one owner, this process: jobs it left running died with it.
  const queue = new IngestQueue(db, {
    log,
    ...config.jobs,
    exclusive: target.kind !== 'postgres',
    changeLogRetentionDays: config.changeLogRetentionDays,
  });
  await queue.start();
  log.info({ worker: config.jobs.worker, concurrency: config.jobs.concurrency }, 'job queue started');

  const app = createApp({
    db,
    log,
    apiTokens: config.apiTokens,
    maxBodyBytes: config.maxBodyBytes,
    queue,
    changesPollMs: config.changesPollMs,
  });
  const server: Server = app.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    log.info({ url: `http://${config.host}:${port}/trpc`, auth: config.apiTokens.length > 0 }, 'listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining in-flight requests');
    const force = setTimeout(() => {
      log.warn('grace period over; closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    server.close(async () => {
      // Running ingest jobs stop after their current batch (committed) and resume on the next worker.
      await queue.stop(config.shutdownGraceMs);
      await db.destroy();
      log.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('retrovue-library failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
