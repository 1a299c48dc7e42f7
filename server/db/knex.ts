import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import { queryAsActor } from './actor.js';
import { acquireOwnerLock } from './ownerLock.js';

/** Where the database lives: a PostgreSQL URL, an embedded PGlite directory, or in-memory PGlite. */
export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string } | { kind: 'pglite-memory' };

export function targetFrom(databaseUrl: string | undefined, pgliteDir: string): DatabaseTarget {
  return databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dir: pgliteDir };
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Running from TypeScript sources (tsx) loads .ts migrations; the built dist/ loads .js ones. */
const sourceExtension = path.extname(fileURLToPath(import.meta.url));

const MIGRATIONS_DIR = path.resolve(here, '../../migrations');

/**
 * Migrations from this build's folder (.ts from the sources, .js from dist/), recorded under their
 * source names (`<name>.ts`) either way: a database migrated by `npm run migrate` (sources) is up
 * to date for `npm start` (dist/) and the other way round, instead of knex calling the folder corrupt.
 */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    const files = await fs.promises.readdir(MIGRATIONS_DIR);
    return files.filter((f) => f.endsWith(sourceExtension) && !f.endsWith(`.d${sourceExtension}`)).sort();
  },
  getMigrationName: (file) => file.replace(/\.(?:js|ts)$/, '.ts'),
  getMigration: (file) => import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href) as Promise<Knex.Migration>,
};

export const migrationConfig: Knex.MigratorConfig = {
  migrationSource,
  tableName: 'knex_migrations',
};

export const seedConfig: Knex.SeederConfig = {
  directory: path.resolve(here, '../../seeds'),
  loadExtensions: [sourceExtension],
};

/**
 * knex-pglite derives the SQL command from knex's method name, so `del` becomes "DEL" and
 * `increment` "COUNTER", and knex then returns the raw response instead of a row count.
 * Name them as PostgreSQL does before the dialect sees them.
 */
const COMMAND_OF_METHOD: Record<string, string> = { del: 'delete', counter: 'update' };

interface QueryObject {
  sql?: string;
  bindings?: unknown[];
  options?: unknown;
}
/** Knex's config, with the actor written statements are attributed to outside any (server/db/actor.ts). */
type ActorConfig = Knex.Config & { defaultActor?: string };

interface DialectClient {
  config: ActorConfig;
  processResponse(obj: { method?: string }, runner: unknown): unknown;
  _query(connection: object, obj: QueryObject): Promise<unknown>;
}
const BasePgLite = ClientPgLite as unknown as new (config: Knex.Config) => DialectClient;
class PgLiteClient extends BasePgLite {
  override processResponse(obj: { method?: string }, runner: unknown): unknown {
    const method = obj.method && COMMAND_OF_METHOD[obj.method];
    return super.processResponse(method ? { ...obj, method } : obj, runner);
  }

  /** Every statement carries its actor to the change log's triggers. */
  override _query(connection: object, obj: QueryObject): Promise<unknown> {
    return queryAsActor(
      connection,
      obj.sql ?? '',
      this.config.defaultActor ?? 'system',
      (sql, bindings) => super._query(connection, { sql, bindings }),
      () => super._query(connection, obj),
    );
  }
}

const INT8_OID = 20;
/** `date` columns (original air dates) stay `YYYY-MM-DD` strings: a Date would shift them by the time zone. */
const DATE_OID = 1082;
const dateAsText = (value: string) => value;
/**
 * pg hands back int8 (bigint sizes, count(*)) as strings; the API promises numbers, as PGlite gives.
 * Values stay exact below 2^53 (8 PiB), far beyond any media file.
 */
function pgTypeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID) return (value: string) => Number(value);
  if (oid === DATE_OID) return dateAsText;
  return pg.types.getTypeParser(oid, (format ?? 'text') as 'text');
}

/** Where knex's own warnings (pool connection errors and the like) go; the console by default. */
export interface DatabaseLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

function knexLog(logger: DatabaseLogger | undefined): Knex.Config['log'] {
  if (!logger) return undefined;
  const text = (message: unknown) => (message instanceof Error ? message.message : String(message));
  return {
    warn: (m: unknown) => logger.warn({ knex: text(m) }, 'database warning'),
    error: (m: unknown) => logger.error({ knex: text(m) }, 'database error'),
    deprecate: (method: string, alternative: string) => logger.warn({ method, alternative }, 'knex deprecation'),
    debug: () => undefined,
  };
}

/**
 * How long the service waits on PostgreSQL before answering SERVICE_UNAVAILABLE (RETROVUE_DB_* in the README).
 * A database that stops answering (hung, SIGSTOPped, a dead network path) must not hang callers.
 */
