import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import {
  CheckViolationError,
  DataError,
  DBError,
  ForeignKeyViolationError,
  NotNullViolationError,
  UniqueViolationError,
  wrapError,
} from 'db-errors';
import { NotFoundError, ValidationError } from 'objection';
import { redactUrls } from './services/secrets.js';

/** The codes a domain service may raise; the one error map turns them into tRPC errors. */
export type ServiceErrorCode = 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT' | 'UNAUTHORIZED' | 'SERVICE_UNAVAILABLE' | 'BAD_GATEWAY';

/** A refusal a service decides on (missing row, illegal state change, bad argument). Its message is for the caller. */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export const notFound = (what: string, id?: string): ServiceError =>
  new ServiceError('NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (message: string): ServiceError => new ServiceError('CONFLICT', message);
export const badRequest = (message: string): ServiceError => new ServiceError('BAD_REQUEST', message);

/** Caller-facing words for each named constraint; the constraint name itself is never SQL. */
const CONSTRAINT_MESSAGES: Record<string, string> = {
  ck_titles_kind: 'kind must be movie or show',
  ck_titles_name_not_blank: 'name must not be blank',
  ck_titles_year: 'year must be between 1800 and 9999',
  uq_titles_identity: 'a title of this kind with this name and year already exists',
  uq_episodes_unseasoned_number: 'this title already has an episode with that number outside any season',
  ck_seasons_number: 'season number must not be negative',
  ck_seasons_title_is_show: 'seasons belong only to shows (and a title with seasons stays a show)',
  uq_seasons_title_number: 'this title already has a season with that number',
  ck_episodes_number: 'episode number must not be negative',
  ck_episodes_numbered_in_season: 'an episode in a season needs a number',
  uq_episodes_season_number: 'this season already has an episode with that number',
  fk_episodes_season_of_title: 'the season does not exist or belongs to another title',
  uq_assets_uri: 'an asset with this uri already exists',
  ck_assets_uri_not_blank: 'uri must not be blank',
  ck_assets_size: 'size must not be negative',
  ck_assets_duration: 'durationMs must not be negative',
  ck_assets_hash: 'hashSha256 must be 64 lowercase hex characters',
  episode_assets_pkey: 'the asset is already linked to this episode',
  uq_episode_canonical_asset: 'an episode can have only one canonical asset',
  ck_provider_refs_entity_type: 'entityType must be title, episode or asset',
  ck_provider_refs_key: 'provider and providerKey must not be blank',
  ck_provider_refs_polymorphic: 'a provider ref must point at exactly the entity its entityType names',
  uq_provider_refs_provider_key: 'this provider key is already attached to an entity of that type',
  ck_markers_kind_not_blank: 'marker kind must not be blank',
  ck_markers_range: 'markers need 0 <= startMs <= endMs',
  ck_review_queue_reason_not_blank: 'reason must not be blank',
  ck_review_queue_confidence: 'confidence must be between 0 and 1',
  ck_review_queue_status: 'status must be pending, resolved or rejected',
  ck_review_queue_resolved_at: 'resolvedAt is set exactly when an item leaves pending',
  uq_sources_external_id: 'a source with this externalId already exists',
  ck_sources_kind: 'kind must be plex, filesystem, jellyfin or emby',
  ck_sources_not_blank: 'name and externalId must not be blank',
  uq_source_collections_source_external: 'this source already has a collection with that externalId',
  ck_source_collections_not_blank: 'name and externalId must not be blank',
  uq_path_mappings_collection_plex_path: 'this collection already maps that plexPath',
  ck_path_mappings_not_blank: 'plexPath and localPath must not be blank',
};

const describe = (constraint: string | undefined, fallback: string): string =>
  (constraint && CONSTRAINT_MESSAGES[constraint]) ?? fallback;

/** SQLSTATE classes meaning the database is unreachable or going away. */
// 57014: a statement cancelled by statement_timeout (the database is too slow or stuck to answer in time).
const UNAVAILABLE_SQLSTATES = /^(08|57P0|53|57014$)/;
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|Query read timeout|^timeout expired$|Timeout acquiring a connection|pool is probably full|PGlite is closed|Client has encountered a connection error|connection.*(closed|ended)|not currently accepting connections|terminating connection/i;

function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code } = err as { code?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_ERRNOS.has(code))) return true;
  return UNAVAILABLE_MESSAGES.test(err.message);
}

interface MappedError {
  code: TRPC_ERROR_CODE_KEY;
  message: string;
}

/** The single place where any failure becomes the code and message a caller sees. */
export function mapError(err: unknown): MappedError {
  if (err instanceof ServiceError) return { code: err.code, message: err.message };
  if (err instanceof NotFoundError) return { code: 'NOT_FOUND', message: 'not found' };
  if (err instanceof ValidationError) return { code: 'BAD_REQUEST', message: 'invalid input' };
  const dbError = err instanceof DBError ? err : wrapError(err as Error);
  if (dbError instanceof UniqueViolationError)
    return { code: 'CONFLICT', message: describe(dbError.constraint, 'a row with these values already exists') };
  if (dbError instanceof ForeignKeyViolationError)
    return { code: 'NOT_FOUND', message: describe(dbError.constraint, 'a referenced row does not exist') };
  if (dbError instanceof CheckViolationError)
    return { code: 'BAD_REQUEST', message: describe(dbError.constraint, 'a value is out of its allowed range') };
  if (dbError instanceof NotNullViolationError)
    return { code: 'BAD_REQUEST', message: `${camelCase(dbError.column)} is required` };
  if (dbError instanceof DataError) return { code: 'BAD_REQUEST', message: 'a value is malformed or out of range for its field' };
  // A unique violation raised by a trigger carries no "Key (...)" detail for db-errors to parse.
  const native = (dbError instanceof DBError ? dbError.nativeError : err) as { code?: unknown; constraint?: string };
  if (native?.code === '23505')
    return { code: 'CONFLICT', message: describe(native.constraint, 'a row with these values already exists') };
  if (isDatabaseUnavailable(err))
    return { code: 'SERVICE_UNAVAILABLE', message: 'the database is unavailable; try again shortly' };
  return { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' };
}

const camelCase = (column: string): string => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Turns anything thrown inside a procedure into a TRPCError with a caller-safe message. */
export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError && err.code !== 'INTERNAL_SERVER_ERROR') return withoutCredentials(err);
  const cause = err instanceof TRPCError && err.cause ? err.cause : err;
  if (cause instanceof TRPCError) return withoutCredentials(cause);
  const { code, message } = mapError(cause);
  return new TRPCError({ code, message: redactUrls(message), cause: cause instanceof Error ? cause : undefined });
}

/** A message may quote a URL a caller configured (a Plex baseUrl); its credentials never go back out. */
function withoutCredentials(err: TRPCError): TRPCError {
  const message = redactUrls(err.message);
  return message === err.message ? err : new TRPCError({ code: err.code, message, cause: err.cause });
}
