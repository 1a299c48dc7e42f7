import type { Knex } from 'knex';
import knexFactory from 'knex';
import { createKnex, type DatabaseTarget } from '../../server/db/knex.js';

/** Tables in dependency order (children first). */
export const TABLES = [
  'path_mappings',
  'source_collections',
  'sources',
  'review_queue',
  'markers',
  'provider_refs',
  'episode_assets',
  'assets',
  'episodes',
  'seasons',
  'titles',
] as const;

export interface TestDatabase {
  db: Knex;
  target: DatabaseTarget;
  /** Drops the run's database (PostgreSQL) or closes PGlite. */
  dispose(): Promise<void>;
}

/**
 * A fresh database for one test run: a newly created PostgreSQL database when DATABASE_URL
 * is set, an in-memory PGlite otherwise. Migrated to the latest version.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const target: DatabaseTarget = { kind: 'pglite-memory' };
    const db = createKnex(target);
    await db.migrate.latest();
    return { db, target, dispose: () => db.destroy() };
  }
  const name = `retrovue_test_${process.pid}_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ??', [name]);
  const runUrl = new URL(url);
  runUrl.pathname = `/${name}`;
  const target: DatabaseTarget = { kind: 'postgres', url: runUrl.toString() };
  const db = createKnex(target);
  await db.migrate.latest();
  return {
    db,
    target,
    dispose: async () => {
      await db.destroy();
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
      await admin.destroy();
    },
  };
}

export async function truncateAll(db: Knex): Promise<void> {
  await db.raw(`TRUNCATE ${TABLES.join(', ')} CASCADE`);
}

/** Row counts of every table: a refused call must leave these as they were. */
export async function snapshotCounts(db: Knex): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const row = (await db(table).count({ n: '*' }).first()) as { n: number | string };
    counts[table] = Number(row.n);
  }
  return counts;
}
