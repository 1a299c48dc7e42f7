import type { Knex } from 'knex';
import { Title, type JsonObject, type TitleKind } from '../models/index.js';
import { byIdOf, containsPattern } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';

export const TITLE_INCLUDES = [
  'seasons',
  'seasons.episodes',
  'seasons.episodes.assets',
  'seasons.episodes.assets.markers',
  'seasons.episodes.providerRefs',
  'episodes',
  'episodes.assets',
  'episodes.assets.markers',
  'episodes.providerRefs',
  'providerRefs',
] as const;

const BY_NAME: SortKey[] = [
  { sql: 'titles.name', type: 'text' },
  { sql: 'titles.id', type: 'uuid' },
];

export interface TitleFilters {
  kind?: TitleKind | undefined;
  year?: number | undefined;
  /** A literal substring of the name, case-insensitive. */
  search?: string | undefined;
}

/** Titles by name. */
export async function listTitles(db: Knex, { kind, year, search, ...page }: PageRequest & TitleFilters): Promise<Page<Title>> {
  const query = Title.query(db);
  if (kind) query.where('titles.kind', kind);
  if (year !== undefined) query.where('titles.year', year);
  if (search) query.whereILike('titles.name', containsPattern(search));
  return paginate(query, 'titles', BY_NAME, page);
}

export interface TitleInput {
  kind: TitleKind;
  name: string;
  year?: number | null | undefined;
  externalIds?: JsonObject | null | undefined;
}

export const createTitle = async (db: Knex, input: TitleInput): Promise<Title> => Title.query(db).insertAndFetch(input);

const titles = byIdOf<Title>(Title, 'title', TITLE_INCLUDES);
export const getTitle = titles.get;
export const updateTitle = titles.update;
export const deleteTitle = titles.remove;
