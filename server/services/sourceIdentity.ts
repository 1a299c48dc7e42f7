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

/**
 * The Plex server's own identity (`/identity` -> `machineIdentifier`), or null when it cannot be asked
 * right now (unreachable, refused, not Plex). Best effort: a source may be added while its server is off.
 */
export async function plexMachineIdentifier(config: JsonObject, timeoutMs = 3_000): Promise<string | null> {
  const { baseUrl, token } = config;
  if (typeof baseUrl !== 'string') return null;
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/identity`, {
      headers: { accept: 'application/json', ...(typeof token === 'string' ? { 'X-Plex-Token': token } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return null;
    const body = (await response.json()) as { MediaContainer?: { machineIdentifier?: unknown } } | null;
    const id = body?.MediaContainer?.machineIdentifier;
    return typeof id === 'string' && id.trim().length > 0 ? id.trim() : null;
  } catch {
    return null;
  }
}

/** The externalId a Plex source gets from its server's identity, so one server is one source. */
export const plexExternalId = (machineIdentifier: string): string => `plex:${machineIdentifier}`;

/** One Plex server (by machineIdentifier) belongs to one source. Inside the creating transaction. */
export async function assertPlexServerUnclaimed(trx: Knex.Transaction, machineIdentifier: string): Promise<void> {
  await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('retrovue:sources'))`);
  const other = (await trx('sources')
    .where({ kind: 'plex', external_id: plexExternalId(machineIdentifier) })
    .first('id', 'name')) as { id: string; name: string } | undefined;
  if (other)
    throw conflict(
      `this Plex server (machineIdentifier ${machineIdentifier}) is already the source "${other.name}" (${other.id})`,
    );
}

const RANDOM_PLEX_ID = /^plex:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A Plex source added while its server was unreachable got a provisional externalId; once the server
 * answers (discover), it takes the server's identity, or CONFLICT when another source already has it.
 */
export async function claimPlexIdentity(
  db: Knex,
  source: { id: string; externalId: string; config: JsonObject | null },
): Promise<void> {
  if (!RANDOM_PLEX_ID.test(source.externalId)) return;
  const machineIdentifier = await plexMachineIdentifier(source.config ?? {});
  if (!machineIdentifier) return;
  await db.transaction(async (trx) => {
    await assertPlexServerUnclaimed(trx, machineIdentifier);
    await trx('sources')
      .where({ id: source.id })
      .update({ external_id: plexExternalId(machineIdentifier) });
  });
}
