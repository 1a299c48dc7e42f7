import type { Knex } from 'knex';
import { LOGGED_TABLES } from '../migrations/20261126010000_change_log.js';

/**
 * Turns the change log's triggers off or on in a scratch database, for measuring what the log costs
 * (`BENCH_PHASE=changelog`): the same ingest with the log on and off, in the same run.
 */
export async function setChangeLog(db: Knex, on: boolean): Promise<void> {
  for (const t of LOGGED_TABLES)
    for (const op of ['insert', 'update', 'delete'])
      await db.raw(`ALTER TABLE ${t.name} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER tr_${t.name}_log_${op}`);
}
