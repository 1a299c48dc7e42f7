import path from 'node:path';
import type { Knex } from 'knex';
import { conflict } from '../errors.js';
import type { JsonObject } from '../models/index.js';

/** `/mnt/tv/`, `/mnt//tv` and `/mnt/tv/.` are one folder. */
const normalizeFolder = (folder: string): string => path.posix.normalize(folder).replace(/(.)\/+$/, '$1');

const foldersOf = (config: JsonObject | null | undefined): string[] =>
  Array.isArray(config?.paths) ? config.paths.filter((p): p is string => typeof p === 'string').map(normalizeFolder) : [];

/**
 * One folder belongs to one filesystem source: adding it again as a second source would ingest every
 * file twice under two collections. Runs inside the creating transaction, serialised by an advisory
 * lock so two concurrent creates cannot both pass.
 */
export async function assertFoldersUnclaimed(trx: Knex.Transaction, config: JsonObject, exceptId?: string): Promise<void> {
  const wanted = new Set(foldersOf(config));
  if (wanted.size === 0) return;
  await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('retrovue:sources'))`);
  const query = trx('sources').where({ kind: 'filesystem' }).select('id', 'name', 'config');
  if (exceptId) query.whereNot({ id: exceptId });
  for (const other of (await query) as Array<{ id: string; name: string; config: JsonObject | null }>) {
    const shared = foldersOf(other.config).find((folder) => wanted.has(folder));
    if (shared) throw conflict(`the folder ${shared} is already the source "${other.name}" (${other.id})`);
  }
}
