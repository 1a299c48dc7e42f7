import knexFactory, { type Knex } from 'knex';
import { withActor } from './actor.js';
import { createKnex, type DatabaseTarget } from './knex.js';

export interface ScratchDatabase {
  db: Knex;
  target: DatabaseTarget;
  /** Drops the database (PostgreSQL) or closes it (PGlite). */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for a test run, a benchmark phase or a load test: a newly created
 * PostgreSQL database next to `databaseUrl` when given, an in-memory PGlite otherwise.
 */
export async function createScratchDatabase(
  label: string,
  databaseUrl = process.env.DATABASE_URL || undefined,
): Promise<ScratchDatabase> {
  if (!databaseUrl) {
    const target: DatabaseTarget = { kind: 'pglite-memory' };
    const db = createKnex(target);
    await withActor('migration', () => db.migrate.latest());
    return { db, target, drop: () => db.destroy() };
  }
  const name = `retrovue_${label}_${process.pid}_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ??', [name]);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const target: DatabaseTarget = { kind: 'postgres', url: url.toString() };
  const db = createKnex(target);
  await withActor('migration', () => db.migrate.latest());
  return {
    db,
    target,
    drop: async () => {
      await db.destroy();
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
      await admin.destroy();
    },
  };
}
