import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { withActor } from './db/actor.js';
import { createKnex, targetFrom } from './db/knex.js';
import { createLogger } from './logger.js';
import { IngestQueue } from './services/ingest/queue.js';
import { LiveSync } from './services/live/supervisor.js';

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
  // Live sync (Plex notifications, folder watches) runs with the worker.
  const live = config.jobs.worker ? new LiveSync(db, queue, config.live, log, { batchSize: config.jobs.batchSize }) : null;
  await live?.start();

  const app = createApp({
    db,
    log,
    apiTokens: config.apiTokens,
    maxBodyBytes: config.maxBodyBytes,
    queue,
    changesPollMs: config.changesPollMs,
  });
  const server: Server = http.createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // One clear line naming the port and what to do, instead of a crash (issue: a TypeError).
    console.error(`retrovue-library failed to start: ${listenProblem(err, config.host, config.port)}`);
    await live?.stop().catch(() => undefined);
    await queue.stop(0).catch(() => undefined);
    await db.destroy().catch(() => undefined);
    process.exit(1);
  }
  const { port } = server.address() as AddressInfo;
  log.info({ url: `http://${config.host}:${port}/trpc`, auth: config.apiTokens.length > 0 }, 'listening');

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
      // Listeners close (their pending changes queued); running ingest jobs stop after their current
      // batch (committed) and resume on the next worker.
      await live?.stop();
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

/** Why the server could not listen, and what to do about it, in one line. */
function listenProblem(err: unknown, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return `port ${port} on ${host} is already in use (another server is listening there); stop that process or choose another port, e.g. PORT=${port === 3000 ? 3001 : 3000} npm start`;
  if (code === 'EACCES')
    return `no permission to listen on port ${port} on ${host}; choose a port above 1023, e.g. PORT=3000 npm start`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return `cannot listen on host ${host} (not an address of this machine); set HOST to one, e.g. HOST=127.0.0.1`;
  return `cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)} (set PORT or HOST)`;
}

main().catch((err: unknown) => {
  console.error('retrovue-library failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
