import assert from 'node:assert/strict';
import { db } from './support/harness.js';

/**
 * The migrated schema against DB_SCHEMA.md, column by column: name, type, nullability, default.
 * `NOT NULL` on timestamps is one of the added constraints; everything else is as documented.
 */
const uuidPk = ['id', 'uuid', false, 'gen_random_uuid()'] as const;
const createdAt = ['created_at', 'timestamp with time zone', false, 'CURRENT_TIMESTAMP'] as const;
type Column = readonly [name: string, type: string, nullable: boolean, defaultValue: string | null];

const DOCUMENTED: Record<string, Column[]> = {
  titles: [
    uuidPk,
    ['kind', 'character varying(50)', false, null],
    ['name', 'character varying(255)', false, null],
    ['year', 'integer', true, null],
    ['external_ids', 'jsonb', true, null],
    createdAt,
  ],
  seasons: [uuidPk, ['title_id', 'uuid', false, null], ['number', 'integer', false, null], createdAt],
  episodes: [
    uuidPk,
    ['title_id', 'uuid', false, null],
    ['season_id', 'uuid', true, null],
    ['number', 'integer', true, null],
    ['name', 'character varying(255)', true, null],
    ['external_ids', 'jsonb', true, null],
    createdAt,
  ],
  assets: [
    uuidPk,
    ['uri', 'text', false, null],
    ['size', 'bigint', false, null],
    ['duration_ms', 'integer', true, null],
    ['video_codec', 'character varying(50)', true, null],
    ['audio_codec', 'character varying(50)', true, null],
    ['container', 'character varying(50)', true, null],
    ['hash_sha256', 'character varying(64)', true, null],
    ['discovered_at', 'timestamp with time zone', false, 'CURRENT_TIMESTAMP'],
    ['canonical', 'boolean', false, 'false'],
  ],
  // additive (20261125030000_asset_parts): parts 2..n of a version made of parts
  asset_parts: [
    ['version_id', 'uuid', false, null],
    ['asset_id', 'uuid', false, null],
    ['part_index', 'integer', false, null],
  ],
  episode_assets: [
    ['episode_id', 'uuid', false, null],
    ['asset_id', 'uuid', false, null],
  ],
  provider_refs: [
    uuidPk,
    ['entity_type', 'character varying(50)', false, null],
    ['entity_id', 'uuid', false, null],
    ['provider', 'character varying(50)', false, null],
    ['provider_key', 'text', false, null],
    ['raw', 'jsonb', true, null],
    ['title_id', 'uuid', true, null],
    ['episode_id', 'uuid', true, null],
    ['asset_id', 'uuid', true, null],
  ],
  markers: [
    uuidPk,
    ['asset_id', 'uuid', false, null],
    ['kind', 'character varying(50)', false, null],
    ['start_ms', 'integer', false, null],
    ['end_ms', 'integer', false, null],
    ['payload', 'jsonb', true, null],
  ],
  review_queue: [
    uuidPk,
    ['asset_id', 'uuid', false, null],
    ['reason', 'text', false, null],
    ['confidence', 'double precision', false, null],
    ['status', 'character varying(50)', false, "'pending'::character varying"],
    createdAt,
    ['resolved_at', 'timestamp with time zone', true, null],
  ],
  sources: [
    uuidPk,
    ['external_id', 'character varying(255)', false, null],
    ['name', 'character varying(255)', false, null],
    ['kind', 'character varying(50)', false, null],
    ['config', 'jsonb', true, null],
    createdAt,
    ['updated_at', 'timestamp with time zone', false, 'CURRENT_TIMESTAMP'],
  ],
  source_collections: [
    uuidPk,
    ['source_id', 'uuid', false, null],
    ['external_id', 'character varying(255)', false, null],
    ['name', 'character varying(255)', false, null],
    ['enabled', 'boolean', false, 'false'],
    ['config', 'jsonb', true, null],
    createdAt,
    ['updated_at', 'timestamp with time zone', false, 'CURRENT_TIMESTAMP'],
  ],
  path_mappings: [
    uuidPk,
    ['collection_id', 'uuid', false, null],
    ['plex_path', 'character varying(500)', false, null],
    ['local_path', 'character varying(500)', false, null],
    createdAt,
  ],
  // Additive (issue 14): durable ingest jobs.
  ingest_jobs: [
    uuidPk,
    ['collection_id', 'uuid', false, null],
    ['state', 'character varying(16)', false, "'queued'::character varying"],
    ['trigger', 'character varying(16)', false, "'manual'::character varying"],
    ['attempts', 'integer', false, '0'],
    ['worker', 'character varying(200)', true, null],
    ['progress', 'jsonb', false, "'{}'::jsonb"],
    ['report', 'jsonb', true, null],
    ['error', 'jsonb', true, null],
    createdAt,
    ['started_at', 'timestamp with time zone', true, null],
    ['finished_at', 'timestamp with time zone', true, null],
    ['heartbeat_at', 'timestamp with time zone', true, null],
    // Additive (issue 15): live sync's targeted jobs are rows too.
    ['kind', 'character varying(16)', false, "'collection'::character varying"],
    ['target', 'jsonb', true, null],
  ],
  // Additive (issue 15): the change log (position is an identity column: no default expression).
  change_log: [
    ['position', 'bigint', false, null],
    ['xid', 'xid8', false, 'pg_current_xact_id()'],
    ['at', 'timestamp with time zone', false, 'CURRENT_TIMESTAMP'],
    ['table_name', 'text', false, null],
    ['row_id', 'text', false, null],
    ['op', 'text', false, null],
    ['changes', 'jsonb', true, null],
    ['actor', 'text', false, null],
  ],
  // Additive (issue 16, 20261127020000): the last TRUNCATE of a pool table or deletion of log entries.
  catalog_count_resets: [
    ['id', 'smallint', false, '1'],
    ['xid', 'xid8', false, 'pg_current_xact_id()'],
  ],
};

