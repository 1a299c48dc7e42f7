import { z } from 'zod';

/**
 * The API contract: input validators and the output shapes callers (and the SDK's types) see.
 * Inputs are strict (unknown keys are refused, never stored); outputs are parsed, so nothing
 * outside these shapes (a secret, a cursor column) can leak out.
 */

export const Id = z.guid({ message: 'must be a UUID' });
export const Name = z.string().trim().min(1, 'must not be blank').max(255);
const Code = z.string().trim().min(1).max(50);
export const NonNegativeInt = z.number().int().min(0).max(2_147_483_647);
export const JsonRecord = z.record(z.string().max(200), z.json());
const Timestamp = z.date();

export const PageInput = {
  cursor: z.string().min(1).max(2048).optional(),
  limit: z.number().int().min(1).max(500).default(50),
};

/** `include` takes relation paths from an allow-list, e.g. ['seasons.episodes.assets']. */
export const includeOf = <const P extends readonly [string, ...string[]]>(paths: P) =>
  z.array(z.enum(paths)).max(paths.length).default([]);

export const TitleKind = z.enum(['movie', 'show']);
export const EntityType = z.enum(['title', 'episode', 'asset']);
export const ReviewStatus = z.enum(['pending', 'resolved', 'rejected']);
export const SourceKind = z.enum(['plex', 'filesystem']);

/**
 * What a scheduler programs with, on titles and episodes (and in ingest items). From Plex: `Genre`,
 * `contentRating`, `summary`, `originallyAvailableAt`, `studio`; from NFO: genre, mpaa, plot, aired/premiered, studio.
 */
