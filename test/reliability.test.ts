import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import knexFactory from 'knex';
import { pino } from 'pino';
import { createApp } from '../server/app.js';
import { createKnex } from '../server/db/knex.js';
import { createRetrovueClient } from '../sdk/index.js';
import { expectError } from './support/expect.js';
import { db, listen, testLogger } from './support/harness.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Starts `server/main.ts` as `npm start` would, on a free port with its own PGlite directory. */
function startServer(env: Record<string, string>): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output };
}

const exitCode = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('reliability', function () {
  this.timeout(120_000);

  describe('process', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-main-'));
    });
    afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    it('refuses to listen on a non-loopback host without a token', async () => {
      const { child, output } = startServer({ HOST: '0.0.0.0', RETROVUE_API_TOKEN: '', RETROVUE_DATA_DIR: dataDir });
      assert.equal(await exitCode(child), 1);
      assert.match(output(), /refusing to listen on a non-loopback host without RETROVUE_API_TOKEN/);
    });

    it('a port already in use: one clear line naming the port and PORT, exit code 1, no crash', async () => {
      const taken = net.createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as AddressInfo;
      try {
        const { child, output } = startServer({ PORT: String(port), HOST: '127.0.0.1', RETROVUE_DATA_DIR: dataDir });
        assert.equal(await exitCode(child), 1, output());
        assert.match(output(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*PORT=\\d+ npm start`));
        assert.doesNotMatch(output(), /TypeError|^\s+at /m, output());
        const lines = output()
          .split('\n')
          .filter((line) => line && !line.startsWith('{'));
        assert.equal(lines.length, 1, `one line besides the JSON logs: ${output()}`);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    });

    it('SIGTERM lets an in-flight mutation finish, closes the pool and exits 0', async () => {
      const server = startServer({ RETROVUE_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
      const url = await server.url;
      const client = createRetrovueClient({ url });
      const items = Array.from({ length: 1000 }, (_, i) => ({
        title: { kind: 'show' as const, name: 'Drain', year: 2000 },
        season: { number: 1 + Math.floor(i / 100) },
        episode: { number: i % 100 },
        assets: [{ uri: `file:///drain/${i}.mkv`, size: 1, durationMs: 1000 }],
      }));
      const inFlight = client.ingest.items.mutate({ items });
      await new Promise((r) => setTimeout(r, 150));
      const exited = exitCode(server.child);
      server.child.kill('SIGTERM');
      const { report } = await inFlight;
      assert.equal(report.items, 1000, 'the in-flight mutation completed');
      assert.equal(await exited, 0);
      assert.match(server.output(), /draining in-flight requests/);
      assert.match(server.output(), /"msg":"stopped"/);
      // What it wrote is really there: open the same embedded database again.
      const reopened = createKnex({ kind: 'pglite', dir: path.join(dataDir, 'pgdata') });
      const { n } = (await reopened('assets').count({ n: '*' }).first()) as { n: number };
      await reopened.destroy();
      assert.equal(n, 1000);
    });
  });

  describe('database outage', () => {
    it('answers SERVICE_UNAVAILABLE and an unhealthy health.check, then recovers by itself', async function () {
      const url = process.env.DATABASE_URL;
      if (!url) return this.skip(); // an outage of an embedded in-process database cannot be staged
      const name = (await db().raw('SELECT current_database() AS name')).rows[0].name as string;
      const isolated = `${name}_outage`;
      const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      await admin.raw('CREATE DATABASE ?? TEMPLATE ??', [isolated, name]).catch(async () => {
        // The template is busy (the suite is connected to it): build the outage database from scratch.
        await admin.raw('CREATE DATABASE ??', [isolated]);
      });
      const target = new URL(url);
      target.pathname = `/${isolated}`;
      const outageDb = createKnex({ kind: 'postgres', url: target.toString() }, { min: 0, max: 2 }, testLogger);
      await outageDb.migrate.latest();
      const { server, url: apiUrl } = await listen(createApp({ db: outageDb, log: testLogger, apiTokens: [] }));
      const client = createRetrovueClient({ url: apiUrl });
      try {
        await client.titles.create.mutate({ kind: 'movie', name: 'Before' });
        await admin.raw('ALTER DATABASE ?? ALLOW_CONNECTIONS false', [isolated]);
        await admin.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?', [isolated]);

        const error = await expectError(client.titles.list.query({}), 'SERVICE_UNAVAILABLE');
        assert.match(error.message, /database is unavailable/);
        assert.equal((await client.health.check.query()).status, 'unhealthy');

        await admin.raw('ALTER DATABASE ?? ALLOW_CONNECTIONS true', [isolated]);
        assert.equal((await client.health.check.query()).status, 'ok');
        assert.deepEqual(
          (await client.titles.list.query({})).items.map((t) => t.name),
          ['Before'],
        );
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await outageDb.destroy();
        await admin.raw('ALTER DATABASE ?? ALLOW_CONNECTIONS true', [isolated]).catch(() => undefined);
        await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [isolated]);
        await admin.destroy();
      }
    });
  });

  describe('request logs', () => {
    it('log request id, procedure, duration and outcome, never tokens or secrets', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const log = pino({ level: 'info' }, sink);
      const { server, url } = await listen(createApp({ db: db(), log, apiTokens: ['log-test-token'] }));
      try {
        const client = createRetrovueClient({ url, token: 'log-test-token', headers: { 'x-request-id': 'req-123' } });
        await client.sources.create.mutate({
          kind: 'plex',
          name: 'Logged',
          config: { baseUrl: 'http://127.0.0.1:32400', token: 'plex-log-secret' },
        });
        await expectError(client.titles.get.query({ id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const created = entries.find((e) => e.procedure === 'sources.create')!;
      assert.deepEqual([created.requestId, created.outcome, typeof created.durationMs], ['req-123', 'ok', 'number']);
      assert.ok(entries.some((e) => e.procedure === 'titles.get' && e.outcome === 'NOT_FOUND'));
      const all = lines.join('\n');
      assert.doesNotMatch(all, /log-test-token|plex-log-secret/);
    });
  });
});
