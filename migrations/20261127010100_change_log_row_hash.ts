import type { Knex } from 'knex';

/**
 * The change log's "history of one row" index becomes a hash index on `row_id` (issue 15's cost
 * target). The b-tree on (row_id, position) took every log row at a random place in a large index:
 * about half of what the log cost an ingest. A hash index answers the only question asked of it
 * (`row_id = ?`, services/changes.ts listAudit) with a smaller, cheaper entry per row; a row's few
 * entries are then ordered by position. Reversible.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX ix_change_log_row');
  await knex.raw('CREATE INDEX ix_change_log_row ON change_log USING hash (row_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX ix_change_log_row');
  await knex.raw('CREATE INDEX ix_change_log_row ON change_log (row_id, position)');
}