export const MetadataFields = {
  genres: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  contentRating: z.string().trim().min(1).max(50).nullable().optional(),
  summary: z.string().max(20_000).nullable().optional(),
  /** Original air date (episodes) or release date (movies), `YYYY-MM-DD`. */
  originallyAvailableAt: z.iso.date({ message: 'must be a date, YYYY-MM-DD' }).nullable().optional(),
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
  uri: z.string().trim().min(1).max(4096),
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

export const fieldErrors = (issues: ReadonlyArray<{ path?: ReadonlyArray<PropertyKey>; message?: string }>): FieldError[] =>
  issues.map((issue) => ({ path: (issue.path ?? []).map(String).join('.'), message: String(issue.message ?? 'invalid') }));

// ---- outputs ----

const MetadataOut = {
  genres: z.array(z.string()),
  contentRating: z.string().nullable(),
  summary: z.string().nullable(),
  originallyAvailableAt: z.string().nullable(),
  studio: z.string().nullable(),
  /** Fields a person edited: the sync leaves them as they are. */
  lockedFields: z.array(z.string()),
};

export const TitleOut = z.object({
  id: z.string(),
  kind: TitleKind,
  name: z.string(),
  year: z.number().nullable(),
  externalIds: JsonRecord.nullable(),
  ...MetadataOut,
  createdAt: Timestamp,
});

export const SeasonOut = z.object({
  id: z.string(),
  titleId: z.string(),
  number: z.number(),
  createdAt: Timestamp,
});

export const EpisodeOut = z.object({
  id: z.string(),
  titleId: z.string(),
  seasonId: z.string().nullable(),
  number: z.number().nullable(),
  name: z.string().nullable(),
  externalIds: JsonRecord.nullable(),
  ...MetadataOut,
  createdAt: Timestamp,
});

export const AssetOut = z.object({
  id: z.string(),
  uri: z.string(),
  size: z.number(),
  durationMs: z.number().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  container: z.string().nullable(),
  hashSha256: z.string().nullable(),
  discoveredAt: Timestamp,
  canonical: z.boolean(),
  /** When the file disappeared from its source; null while present. A missing asset is never offered for playout. */
  missingSince: Timestamp.nullable(),
});

export const MarkerOut = z.object({
  id: z.string(),
  assetId: z.string(),
  kind: z.string(),
  startMs: z.number(),
  endMs: z.number(),
  payload: JsonRecord.nullable(),
});

export const ReviewOut = z.object({
  id: z.string(),
  assetId: z.string(),
  reason: z.string(),
  confidence: z.number(),
  status: ReviewStatus,
  createdAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
});

export const ProviderRefOut = z.object({
  id: z.string(),
  entityType: EntityType,
  entityId: z.string(),
  provider: z.string(),
  providerKey: z.string(),
  raw: z.json().nullable(),
});

export const SourceOut = z.object({
  id: z.string(),
  externalId: z.string(),
  name: z.string(),
  kind: SourceKind,
  /** The source's config with every secret removed. */
  config: JsonRecord,
  /** Names of the secrets held in config (set, never shown). */
  secretKeys: z.array(z.string()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const CollectionOut = z.object({
  id: z.string(),
  sourceId: z.string(),
  externalId: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  config: JsonRecord.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const PathMappingOut = z.object({
  id: z.string(),
  collectionId: z.string(),
  plexPath: z.string(),
  localPath: z.string(),
  createdAt: Timestamp,
});

// ---- graphs returned by `get` with `include` ----

export const AssetGraph = AssetOut.extend({
  markers: z.array(MarkerOut).optional(),
  reviews: z.array(ReviewOut).optional(),
  providerRefs: z.array(ProviderRefOut).optional(),
  episodes: z.array(EpisodeOut.extend({ title: TitleOut.optional() })).optional(),
});

export const EpisodeGraph = EpisodeOut.extend({
  title: TitleOut.optional(),
  season: SeasonOut.nullable().optional(),
  assets: z.array(AssetGraph).optional(),
  providerRefs: z.array(ProviderRefOut).optional(),
});

export const SeasonGraph = SeasonOut.extend({
  title: TitleOut.optional(),
  episodes: z.array(EpisodeGraph).optional(),
});

export const TitleGraph = TitleOut.extend({
  /** Whether the title's files are still at their source (`allFilesMissing`: nothing left to play). */
  availability: z.object({ files: z.number(), missingFiles: z.number(), allFilesMissing: z.boolean() }).optional(),
  seasons: z.array(SeasonGraph).optional(),
  episodes: z.array(EpisodeGraph).optional(),
  providerRefs: z.array(ProviderRefOut).optional(),
});

export const CollectionGraph = CollectionOut.extend({
  source: SourceOut.optional(),
  pathMappings: z.array(PathMappingOut).optional(),
});

export const SourceGraph = SourceOut.extend({
  collections: z.array(CollectionOut.extend({ pathMappings: z.array(PathMappingOut).optional() })).optional(),
});

export const ProviderRefGraph = ProviderRefOut.extend({
  title: TitleOut.nullable().optional(),
  episode: EpisodeOut.nullable().optional(),
  asset: AssetOut.nullable().optional(),
});

// ---- catalog (programming queries) and playout ----

/** An episode number or range: `5`, `2..10`, `3..` (from 3 on), `..4` (up to 4). */
export const EpisodeRange = z.union([
  NonNegativeInt,
  z
    .string()
    .trim()
    .regex(/^\d{0,9}\.\.\d{0,9}$/, 'must be a number or a range like 2..10')
    .refine((r) => r !== '..', 'a range needs at least one end'),
]);
const IncludeExclude = z.strictObject({
  include: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  exclude: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
});
const Year = z.number().int().min(1800).max(9999);

export const CatalogFilter = {
  kind: TitleKind.optional(),
  titleIds: z.array(Id).max(500).optional(),
  /** Title names, compared ignoring case. */
  titleNames: z.array(Name).max(100).optional(),
  seasons: z.array(NonNegativeInt).max(100).optional(),
  episodes: z.array(EpisodeRange).max(50).optional(),
  minDurationMs: NonNegativeInt.optional(),
  maxDurationMs: NonNegativeInt.optional(),
  genres: IncludeExclude.optional(),
  contentRatings: IncludeExclude.optional(),
  minYear: Year.optional(),
  maxYear: Year.optional(),
  sourceId: Id.optional(),
  collectionId: Id.optional(),
  /** Only items whose canonical version has a marker of this kind (e.g. `avail`). */
  hasMarkerKind: z.string().trim().min(1).max(50).optional(),
  /** Only what playout can play now (default): a canonical version, present, with a duration. */
  playableOnly: z.boolean().default(true),
};

export const CatalogQueryInput = z
  .strictObject({
    ...CatalogFilter,
    order: z.enum(['broadcast', 'random']).default('broadcast'),
    /** With `order: 'random'`: the same seed gives the same order. */
    seed: z.number().int().min(0).max(2_147_483_647).optional(),
    /** Count the whole pool with the first page (default). It costs a pass over the pool: skip it when not needed. */
    withTotal: z.boolean().default(true),
    ...PageInput,
  })
  .refine((i) => i.minDurationMs === undefined || i.maxDurationMs === undefined || i.minDurationMs <= i.maxDurationMs, {
    message: 'minDurationMs must not exceed maxDurationMs',
    path: ['minDurationMs'],
  })
  .refine((i) => i.minYear === undefined || i.maxYear === undefined || i.minYear <= i.maxYear, {
    message: 'minYear must not exceed maxYear',
    path: ['minYear'],
  })
  .refine((i) => i.order !== 'random' || i.seed !== undefined, { message: 'random order needs a seed', path: ['seed'] });
export type CatalogQueryInput = z.output<typeof CatalogQueryInput>;

export const CatalogRow = z.object({
  episodeId: z.string(),
  titleId: z.string(),
  kind: TitleKind,
  titleName: z.string(),
  seasonNumber: z.number().nullable(),
  episodeNumber: z.number().nullable(),
  episodeName: z.string().nullable(),
  /** The canonical version (null when there is none). */
  assetId: z.string().nullable(),
  durationMs: z.number().nullable(),
  contentRating: z.string().nullable(),
  genres: z.array(z.string()),
  year: z.number().nullable(),
  playable: z.boolean(),
});
export type CatalogRow = z.infer<typeof CatalogRow>;

export const CatalogPage = z.object({
  items: z.array(CatalogRow),
  nextCursor: z.string().nullable(),
  /** How many items match the filter in all (computed with the first page, carried by the cursor); null with `withTotal: false`. */
  total: z.number().nullable(),
});

export const CatalogStepInput = z.strictObject({
  episodeId: Id,
  /** Season 0 and episodes outside seasons are specials: skipped unless asked for. */
  includeSpecials: z.boolean().default(false),
  /** Past the last episode, start again from the first. */
  wrap: z.boolean().default(false),
  /** Skip episodes playout could not play now (default). */
  playableOnly: z.boolean().default(true),
});

export const CatalogStep = z.object({ item: CatalogRow.nullable(), wrapped: z.boolean() });

export const SearchInput = z.strictObject({
  q: z.string().trim().min(1).max(255),
  /** What to search: title names, episode names, or both (default). */
  in: z.enum(['titles', 'episodes', 'all']).default('all'),
  kind: TitleKind.optional(),
  limit: z.number().int().min(1).max(100).default(20),
});

export const SearchHit = z.object({
  type: z.enum(['title', 'episode']),
  id: z.string(),
  titleId: z.string(),
  kind: TitleKind,
  titleName: z.string(),
  seasonNumber: z.number().nullable(),
  episodeNumber: z.number().nullable(),
  episodeName: z.string().nullable(),
  /** Trigram word similarity in [0, 1]; best first. */
  score: z.number(),
});

/** What `playout.get` can look an item up by. */
export const PlayoutRef = z.union([
  z.strictObject({ episodeId: Id }),
  z.strictObject({ uri: z.string().trim().min(1).max(4096) }),
  z.strictObject({ provider: z.string().trim().min(1).max(50), key: z.string().min(1).max(1000) }),
  /** `<show-slug>.s01e02` or `<movie-slug>.1999`. */
  z.strictObject({ slug: z.string().trim().min(1).max(300) }),
]);
export type PlayoutRef = z.infer<typeof PlayoutRef>;

export const PlayoutInput = z.strictObject({ items: z.array(PlayoutRef).min(1).max(200) });

export const PlayoutReason = z.enum([
  'not_found',
  'ambiguous',
  'no_canonical_version',
  'part_missing',
  'no_duration',
  'file_missing',
]);

export const PlayoutFile = z.object({
  assetId: z.string(),
  /** 1 for the version itself, 2.. for its further parts. */
  part: z.number(),
  uri: z.string(),
  /** A local filesystem path when the uri names one (a `file:` URL or an absolute path). */
  localPath: z.string().nullable(),
  size: z.number(),
  durationMs: z.number().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  container: z.string().nullable(),
  missingSince: Timestamp.nullable(),
});

export const PlayoutBreak = z.object({
  kind: z.string(),
  /** On the whole programme's timeline (parts played back to back). */
  startMs: z.number(),
  endMs: z.number(),
  assetId: z.string(),
  payload: JsonRecord.nullable(),
});

export const PlayoutItem = z.object({
  ref: PlayoutRef,
  episodeId: z.string().nullable(),
  titleId: z.string().nullable(),
  playable: z.boolean(),
  /** Why not playable (null when playable). */
  reason: PlayoutReason.nullable(),
  files: z.array(PlayoutFile),
  totalDurationMs: z.number().nullable(),
  breaks: z.array(PlayoutBreak),
});
export type PlayoutItem = z.infer<typeof PlayoutItem>;

export const PlayoutOutput = z.object({ items: z.array(PlayoutItem) });

export const PurgeMissingInput = z.strictObject({
  /** Assets missing since before this moment are deleted (with their links, markers and refs). */
  olderThan: z.date(),
  /** Report what would go, delete nothing. */
  dryRun: z.boolean().default(false),
});
export const PurgeMissingOutput = z.object({
  purged: z.number(),
  dryRun: z.boolean(),
  /** The first 100, by uri. */
  assets: z.array(z.object({ id: z.string(), uri: z.string(), missingSince: Timestamp })),
});
