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
  'asset_parts',
  'assets',
  'episodes',
  'seasons',
  'titles',
] as const;

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
