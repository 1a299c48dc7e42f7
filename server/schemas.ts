import { z } from 'zod';
import { redactConfig } from './services/secrets.js';

/**
 * The API contract: input validators and the output shapes callers (and the SDK's types) see.
 * Inputs are strict (unknown keys are refused, never stored); outputs are parsed, so nothing
 * outside these shapes (a secret, a cursor column) can leak out.
 */

export * from './domain/fields.js';
import { EntityType, Id, JsonRecord, Name, NonNegativeInt, TitleKind } from './domain/fields.js';
import { ADAPTERS, SOURCE_KINDS, type SourceKindName } from './sources/registry.js';

const Timestamp = z.date();

export const PageInput = {
  cursor: z.string().min(1).max(2048).optional(),
  limit: z.number().int().min(1).max(500).default(50),
};

/** `include` takes relation paths from an allow-list, e.g. ['seasons.episodes.assets']. */
export const includeOf = <const P extends readonly [string, ...string[]]>(paths: P) =>
  z.array(z.enum(paths)).max(paths.length).default([]);

export const ReviewStatus = z.enum(['pending', 'resolved', 'rejected']);

/** The kinds in the adapter registry. */
export const SourceKind = z.enum(SOURCE_KINDS);

type Adapters = typeof ADAPTERS;
type SourceVariant<S extends z.ZodRawShape, K extends SourceKindName, Config extends z.ZodType> = z.ZodObject<
  S & { kind: z.ZodLiteral<K>; config: Config },
  z.core.$strict
>;

/**
 * `sources.create` input: a discriminated union on `kind`, each variant with that kind's config
 * schema from the adapter registry (a new kind joins by being registered), so a wrong config
 * fails to compile in the SDK, not only at runtime.
 */
export function sourceCreateInput<S extends z.ZodRawShape>(shape: S) {
  type Variant = { [K in SourceKindName]: SourceVariant<S, K, Adapters[K]['config']> }[SourceKindName];
  const variants = SOURCE_KINDS.map((kind) => z.strictObject({ ...shape, kind: z.literal(kind), config: ADAPTERS[kind].config }));
  return z.discriminatedUnion('kind', variants as unknown as [Variant, ...Variant[]]);
}

/** `sources.update` input: the same union, with each kind's update config (secrets optional, null removes one), optional. */
export function sourceUpdateInput<S extends z.ZodRawShape>(shape: S) {
  type Variant = {
    [K in SourceKindName]: SourceVariant<S, K, z.ZodOptional<Adapters[K]['configUpdate']>>;
  }[SourceKindName];
  const variants = SOURCE_KINDS.map((kind) =>
    z.strictObject({ ...shape, kind: z.literal(kind), config: ADAPTERS[kind].configUpdate.optional() }),
  );
  return z.discriminatedUnion('kind', variants as unknown as [Variant, ...Variant[]]);
}

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
  /** The version's name ("Director's Cut"), when its source gives one. */
  edition: z.string().nullable(),
});

/** Part 2..n of a version made of parts (the version itself is part 1), with its place in play order. */
export const AssetPartOut = AssetOut.extend({ partIndex: z.number() });

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
  /** Secret-looking keys (at any depth) removed and URL credentials masked, as for sources. */
  // The pipe states the redacted shape, so the OpenAPI document and the API snapshot can describe it.
  config: JsonRecord.nullable()
    .transform((config) => (config === null ? null : redactConfig(config).config))
    .pipe(JsonRecord.nullable()),
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
  /** Parts 2..n in play order; empty for a single-file version. Always present when assets are included. */
  parts: z.array(AssetPartOut).optional(),
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

// ---- other results ----

/** A keyset page of `item`. */
export const pageOf = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const DeletedOut = z.object({ id: z.string(), deleted: z.literal(true) });

export const RegisteredAssetOut = z.object({ asset: AssetOut, created: z.boolean() });

export const ResolvedPathOut = z.object({ path: z.string(), localPath: z.string().nullable(), mappingId: z.string().nullable() });

export const HealthOut = z.object({
  status: z.enum(['ok', 'unhealthy']),
  database: z.object({
    reachable: z.boolean(),
    migration: z.string().nullable(),
    latencyMs: z.number().nullable(),
    /** Queries (and ingest transactions) waiting for a connection when the check arrived. */
    waiting: z.number(),
    /** The database answers, but callers queue for it (reads are slow until the load passes). */
    saturated: z.boolean(),
    error: z.string().optional(),
  }),
  uptimeSeconds: z.number(),
});

const KindCountsOut = z.object({ created: z.number(), updated: z.number(), unchanged: z.number() });

