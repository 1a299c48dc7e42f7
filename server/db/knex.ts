import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';

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

interface DialectClient {
  processResponse(obj: { method?: string }, runner: unknown): unknown;
}
const BasePgLite = ClientPgLite as unknown as new (config: Knex.Config) => DialectClient;
class PgLiteClient extends BasePgLite {
  override processResponse(obj: { method?: string }, runner: unknown): unknown {
    const method = obj.method && COMMAND_OF_METHOD[obj.method];
    return super.processResponse(method ? { ...obj, method } : obj, runner);
  }
}

const INT8_OID = 20;
/**
 * pg hands back int8 (bigint sizes, count(*)) as strings; the API promises numbers, as PGlite gives.
 * Values stay exact below 2^53 (8 PiB), far beyond any media file.
 */
function pgTypeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID) return (value: string) => Number(value);
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

export function knexConfig(target: DatabaseTarget, pool?: Knex.PoolConfig, logger?: DatabaseLogger): Knex.Config {
  const log = knexLog(logger);
  const common = { migrations: migrationConfig, seeds: seedConfig, ...(log ? { log } : {}) };
  if (target.kind === 'postgres') {
    return {
      ...common,
      client: 'pg',
      connection: { connectionString: target.url, types: { getTypeParser: pgTypeParser } } as Knex.PgConnectionConfig,
      pool: pool ?? { min: 0, max: 10 },
      acquireConnectionTimeout: 10_000,
    };
  }
  if (target.kind === 'pglite') fs.mkdirSync(path.dirname(target.dir), { recursive: true });
  return {
    ...common,
    client: PgLiteClient as unknown as typeof Knex.Client,
    dialect: 'postgres',
    connection: target.kind === 'pglite' ? { filename: target.dir } : {},
  } as Knex.Config;
}

export function createKnex(target: DatabaseTarget, pool?: Knex.PoolConfig, logger?: DatabaseLogger): Knex {
  return knexFactory(knexConfig(target, pool, logger));
}
