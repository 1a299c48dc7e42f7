import type { Knex } from 'knex';
import { Title, type JsonObject, type TitleKind } from '../models/index.js';
import type { LockableField } from '../schemas.js';
import { titleAvailability, type TitleAvailability } from './availability.js';
import { byIdOf } from './crud.js';
import { patchLocking, TITLE_LOCKABLE } from './metadata.js';
import { searchTitlesPage } from './search.js';
import { paginate, sortKeys, type Page, type PageRequest } from './pagination.js';

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

const BY_NAME = sortKeys('titles', ['name', 'text']);

export interface TitleFilters {
  kind?: TitleKind | undefined;
  year?: number | undefined;
  /** Typos forgiven: trigram similarity, best match first (services/search.ts). */
  search?: string | undefined;
}

/** Titles by name, or with a search, best match first. */
export async function listTitles(db: Knex, { kind, year, search, ...page }: PageRequest & TitleFilters): Promise<Page<Title>> {
  if (search) return searchTitlesPage(db, { kind, year, search, ...page });
  const query = Title.query(db);
  if (kind) query.where('titles.kind', kind);
  if (year !== undefined) query.where('titles.year', year);
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

/** A title with the relations asked for, and whether its files are still at their source. */
export async function getTitle(
  db: Knex,
  request: Parameters<typeof titles.get>[1],
): Promise<Title & { availability: TitleAvailability }> {
  const title = await titles.get(db, request);
  return Object.assign(title, { availability: await titleAvailability(db, request.id) });
}

/** A person's edit: the metadata fields it sets are locked against the next sync (`unlock` releases them). */
export const updateTitle = (
  db: Knex,
  { id, ...patch }: { id: string; unlock?: readonly LockableField[] | undefined } & Record<string, unknown>,
): Promise<Title> => patchLocking<Title>(Title, db, id, patch, 'title', TITLE_LOCKABLE);
export const deleteTitle = titles.remove;