/** Columns added by later, additive migrations (appended after the documented ones). */
const METADATA_COLUMNS: Column[] = [
  ['genres', 'text[]', false, "'{}'::text[]"],
  ['content_rating', 'character varying(50)', true, null],
  ['summary', 'text', true, null],
  ['originally_available_at', 'date', true, null],
  ['studio', 'character varying(255)', true, null],
  ['locked_fields', 'text[]', false, "'{}'::text[]"],
];
const ADDITIVE: Record<string, Column[]> = {
  titles: METADATA_COLUMNS,
  episodes: [
    ...METADATA_COLUMNS,
    ['shuffle_key', 'integer', false, '(floor((random() * (2147483647)::double precision)))::integer'],
  ],
  // additive (20261127010000_fingerprint_on_link): the ingested item's fingerprint
  episode_assets: [['fingerprint', 'bytea', true, null]],
  assets: [
    ['missing_since', 'timestamp with time zone', true, null],
    // additive (20261125030000_asset_parts): the version's edition
    ['edition', 'character varying(100)', true, null],
  ],
};
const EXPECTED: Record<string, Column[]> = Object.fromEntries(
  Object.entries(DOCUMENTED).map(([table, columns]) => [table, [...columns, ...(ADDITIVE[table] ?? [])]]),
);

/** Foreign keys as documented: every one cascades. */
const FOREIGN_KEYS = [
  'asset_parts.asset_id -> assets CASCADE',
  'asset_parts.version_id -> assets CASCADE',
  'episode_assets.asset_id -> assets CASCADE',
  'episode_assets.episode_id -> episodes CASCADE',
  'episodes.season_id -> seasons CASCADE',
  'episodes.title_id -> titles CASCADE',
  'ingest_jobs.collection_id -> source_collections CASCADE',
  'markers.asset_id -> assets CASCADE',
  'path_mappings.collection_id -> source_collections CASCADE',
  'provider_refs.asset_id -> assets CASCADE',
  'provider_refs.episode_id -> episodes CASCADE',
  'provider_refs.title_id -> titles CASCADE',
  'review_queue.asset_id -> assets CASCADE',
  'seasons.title_id -> titles CASCADE',
  'source_collections.source_id -> sources CASCADE',
];

/** Indexes the document names. */
const NAMED_INDEXES = [
  'ix_assets_canonical',
  'ix_assets_discovered_at',
  'ix_markers_asset_id',
  'ix_markers_kind',
  'ix_review_queue_asset_id',
  'ix_review_queue_status',
  'ix_review_queue_created_at',
  'ix_source_collections_source_id',
  'ix_source_collections_enabled',
  'ix_path_mappings_collection_id',
];

describe('schema dump matches DB_SCHEMA.md', () => {
  it('every table and column, with its type, nullability and default', async () => {
    const { rows } = await db().raw(`
      SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
             NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default_value
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND c.relname NOT LIKE 'knex_%'
      ORDER BY c.relname, a.attnum`);
    const actual: Record<string, Column[]> = {};
    for (const r of rows as Array<{
      table_name: string;
      column_name: string;
      type: string;
      nullable: boolean;
      default_value: string | null;
    }>) {
      (actual[r.table_name] ??= []).push([
        r.column_name,
        r.type,
        r.nullable,
        r.default_value?.replace(/^now\(\)$/, 'CURRENT_TIMESTAMP') ?? null,
      ]);
    }
    assert.deepEqual(actual, EXPECTED);
  });

  it('foreign keys cascade as documented, and the documented indexes exist', async () => {
    const { rows: fks } = await db().raw(`
      SELECT conrelid::regclass::text || '.' || a.attname || ' -> ' || confrelid::regclass::text || ' ' ||
             CASE confdeltype WHEN 'c' THEN 'CASCADE' ELSE confdeltype::text END AS fk
      FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND array_length(conkey, 1) = 1 ORDER BY 1`);
    assert.deepEqual(rows(fks, 'fk'), [...FOREIGN_KEYS].sort());
    const { rows: indexes } = await db().raw(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`);
    const names = new Set(rows(indexes, 'indexname'));
    for (const index of NAMED_INDEXES) assert.ok(names.has(index), `missing ${index}`);
    assert.ok(names.has('ix_review_queue_pending'), 'the partial index for pending reviews');
  });
});

const rows = (list: Array<Record<string, string>>, key: string) => list.map((r) => r[key]!);
