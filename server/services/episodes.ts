import type { Knex } from 'knex';
import { Episode, type JsonObject } from '../models/index.js';
import type { LockableField } from '../schemas.js';
import { byIdOf } from './crud.js';
import { EPISODE_LOCKABLE, patchLocking } from './metadata.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';

/** Within a season: by episode number. */
const IN_SEASON: SortKey[] = [
  { sql: 'episodes.number', type: 'int' },
  { sql: 'episodes.id', type: 'uuid' },
];
/** Within a title: season by season (unseasoned first), then by episode number. */
const IN_TITLE: SortKey[] = [
  { sql: 'coalesce(seasons.number, -1)', type: 'int' },
  { sql: 'coalesce(episodes.number, -1)', type: 'int' },
  { sql: 'episodes.id', type: 'uuid' },
];
const BY_ID: SortKey[] = [{ sql: 'episodes.id', type: 'uuid' }];

/** Episodes of a season (by number), of a title (season by season), or all (by id). */
export async function listEpisodes(
  db: Knex,
  { titleId, seasonId, ...page }: PageRequest & { titleId?: string | undefined; seasonId?: string | undefined },
): Promise<Page<Episode>> {
  const query = Episode.query(db);
  if (seasonId) {
    query.where('episodes.season_id', seasonId);
    if (titleId) query.where('episodes.title_id', titleId);
    return paginate(query, `episodes:season:${seasonId}`, IN_SEASON, page);
  }
  if (titleId) {
    query.where('episodes.title_id', titleId).leftJoin('seasons', 'seasons.id', 'episodes.season_id');
    return paginate(query, `episodes:title:${titleId}`, IN_TITLE, page);
  }
  return paginate(query, 'episodes', BY_ID, page);
}

export const EPISODE_INCLUDES = ['title', 'season', 'assets', 'assets.markers', 'assets.providerRefs', 'providerRefs'] as const;

export interface EpisodeInput {
  titleId: string;
  seasonId?: string | null | undefined;
  number?: number | null | undefined;
  name?: string | null | undefined;
  externalIds?: JsonObject | null | undefined;
}

export const createEpisode = async (db: Knex, input: EpisodeInput): Promise<Episode> => Episode.query(db).insertAndFetch(input);

const episodes = byIdOf<Episode>(Episode, 'episode', EPISODE_INCLUDES);
export const getEpisode = episodes.get;
/** A person's edit: the metadata fields (and name) it sets are locked against the next sync (`unlock` releases them). */
export const updateEpisode = (
  db: Knex,
  { id, ...patch }: { id: string; unlock?: readonly LockableField[] | undefined } & Record<string, unknown>,
): Promise<Episode> => patchLocking<Episode>(Episode, db, id, patch, 'episode', EPISODE_LOCKABLE);
export const deleteEpisode = episodes.remove;