export interface DatabaseTimeouts {
  /** Server-side `statement_timeout`; the client gives up on a silent server 1 s after it. 0 disables both. */
  statementMs: number;
  /** Waiting for a free pool connection, and for a new connection to open. */
  acquireMs: number;
}

/** Whether this knex runs on embedded PGlite: one process, one connection. */
export const isEmbedded = (db: Knex): boolean => db.client instanceof PgLiteClient;

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { statementMs: 10_000, acquireMs: 3_000 };

interface PgConnection {
  __knex__disposed?: unknown;
  connection?: { stream?: { destroy(): void } };
}
/** knex's own PostgreSQL dialect (untyped, CommonJS), extended below. */
const BasePg = createRequire(import.meta.url)('knex/lib/dialects/postgres/index.js') as new (config: Knex.Config) => {
  config: ActorConfig;
  _query(connection: PgConnection, obj: QueryObject): Promise<unknown>;
};
/**
 * pg's client-side `query_timeout` answers the caller but leaves the connection waiting for a reply that
 * may never come. Such a connection is closed and dropped from the pool (knex discards disposed ones), so
 * the next caller opens a fresh one (or fails fast) instead of queueing behind a dead query; the server
 * cancels the abandoned statement itself (statement_timeout, or the closed socket).
 */
class TimedPgClient extends BasePg {
  override async _query(connection: PgConnection, obj: QueryObject): Promise<unknown> {
    try {
      // Every statement carries its actor to the change log's triggers.
      return await queryAsActor(
        connection,
        obj.sql ?? '',
        this.config.defaultActor ?? 'system',
        (sql, bindings) => super._query(connection, { sql, bindings, options: {} }),
        () => super._query(connection, obj),
      );
    } catch (err) {
      if (err instanceof Error && /Query read timeout/.test(err.message)) {
        connection.__knex__disposed = err;
        connection.connection?.stream?.destroy();
      }
      throw err;
    }
  }
}

export function knexConfig(
  target: DatabaseTarget,
  pool?: Knex.PoolConfig,
  logger?: DatabaseLogger,
  timeouts: DatabaseTimeouts | null = null,
  defaultActor = 'system',
): Knex.Config {
  const log = knexLog(logger);
  const common = { migrations: migrationConfig, seeds: seedConfig, defaultActor, ...(log ? { log } : {}) };
  if (target.kind === 'postgres') {
    const limits =
      timeouts && timeouts.statementMs > 0
        ? { statement_timeout: timeouts.statementMs, query_timeout: timeouts.statementMs + 1_000 }
        : {};
    return {
      ...common,
      client: TimedPgClient as unknown as typeof Knex.Client,
      connection: {
        connectionString: target.url,
        types: { getTypeParser: pgTypeParser },
        ...limits,
        ...(timeouts ? { connectionTimeoutMillis: timeouts.acquireMs, keepAlive: true } : {}),
      } as Knex.PgConnectionConfig,
      pool: pool ?? { min: 0, max: 10 },
      acquireConnectionTimeout: timeouts?.acquireMs ?? 10_000,
    };
  }
  if (target.kind === 'pglite') fs.mkdirSync(path.dirname(target.dir), { recursive: true });
  let instance: PGlite | undefined;
  return {
    ...common,
    client: PgLiteClient as unknown as typeof Knex.Client,
    dialect: 'postgres',
    // Our own PGlite instance, so that it loads the extensions the migrations create (pg_trgm for search).
    // Made once: knex asks this provider again when the pool first connects, and a second instance
    // on the same directory would corrupt it.
    connection: () => {
      instance ??= new PGlite({
        ...(target.kind === 'pglite' ? { dataDir: target.dir } : {}),
        extensions: { pg_trgm },
        parsers: { [DATE_OID]: dateAsText },
      });
      return { pglite: instance };
    },
  } as Knex.Config;
}

export function createKnex(
  target: DatabaseTarget,
  pool?: Knex.PoolConfig,
  logger?: DatabaseLogger,
  timeouts: DatabaseTimeouts | null = null,
): Knex {
  if (target.kind !== 'pglite') return knexFactory(knexConfig(target, pool, logger, timeouts));
  // The embedded directory has one owner process: taken here (or refused), given back by destroy().
  const release = acquireOwnerLock(target.dir);
  try {
    const db = knexFactory(knexConfig(target, pool, logger, timeouts));
    // knex.destroy() is read-only; it ends in client.destroy(), which is not.
    const client = db.client as { destroy(callback?: unknown): Promise<void> };
    const destroy = client.destroy.bind(client);
    client.destroy = async (callback?: unknown) => {
      try {
        return await destroy(callback);
      } finally {
        release();
      }
    };
    return db;
  } catch (err) {
    release();
    throw err;
  }
}
