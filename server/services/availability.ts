import type { Knex } from 'knex';

/**
 * Files gone from their source are marked missing by the ingest (`assets.missing_since`) and
 * cleared when they come back. Here: removing what stayed missing too long, and telling whether a
 * title still has any file present.
 */

export async function purgeMissing(
  db: Knex,
  { olderThan, dryRun }: { olderThan: Date; dryRun: boolean },
): Promise<{ purged: number; dryRun: boolean; assets: Array<{ id: string; uri: string; missingSince: Date }> }> {
  return db.transaction(async (trx) => {
    // Walks ix_assets_missing_since (partial: only missing assets are in it).
    const stale = trx('assets').where('missing_since', '<', olderThan).whereNotNull('missing_since');
    const listed = (await stale.clone().select('id', 'uri', 'missing_since').orderBy('uri').limit(100)) as Array<{
      id: string;
      uri: string;
      missing_since: Date;
    }>;
    const purged = dryRun
      ? Number(((await stale.clone().count({ n: '*' }).first()) as { n: number | string }).n)
      : ((await stale.clone().delete()) as number);
    return { purged, dryRun, assets: listed.map((a) => ({ id: a.id, uri: a.uri, missingSince: a.missing_since })) };
  });
}

export interface TitleAvailability {
  /** Files linked to the title's episodes. */
  files: number;
  /** Of those, how many are missing from their source. */
  missingFiles: number;
  /** Every file is missing: nothing of this title can be played. */
  allFilesMissing: boolean;
}

export async function titleAvailability(db: Knex, titleId: string): Promise<TitleAvailability> {
  const { rows } = (await db.raw(
    `SELECT count(*)::int AS files, count(a.missing_since)::int AS missing
     FROM episodes e JOIN episode_assets ea ON ea.episode_id = e.id JOIN assets a ON a.id = ea.asset_id
     WHERE e.title_id = ?`,
    [titleId],
  )) as { rows: Array<{ files: number; missing: number }> };
  const { files, missing } = rows[0]!;
  return { files, missingFiles: missing, allFilesMissing: files > 0 && missing === files };
}
