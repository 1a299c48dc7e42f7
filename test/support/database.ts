import type { Knex } from 'knex';

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

export async function truncateAll(db: Knex): Promise<void> {
  await db.raw(`TRUNCATE ${TABLES.join(', ')} CASCADE`);
}

/** Row counts of every table (one query): a refused call must leave these as they were. */
export async function snapshotCounts(db: Knex): Promise<Record<string, number>> {
  const row = (await db.raw(`SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`)).rows[0] as Record<
    string,
    number | string
  >;
  return Object.fromEntries(TABLES.map((t) => [t, Number(row[t])]));
}
