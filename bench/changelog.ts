import type { Knex } from 'knex';
import { LOGGED_TABLES } from '../migrations/20261126010000_change_log.js';

/**
 * Removes the change log's triggers from a scratch database, for measuring what the log costs
 * (`BENCH_PHASE=changelog`): the same ingest with the log and without it, in the same run. Dropped,
 * not disabled: PostgreSQL still collects the transition tables of a disabled trigger.
 */
export async function dropChangeLogTriggers(db: Knex): Promise<void> {
  for (const t of LOGGED_TABLES)
    for (const op of ['insert', 'update', 'delete']) await db.raw(`DROP TRIGGER tr_${t.name}_log_${op} ON ${t.name}`);
}
