import type { Knex } from 'knex';
import { resolvePath } from '../domain/pathMapping.js';
import { PathMapping } from '../models/index.js';
import { byIdOf } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';

const BY_PLEX_PATH: SortKey[] = [
  { sql: 'path_mappings.plex_path', type: 'text' },
  { sql: 'path_mappings.id', type: 'uuid' },
];

export async function listPathMappings(
  db: Knex,
  { collectionId, ...page }: PageRequest & { collectionId: string },
): Promise<Page<PathMapping>> {
  const query = PathMapping.query(db).where('path_mappings.collection_id', collectionId);
  return paginate(query, `pathMappings:${collectionId}`, BY_PLEX_PATH, page);
}

export const createPathMapping = async (
  db: Knex,
  input: { collectionId: string; plexPath: string; localPath: string },
): Promise<PathMapping> => PathMapping.query(db).insertAndFetch(input);

const mappings = byIdOf<PathMapping>(PathMapping, 'path mapping');
export const updatePathMapping = mappings.update;
export const deletePathMapping = mappings.remove;

/** Source path -> local path by the collection's longest matching prefix; `localPath` is null when none matches. */
export async function resolveMappedPath(
  db: Knex,
  { collectionId, path }: { collectionId: string; path: string },
): Promise<{ path: string; localPath: string | null; mappingId: string | null }> {
  const resolved = resolvePath(await PathMapping.query(db).where('collection_id', collectionId), path);
  return { path, localPath: resolved?.localPath ?? null, mappingId: resolved?.mappingId ?? null };
}