export const IngestReportOut = z.object({
  items: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  removed: z.number(),
  skipped: z.number(),
  queuedForReview: z.number(),
  rowsWritten: z.number(),
  byKind: z.object({
    titles: KindCountsOut,
    seasons: KindCountsOut,
    episodes: KindCountsOut,
    assets: KindCountsOut,
    links: KindCountsOut,
    providerRefs: KindCountsOut,
    markers: KindCountsOut,
  }),
  removedAssets: z.array(z.object({ id: z.string(), uri: z.string() })),
  rejected: z.number(),
  rejectedItems: z.array(z.object({ sourceKey: z.string().nullable(), reason: z.string() })),
  /** What a collection pull cost at its source (HTTP requests, retries included) and what it could not use. */
  source: z
    .object({
      requests: z.number(),
      markerRequests: z.number(),
      markersClamped: z.number(),
      markersDropped: z.record(z.string(), z.number()),
    })
    .optional(),
  /** Files a folder scan left out as extras (trailers, samples, featurettes...). */
  extras: z.number().default(0),
  /** The first 100 things the operator should know (a malformed NFO, an unreadable folder). */
  notices: z.array(z.string()).default([]),
});

const FieldErrorOut = z.object({ path: z.string(), message: z.string() });

export const IngestItemsOut = z.object({
  report: IngestReportOut,
  /** With `partial: true`: the items refused, by index in the call. */
  rejected: z.array(z.object({ index: z.number(), sourceKey: z.string().nullable(), errors: z.array(FieldErrorOut) })),
});

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const JobStateIn = z.enum(JOB_STATES);
/** `collection`: a whole-collection run; `live`: a targeted ingest queued by live sync. */
export const JOB_KINDS = ['collection', 'live'] as const;
export const JobKindIn = z.enum(JOB_KINDS);
export const LIVE_REASONS = ['notification', 'poll', 'sweep', 'watch'] as const;

export const IngestJobOut = z.object({
  id: z.string(),
  collectionId: z.string(),
  state: JobStateIn,
  /** `manual`: a caller started it; `schedule`: the service did (a re-sync, or live sync for `kind: 'live'`). */
  trigger: z.enum(['manual', 'schedule']),
  kind: JobKindIn,
  /** A live job's work: why it was queued and how many source keys it names; null for a collection run. */
  live: z.object({ reason: z.enum(LIVE_REASONS), changed: z.number(), deleted: z.number() }).nullable(),
  attempts: z.number(),
  worker: z.string().nullable(),
  progress: z.object({ itemsDone: z.number(), batchesDone: z.number(), itemsPerSecond: z.number(), phase: z.string() }),
  report: IngestReportOut.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  heartbeatAt: Timestamp.nullable(),
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
  /** Compared ignoring case, on the title's and the episode's genres. */
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
    /**
     * Count the whole pool with the first page (default). A pass over the pool, kept per filter until
     * the catalogue changes (services/catalog.ts); skip it when not needed.
     */
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

/** What names an episode or movie in the scheduler's answers: its title and its place in the show. */
const ProgrammeNames = {
  titleId: z.string(),
  kind: TitleKind,
  titleName: z.string(),
  seasonNumber: z.number().nullable(),
  episodeNumber: z.number().nullable(),
  episodeName: z.string().nullable(),
};

export const CatalogRow = z.object({
  episodeId: z.string(),
  ...ProgrammeNames,
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
  ...ProgrammeNames,
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

export const IngestJobPageOut = z.object({ items: z.array(IngestJobOut), nextCursor: z.string().nullable() });

// ------------------------------------------------------------------ change feed and audit trail

export const ChangeOp = z.enum(['insert', 'update', 'delete']);
export const ChangeOut = z.object({
  position: z.number().int(),
  table: z.string(),
  rowId: z.string(),
  op: ChangeOp,
  changes: z.record(z.string(), z.object({ old: z.json(), new: z.json() })).nullable(),
  before: z.record(z.string(), z.json()).nullable(),
  actor: z.string(),
  at: Timestamp,
});
export const FeedEntryOut = ChangeOut.extend({ cursor: z.string() });
export const AuditPageOut = pageOf(ChangeOut);
export const FeedPageOut = z.object({ items: z.array(FeedEntryOut), nextCursor: z.string() });

/** The tables the change log covers (migrations/20261126010000_change_log.ts). */
export const LoggedTable = z.enum([
  'titles',
  'seasons',
  'episodes',
  'assets',
  'episode_assets',
  'asset_parts',
  'markers',
  'provider_refs',
  'review_queue',
  'sources',
  'source_collections',
  'path_mappings',
]);
/** A feed cursor (`P`, `P.X` or `P.X.X2.L`) or a bare position. */
export const FeedCursor = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d{1,20}(\.\d{1,20}){0,3}$/, 'a change feed cursor'),
]);
