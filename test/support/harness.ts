import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { createRetrovueClient, type RetrovueClient } from '../../sdk/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../../server/db/scratch.js';
import { IngestQueue, type QueueOptions } from '../../server/services/ingest/queue.js';
import { truncateAll } from './database.js';

/**
 * One database and one HTTP server for the whole run (mocha root hooks below);
 * every test starts from empty tables.
 */
interface Harness {
  database: ScratchDatabase;
  server: Server;
  url: string;
  client: RetrovueClient;
  queue: IngestQueue;
}

let harness: Harness | undefined;

const current = (): Harness => {
  if (!harness) throw new Error('test harness not started');
  return harness;
};

export const db = (): Knex => current().database.db;
export const client = (): RetrovueClient => current().client;
export const baseUrl = (): string => current().url;
export const queue = (): IngestQueue => current().queue;

/** Job queue settings for tests: quick polling, retries and heartbeats (small libraries, short intervals). */
export const TEST_QUEUE: Omit<QueueOptions, 'log'> = {
  pollSeconds: 0.5,
  retryLimit: 1,
  retryDelaySeconds: 0,
  staleSeconds: 2,
  scheduleTickSeconds: 0.5,
};

export async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/trpc` };
}

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    const database = await createScratchDatabase('test');
    const queue = new IngestQueue(database.db, {
      log: testLogger,
      ...TEST_QUEUE,
      exclusive: database.target.kind !== 'postgres',
    });
    await queue.start();
    const { server, url } = await listen(createApp({ db: database.db, log: testLogger, apiTokens: [], queue }));
    harness = { database, server, url, client: createRetrovueClient({ url }), queue };
  },
  async beforeEach() {
    await truncateAll(db());
  },
  async afterAll(this: Mocha.Context) {
    // Dropping the scratch database waits for the server's own sessions, as long as creating it can.
    this.timeout(120_000);
    if (!harness) return;
    await new Promise<void>((resolve) => harness!.server.close(() => resolve()));
    await harness.queue.stop(2000);
    await harness.database.drop();
    harness = undefined;
  },
};
