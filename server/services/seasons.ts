import type { Knex } from 'knex';
import { Season } from '../models/index.js';
import { byIdOf } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';

export const SEASON_INCLUDES = ['title', 'episodes', 'episodes.assets', 'episodes.assets.markers'] as const;

const BY_NUMBER: SortKey[] = [
  { sql: 'seasons.number', type: 'int' },
  { sql: 'seasons.id', type: 'uuid' },
];

/** A title's seasons by number. */
export async function listSeasons(db: Knex, { titleId, ...page }: PageRequest & { titleId: string }): Promise<Page<Season>> {
  return paginate(Season.query(db).where('seasons.title_id', titleId), `seasons:${titleId}`, BY_NUMBER, page);
}

export const createSeason = async (db: Knex, input: { titleId: string; number: number }): Promise<Season> =>
  Season.query(db).insertAndFetch(input);

const seasons = byIdOf<Season>(Season, 'season', SEASON_INCLUDES);
export const getSeason = seasons.get;
export const updateSeason = seasons.update;
export const deleteSeason = seasons.remove;
