import type { Knex } from 'knex';

/**
 * Jellyfin and Emby sources: `sources.kind` also allows 'jellyfin' and 'emby'. Additive only; the
 * down migration refuses to run while such sources exist (it would otherwise fail on the CHECK with
 * a less helpful message, or need to delete a person's sources).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE sources DROP CONSTRAINT ck_sources_kind');
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT ck_sources_kind CHECK (kind IN ('plex', 'filesystem', 'jellyfin', 'emby'))`);
}

export async function down(knex: Knex): Promise<void> {
  const [row] = (await knex('sources').whereIn('kind', ['jellyfin', 'emby']).count({ n: '*' })) as Array<{ n: string | number }>;
  if (Number(row?.n ?? 0) > 0) throw new Error('cannot roll back: Jellyfin or Emby sources exist; delete them first');
  await knex.raw('ALTER TABLE sources DROP CONSTRAINT ck_sources_kind');
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT ck_sources_kind CHECK (kind IN ('plex', 'filesystem'))`);
}
