import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { createRetrovueClient, type RetrovueClient } from '../../sdk/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../../server/db/scratch.js';
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
}

let harness: Harness | undefined;

const current = (): Harness => {
  if (!harness) throw new Error('test harness not started');
  return harness;
};

export const db = (): Knex => current().database.db;
export const client = (): RetrovueClient => current().client;
export const baseUrl = (): string => current().url;

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
    const { server, url } = await listen(createApp({ db: database.db, log: testLogger, apiTokens: [] }));
    harness = { database, server, url, client: createRetrovueClient({ url }) };
  },
  async beforeEach() {
    await truncateAll(db());
  },
  async afterAll(this: Mocha.Context) {
    // Dropping the scratch database waits for the server's own sessions, as long as creating it can.
    this.timeout(120_000);
    if (!harness) return;
    await new Promise<void>((resolve) => harness!.server.close(() => resolve()));
    await harness.database.drop();
    harness = undefined;
  },
};
