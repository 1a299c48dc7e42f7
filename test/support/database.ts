import type { Knex } from 'knex';

/**
 * The library's tables as the migrations made them (all but knex's bookkeeping), read from the
 * database: a table a new migration adds is emptied and counted without touching this file.
 */
export async function libraryTables(db: Knex): Promise<string[]> {
  const { rows } = (await db.raw(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'knex\\_%'
     ORDER BY table_name`,
  )) as { rows: Array<{ table_name: string }> };
  return rows.map((r) => r.table_name);
}

/**
 * Empties the library between tests. `catalog_count_resets` is left out: a one-row marker that the
 * TRUNCATE itself moves (its triggers), which a background job's change-log prune also writes; truncating
 * it too took its lock before `change_log`'s, the prune's order reversed (a deadlock). A deadlock with
 * some other background job is retried.
 */
export async function truncateAll(db: Knex, attempt = 0): Promise<void> {
  const tables = (await libraryTables(db)).filter((t) => t !== 'catalog_count_resets');
  try {
    await db.raw(`TRUNCATE ${tables.join(', ')} CASCADE`);
  } catch (err) {
    if ((err as { code?: string }).code !== '40P01' || attempt >= 3) throw err;
    await truncateAll(db, attempt + 1);
  }
}

/**
 * Logs, not library content: the job log records every ingest run, failed ones included (the error
 * lives on the job); the change log records each change (a refused call changes nothing, so it adds nothing there either).
 */
const JOB_LOG = new Set(['ingest_jobs', 'change_log']);

/** Row counts of every library table (one query): a refused call must leave these as they were. */
export async function snapshotCounts(db: Knex): Promise<Record<string, number>> {
  const tables = (await libraryTables(db)).filter((t) => !JOB_LOG.has(t));
  const row = (await db.raw(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`)).rows[0] as Record<
    string,
    number | string
  >;
  return Object.fromEntries(tables.map((t) => [t, Number(row[t])]));
}
