import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { badRequest, notFound } from '../errors.js';
import { Source, type JsonObject } from '../models/index.js';
import { adapterFor, type SourceKindName } from '../sources/registry.js';
import { byIdOf, type GetRequest } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';
import { mergeConfig, redactConfig } from './secrets.js';
import { assertFoldersUnclaimed, assertPlexServerUnclaimed, plexExternalId, plexMachineIdentifier } from './sourceIdentity.js';

/** A source as callers see it: config without secrets, and the names of the secrets it holds. */
export function redactSource<T extends { config?: JsonObject | null }>(
  source: T,
): Omit<T, 'config'> & { config: JsonObject; secretKeys: string[] } {
  const { config, secretKeys } = redactConfig(source.config);
  return { ...source, config, secretKeys };
}

/** The config to store: well-formed for its kind, and true of the world (a folder source's paths exist). */
async function validConfig(kind: string, config: JsonObject): Promise<JsonObject> {
  const adapter = adapterFor(kind);
  const parsed = adapter.parseConfig(config);
  await adapter.verifyConfig(parsed);
  return parsed;
}

export interface CreateSourceInput {
  kind: SourceKindName;
  name: string;
  externalId?: string | undefined;
  config: JsonObject;
}

/** What callers see of a source (and of its collections, when included). */
export type RedactedSource = ReturnType<typeof redacted>;
const redacted = (source: Source) => redactSource(source.toJSON());

export const SOURCE_INCLUDES = ['collections', 'collections.pathMappings'] as const;
const BY_NAME: SortKey[] = [
  { sql: 'sources.name', type: 'text' },
  { sql: 'sources.id', type: 'uuid' },
];

export async function listSources(
  db: Knex,
  { kind, ...page }: PageRequest & { kind?: SourceKindName | undefined },
): Promise<Page<RedactedSource>> {
  const query = Source.query(db);
  if (kind) query.where('sources.kind', kind);
  const { items, nextCursor } = await paginate(query, `sources:${kind ?? ''}`, BY_NAME, page);
  return { items: items.map(redacted), nextCursor };
}

const sources = byIdOf<Source>(Source, 'source', SOURCE_INCLUDES);
export const getSource = async (db: Knex, request: GetRequest): Promise<RedactedSource> =>
  redacted(await sources.get(db, request));
export const deleteSource = sources.remove;

export async function createSource(db: Knex, input: CreateSourceInput): Promise<RedactedSource> {
  const config = await validConfig(input.kind, input.config);
  // Asked before the transaction: a slow Plex must not hold a database connection.
  const machineIdentifier = input.kind === 'plex' ? await plexMachineIdentifier(config) : null;
  const source = await db.transaction(async (trx) => {
    if (input.kind === 'filesystem') await assertFoldersUnclaimed(trx, config);
    if (machineIdentifier) await assertPlexServerUnclaimed(trx, machineIdentifier);
    const derived = machineIdentifier ? plexExternalId(machineIdentifier) : `${input.kind}:${randomUUID()}`;
    return Source.query(trx).insertAndFetch({
      kind: input.kind,
      name: input.name,
      externalId: input.externalId ?? derived,
      config,
    });
  });
  return redacted(source);
}

export interface UpdateSourceInput {
  /** The source's kind, as a check: the config is validated as that kind's. */
  kind: SourceKindName;
  name?: string | undefined;
  externalId?: string | undefined;
  /** New settings; secrets not resent are kept, a secret resent as null is removed. */
  config?: JsonObject | undefined;
}

export async function updateSource(db: Knex, { id, ...input }: UpdateSourceInput & { id: string }): Promise<RedactedSource> {
  const source = await db.transaction(async (trx) => {
    const source = await Source.query(trx).findById(id).forUpdate();
    if (!source) throw notFound('source', id);
    if (source.kind !== input.kind) throw badRequest(`source ${id} is a ${source.kind} source, not ${input.kind}`);
    const patch: Partial<Pick<Source, 'name' | 'externalId' | 'config'>> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.externalId !== undefined) patch.externalId = input.externalId;
    if (input.config !== undefined) patch.config = await validConfig(source.kind, mergeConfig(source.config, input.config));
    if (patch.config && source.kind === 'filesystem') await assertFoldersUnclaimed(trx, patch.config, id);
    if (Object.keys(patch).length === 0) return source;
    return source.$query(trx).patchAndFetch(patch);
  });
  return redacted(source);
}
