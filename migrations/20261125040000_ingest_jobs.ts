import type { Knex } from 'knex';

/**
 * Collection ingests as durable jobs (issue 14). pg-boss delivers them (its own `pgboss` schema,
 * created and upgraded by pg-boss itself); this table is what callers see of a run on any replica:
 * state, progress, report and error. The partial unique index is the rule "one active run per
 * collection" across every process: a second start finds the running job instead of adding one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ingest_jobs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('collection_id').notNullable().references('id').inTable('source_collections').onDelete('CASCADE');
    t.string('state', 16).notNullable().defaultTo('queued');
    t.string('trigger', 16).notNullable().defaultTo('manual');
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('worker', 200);
    t.jsonb('progress').notNullable().defaultTo(knex.raw(`'{}'::jsonb`));
    t.jsonb('report');
    t.jsonb('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('heartbeat_at', { useTz: true });
    t.check(`state IN ('queued', 'running', 'done', 'failed', 'cancelled')`, [], 'ck_ingest_jobs_state');
    t.check(`trigger IN ('manual', 'schedule')`, [], 'ck_ingest_jobs_trigger');
    t.check(`attempts >= 0`, [], 'ck_ingest_jobs_attempts');
  });
  await knex.raw(
    `CREATE UNIQUE INDEX uq_ingest_jobs_active_collection ON ingest_jobs (collection_id) WHERE state IN ('queued', 'running')`,
  );
  // Keyset pages of recent jobs: all, by collection, by state.
  await knex.raw(`CREATE INDEX ix_ingest_jobs_created ON ingest_jobs (created_at DESC, id DESC)`);
  await knex.raw(`CREATE INDEX ix_ingest_jobs_collection_created ON ingest_jobs (collection_id, created_at DESC, id DESC)`);
  await knex.raw(`CREATE INDEX ix_ingest_jobs_state_created ON ingest_jobs (state, created_at DESC, id DESC)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ingest_jobs');
}
