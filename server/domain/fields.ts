import { z } from 'zod';
import { canonicalFileUri } from './fileUri.js';

/**
 * Schema pieces shared by the API contract (server/schemas.ts) and the normalized ingest item
 * (server/domain/items.ts): one definition of each, importable by adapters without pulling in
 * the routers' schemas.
 */

export const Id = z.guid({ message: 'must be a UUID' });
export const Name = z.string().trim().min(1, 'must not be blank').max(255);
export const Code = z.string().trim().min(1).max(50);
export const NonNegativeInt = z.number().int().min(0).max(2_147_483_647);
export const JsonRecord = z.record(z.string().max(200), z.json());

export const TitleKind = z.enum(['movie', 'show']);
/** A provider name (`plex`, `tmdb`) and a key in its namespace. */
export const Provider = z.string().trim().min(1).max(50);
export const ProviderKey = z.string().min(1).max(1000);
export const EntityType = z.enum(['title', 'episode', 'asset']);

/**
 * What a scheduler programs with, on titles and episodes (and in ingest items). From Plex: `Genre`,
 * `contentRating`, `summary`, `originallyAvailableAt`, `studio`; from NFO: genre, mpaa, plot, aired/premiered, studio.
 */
/** `YYYY-MM-DD`, a real calendar day (`2005-02-30` is none): the item schema's dates, and what adapters keep. */
export const CalendarDate = z.iso.date({ message: 'must be a date, YYYY-MM-DD' });

export const MetadataFields = {
  genres: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  contentRating: z.string().trim().min(1).max(50).nullable().optional(),
  summary: z.string().max(20_000).nullable().optional(),
  /** Original air date (episodes) or release date (movies), `YYYY-MM-DD`. */
  originallyAvailableAt: CalendarDate.nullable().optional(),
  /** Studio (movies) or network (shows). */
  studio: z.string().trim().min(1).max(255).nullable().optional(),
};
export const METADATA_KEYS = ['genres', 'contentRating', 'summary', 'originallyAvailableAt', 'studio'] as const;
/** Fields a person's edit locks against the next sync (episode names too: a sync would rename them back). */
export const LockableField = z.enum([...METADATA_KEYS, 'name']);
export type LockableField = z.infer<typeof LockableField>;
/** In `titles.update`/`episodes.update`: fields to hand back to the sync (their lock is lifted). */
export const UnlockInput = { unlock: z.array(LockableField).max(10).optional() };

export const TitleFields = {
  kind: TitleKind,
  name: Name,
  year: z.number().int().min(1800).max(9999).nullable().optional(),
  externalIds: JsonRecord.nullable().optional(),
  ...MetadataFields,
};

export const AssetFields = {
  /** Local files in one canonical form (`file:///mnt/tv/x.mkv`, see ./fileUri.ts); other URIs as given. */
  uri: z.string().trim().min(1).max(4096).transform(canonicalFileUri),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  durationMs: NonNegativeInt.nullable().optional(),
  videoCodec: Code.nullable().optional(),
  audioCodec: Code.nullable().optional(),
  container: Code.nullable().optional(),
  hashSha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
    .transform((h) => h.toLowerCase())
    .nullable()
    .optional(),
};

export const MarkerFields = {
  kind: Code,
  startMs: NonNegativeInt,
  endMs: NonNegativeInt,
  payload: JsonRecord.nullable().optional(),
};

/** 0 <= startMs <= endMs; a patch is checked when it sends both (the service checks the stored side). */
export const startNotAfterEnd = (m: { startMs?: number | undefined; endMs?: number | undefined }) =>
  m.startMs === undefined || m.endMs === undefined || m.startMs <= m.endMs;
export const MARKER_RANGE = { message: 'startMs must not be after endMs', path: ['startMs'] };
export const MarkerInput = z.strictObject(MarkerFields).refine(startNotAfterEnd, MARKER_RANGE);

/** A validation error's issues as callers see them: a dotted path and a message each. */
export interface FieldError {
  path: string;
  message: string;
}

/** Field errors as one line: `path: message; ...`, each path under `prefix` (e.g. `config.`). */
export const describeFieldErrors = (errors: readonly FieldError[], prefix = ''): string =>
  errors.map((e) => (e.path || prefix ? `${`${prefix}${e.path}`.replace(/\.$/, '')}: ${e.message}` : e.message)).join('; ');

export const fieldErrors = (issues: ReadonlyArray<{ path?: ReadonlyArray<PropertyKey>; message?: string }>): FieldError[] =>
  issues.map((issue) => ({ path: (issue.path ?? []).map(String).join('.'), message: String(issue.message ?? 'invalid') }));
