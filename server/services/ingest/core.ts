import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { stringify as stableStringify } from 'safe-stable-stringify';
import type { IngestAssetItem, IngestAssetPartItem, IngestItem, ProviderKey } from '../../domain/items.js';
import { escapeLike } from '../crud.js';
import { describeFieldErrors } from '../../domain/fields.js';
import type { RejectedItem } from '../../domain/items.js';
import type { PullCost } from '../../sources/port.js';
import { scopedRemovals } from './removals.js';
import {
  insertValues,
  mergedAssignments,
  mergedName,
  mergedValues,
  metadataBindings,
  METADATA_COLUMNS,
  METADATA_PARAMS,
  storedValues,
} from './metadata.js';
import { throughWriteGate } from './writeGate.js';

/**
 * The ingest core: normalized items in, set-based upserts out. Each batch is one transaction of
 * a fixed number of statements (one `INSERT ... SELECT FROM unnest(...) ON CONFLICT` per table),
 * whatever the batch size. Updates only touch rows whose values differ, so re-ingesting an
 * unchanged library writes nothing. Weak matches are stored, not linked, and queued for review.
 */

/** Below this confidence an item is not linked into the catalogue but queued for review. */
export const REVIEW_THRESHOLD = 0.7;

/**
 * The confidence formula: start at 1 and multiply by a factor for each doubt.
 * Any single doubt takes an item below REVIEW_THRESHOLD.
 */
export const CONFIDENCE_FACTORS = {
  /** The adapter could not tell what the file is (no title). */
  unidentified: 0.3,
  /** A file without a known duration cannot be scheduled. */
  missingDuration: 0.5,
  /** A provider id already names another entity, or one provider gives two ids. */
  conflictingIds: 0.4,
} as const;

export interface KindCounts {
  created: number;
  updated: number;
  unchanged: number;
}

const KINDS = ['titles', 'seasons', 'episodes', 'assets', 'links', 'providerRefs', 'markers'] as const;
export type IngestKind = (typeof KINDS)[number];

export interface IngestReport {
  items: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Assets the collection no longer has (reported, never deleted: a person may have linked them). */
  removed: number;
  /** Source items (Plex shows and movies, files) skipped without work because they did not change since the last ingest. */
  skipped: number;
  queuedForReview: number;
  /** Rows inserted, updated or deleted: 0 for an unchanged re-ingest. */
  rowsWritten: number;
  byKind: Record<IngestKind, KindCounts>;
  removedAssets: Array<{ id: string; uri: string }>;
  /** Items a source yielded that the `IngestItem` schema refused: not written, the rest of the collection was. */
  rejected: number;
  /** The first 100 of them: the source's key for the item and why it was refused. */
  rejectedItems: Array<{ sourceKey: string | null; reason: string }>;
  /** What the source pull cost and dropped (a Plex collection ingest). */
  source?: PullCost;
  /** Files a collection pull left out of the catalogue as extras (trailers, samples, featurettes...). */
  extras: number;
  /** The first 100 things a pull wants the operator to know (a malformed NFO, an unreadable folder). */
  notices: string[];
}

/**
 * What a pull of a whole collection tells the core about presence: asset provider keys (under the
 * collection's prefix) that were seen, and keys of source items skipped as unchanged (present
 * themselves, and so is every key under them). Anything else under the prefix is reported as removed.
 */
export interface CollectionPull {
  provider: string;
  keyPrefix: string;
  seenKeys: string[];
  skippedKeys: string[];
  /** When given, removals are looked for only under these key prefixes (what changed or vanished), not the whole collection. */
  scopes?: string[];
  extras: number;
  notices: string[];
}

export interface IngestProgress {
  itemsDone: number;
  batchesDone: number;
  report: IngestReport;
}

export interface IngestOptions {
  /** The collection being ingested: serialises concurrent ingests of it and scopes removal detection. */
  collectionId?: string;
  batchSize?: number;
  onProgress?: (progress: IngestProgress) => void;
  /** Awaited after every committed batch (a durable job stores its progress here, or stops the run by throwing). */
  afterBatch?: (progress: IngestProgress) => Promise<void>;
}

export function emptyReport(): IngestReport {
  const byKind = Object.fromEntries(KINDS.map((k) => [k, { created: 0, updated: 0, unchanged: 0 }])) as Record<
    IngestKind,
    KindCounts
  >;
  return {
    items: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    skipped: 0,
    queuedForReview: 0,
    rowsWritten: 0,
    byKind,
    removedAssets: [],
    rejected: 0,
    rejectedItems: [],
    extras: 0,
    notices: [],
  };
}

/** A raw statement's rows (arrays in bindings become PostgreSQL arrays, for unnest). */
async function query<T = Record<string, unknown>>(db: Knex, text: string, bindings: unknown[]): Promise<T[]> {
  const result = (await db.raw(text, bindings as Knex.RawBinding[])) as { rows: T[] };
  return result.rows;
}

// ---------------------------------------------------------------------------------------------
// identities: how an item's parts are recognised in the database

const titleIdentity = (t: NonNullable<IngestItem['title']>) => `${t.kind}|${t.name.toLowerCase()}|${t.year ?? 0}`;
const episodeIdentity = (item: IngestItem) =>
  `${titleIdentity(item.title!)}|${item.season?.number ?? -1}|${item.episode?.number ?? -1}`;
const refKey = (type: string, r: ProviderKey) => `${type}|${r.provider}|${r.key}`;
/** A version's files: itself (part 1), then its parts 2..n in play order. */
const filesOf = (asset: IngestAssetItem): Array<IngestAssetItem | IngestAssetPartItem> => [asset, ...(asset.parts ?? [])];

interface Classified {
  item: IngestItem;
  confidence: number;
  reasons: string[];
  /** Create title/season/episode rows (the item says clearly what it is). */
  structure: boolean;
  /** Link the assets to the episode (a strong match). */
  link: boolean;
}

interface ExistingRef {
  provider: string;
  provider_key: string;
  entity_type: string;
  identity: string;
}

/** One query: what each provider key in the batch already names, as an identity to compare. */
async function existingRefIdentities(
  trx: Knex.Transaction,
  refs: Array<{ type: string; ref: ProviderKey }>,
): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  // Driven from the batch's keys: one unique-index probe per key, then primary-key joins.
  const rows = await query<ExistingRef>(
    trx,
    `SELECT k.type AS entity_type, k.provider, k.key AS provider_key,
            CASE k.type
              WHEN 'title' THEN t.kind || '|' || lower(t.name) || '|' || coalesce(t.year, 0)
              WHEN 'episode' THEN et.kind || '|' || lower(et.name) || '|' || coalesce(et.year, 0) || '|' || coalesce(s.number, -1) || '|' || coalesce(e.number, -1)
              ELSE a.uri END AS identity
     FROM unnest(?::text[], ?::text[], ?::text[]) AS k(type, provider, key)
     JOIN provider_refs pr ON pr.provider = k.provider AND pr.provider_key = k.key AND pr.entity_type = k.type
     LEFT JOIN titles t ON t.id = pr.title_id
     LEFT JOIN episodes e ON e.id = pr.episode_id
     LEFT JOIN titles et ON et.id = e.title_id
     LEFT JOIN seasons s ON s.id = e.season_id
     LEFT JOIN assets a ON a.id = pr.asset_id`,
    [refs.map((r) => r.type), refs.map((r) => r.ref.provider), refs.map((r) => r.ref.key)],
  );
  return new Map(rows.map((r) => [`${r.entity_type}|${r.provider}|${r.provider_key}`, r.identity]));
}

function refsOf(item: IngestItem): Array<{ type: 'title' | 'episode' | 'asset'; ref: ProviderKey; identity: string }> {
  const out: Array<{ type: 'title' | 'episode' | 'asset'; ref: ProviderKey; identity: string }> = [];
  if (item.title) {
    for (const ref of item.title.providerRefs ?? []) out.push({ type: 'title', ref, identity: titleIdentity(item.title) });
    for (const ref of item.episode?.providerRefs ?? []) out.push({ type: 'episode', ref, identity: episodeIdentity(item) });
  }
  for (const file of item.assets.flatMap(filesOf))
    for (const ref of file.providerRefs ?? []) out.push({ type: 'asset', ref, identity: file.uri });
  return out;
}

/** Scores every item by the confidence formula and decides what is written for it. */
async function classify(trx: Knex.Transaction, items: IngestItem[], locatorPrefix: string | null): Promise<Classified[]> {
  const allRefs = items.flatMap(refsOf);
  const existing = await existingRefIdentities(trx, allRefs);
  const claimed = new Map<string, string>();
  return items.map((item) => {
    const reasons: string[] = [];
    let confidence = 1;
    const doubt = (factor: number, reason: string) => {
      confidence *= factor;
      reasons.push(reason);
    };
    if (!item.title) doubt(CONFIDENCE_FACTORS.unidentified, 'could not tell which title this file belongs to');
    const noDuration = item.assets
      .flatMap(filesOf)
      .filter((a) => a.durationMs == null)
      .map((a) => a.uri);
    if (noDuration.length) doubt(CONFIDENCE_FACTORS.missingDuration, `missing duration: ${noDuration.join(', ')}`);

    const conflicts: string[] = [];
    const perProvider = new Map<string, string>();
    for (const ref of item.title?.providerRefs ?? []) {
      if (locatorPrefix !== null && ref.key.startsWith(locatorPrefix)) continue;
      const seen = perProvider.get(ref.provider);
      if (seen !== undefined && seen !== ref.key) conflicts.push(`two ${ref.provider} ids (${seen}, ${ref.key})`);
      perProvider.set(ref.provider, ref.key);
    }
    for (const { type, ref, identity } of refsOf(item)) {
      // A locator (where the item sits in this collection's source) follows the item: never a doubt.
      if (locatorPrefix !== null && ref.key.startsWith(locatorPrefix)) continue;
      const key = refKey(type, ref);
      const other = existing.get(key) ?? claimed.get(key);
      if (other !== undefined && other !== identity) conflicts.push(`${ref.provider} ${ref.key} already names another ${type}`);
      else claimed.set(key, identity);
    }
    if (conflicts.length) doubt(CONFIDENCE_FACTORS.conflictingIds, `conflicting provider ids: ${conflicts.join('; ')}`);
    if (item.review) doubt(item.review.confidence, item.review.reason);

    const structure = Boolean(item.title) && conflicts.length === 0;
    return {
      item,
      confidence: Math.round(confidence * 1000) / 1000,
      reasons,
      structure,
      link: structure && confidence >= REVIEW_THRESHOLD,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// set-based writes

interface UpsertRow {
  created: boolean;
}

function count(report: IngestReport, kind: IngestKind, distinct: number, returned: UpsertRow[]): void {
  const created = returned.filter((r) => r.created).length;
  const updated = returned.length - created;
  const counts = report.byKind[kind];
  counts.created += created;
  counts.updated += updated;
  counts.unchanged += distinct - returned.length;
  report.rowsWritten += returned.length;
}

const json = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * The guard that keeps rows already stored as they are from reaching ON CONFLICT (which would lock,
 * and so write, them). A batch none of whose files is stored yet (a first import) leaves it out:
 * there it is one wasted index probe per row, and ON CONFLICT still decides every row correctly.
 */
const unlessFresh = (fresh: boolean, guard: string): string => (fresh ? '' : guard);

/** Distinct by key, in key order (a stable lock order keeps concurrent ingests from deadlocking). */
function distinctBy<T>(rows: T[], key: (row: T) => string): T[] {
  const map = new Map<string, T>();
  for (const row of rows) map.set(key(row), row);
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

async function upsertTitles(trx: Knex.Transaction, items: IngestItem[], report: IngestReport): Promise<Map<string, string>> {
  const titles = distinctBy(
    items.map((i) => i.title!),
    titleIdentity,
  );
  if (titles.length === 0) return new Map();
  const kinds = titles.map((t) => t.kind);
  const names = titles.map((t) => t.name);
  const years = titles.map((t) => t.year ?? null);
  const mergedExternalIds = `CASE WHEN excluded.external_ids IS NULL THEN titles.external_ids
         ELSE coalesce(titles.external_ids, '{}'::jsonb) || excluded.external_ids END`;
  // One round trip: the upsert, then every title's id matched back by input position (so JavaScript
  // and SQL never have to agree on lowercasing): written ones from RETURNING, the others as stored.
  const rows = await query<{ ord: number | string; id: string | null; written: boolean; created: boolean }>(
    trx,
    `WITH w AS (
       INSERT INTO titles (kind, name, year, external_ids, ${METADATA_COLUMNS})
       SELECT i.kind, i.name, i.year, i.external_ids, ${insertValues('i')}
       FROM unnest(?::text[], ?::text[], ?::int[], ?::jsonb[], ${METADATA_PARAMS}) AS i(kind, name, year, external_ids, ${METADATA_COLUMNS})
       WHERE NOT EXISTS (SELECT 1 FROM titles t WHERE t.kind = i.kind AND lower(t.name) = lower(i.name)
                           AND coalesce(t.year, 0) = coalesce(i.year, 0)
                           AND (i.external_ids IS NULL OR t.external_ids = coalesce(t.external_ids, '{}'::jsonb) || i.external_ids)
                           AND (${storedValues('t')}) IS NOT DISTINCT FROM (${mergedValues('t', 'i', 'input')}))
       ON CONFLICT (kind, lower(name), (coalesce(year, 0))) DO UPDATE
         SET external_ids = ${mergedExternalIds}, ${mergedAssignments('titles')}
         WHERE (titles.external_ids, ${storedValues('titles')})
           IS DISTINCT FROM (${mergedExternalIds}, ${mergedValues('titles', 'excluded', 'excluded')})
       RETURNING id, kind, name, year, (xmax = 0) AS created)
     SELECT u.ord, coalesce(w.id, (SELECT t.id FROM titles t WHERE t.kind = u.k AND lower(t.name) = lower(u.n)
                                     AND coalesce(t.year, 0) = coalesce(u.y, 0))) AS id,
            w.id IS NOT NULL AS written, coalesce(w.created, false) AS created
     FROM unnest(?::text[], ?::text[], ?::int[]) WITH ORDINALITY AS u(k, n, y, ord)
     LEFT JOIN w ON w.kind = u.k AND lower(w.name) = lower(u.n) AND coalesce(w.year, 0) = coalesce(u.y, 0)`,
    [kinds, names, years, titles.map((t) => json(t.externalIds)), ...metadataBindings(titles), kinds, names, years],
  );
  count(
    report,
    'titles',
    titles.length,
    rows.filter((r) => r.written),
  );
  const ids = new Map(rows.filter((r) => r.id !== null).map((r) => [titleIdentity(titles[Number(r.ord) - 1]!), r.id!]));
  if (ids.size < titles.length) {
    // A title a concurrent ingest committed while this statement ran is not in its snapshot: look again.
    const found = await query<{ id: string; ord: number | string }>(
      trx,
      `SELECT t.id, u.ord FROM unnest(?::text[], ?::text[], ?::int[]) WITH ORDINALITY AS u(k, n, y, ord)
       JOIN titles t ON t.kind = u.k AND lower(t.name) = lower(u.n) AND coalesce(t.year, 0) = coalesce(u.y, 0)`,
      [kinds, names, years],
    );
    for (const r of found) ids.set(titleIdentity(titles[Number(r.ord) - 1]!), r.id);
  }
  return ids;
}

async function upsertSeasons(
  trx: Knex.Transaction,
  items: IngestItem[],
  titleIds: Map<string, string>,
  report: IngestReport,
): Promise<Map<string, string>> {
  const seasons = distinctBy(
    items.filter((i) => i.season).map((i) => ({ titleId: titleIds.get(titleIdentity(i.title!))!, number: i.season!.number })),
    (s) => `${s.titleId}|${s.number}`,
  );
  if (seasons.length === 0) return new Map();
  const titleCol = seasons.map((s) => s.titleId);
  const numbers = seasons.map((s) => s.number);
  const rows = await query<UpsertRow & { id: string; title_id: string; number: number }>(
    trx,
    `INSERT INTO seasons (title_id, number) SELECT * FROM unnest(?::uuid[], ?::int[])
     ON CONFLICT (title_id, number) DO NOTHING RETURNING true AS created, id, title_id, number`,
    [titleCol, numbers],
  );
  count(report, 'seasons', seasons.length, rows);
  const ids = new Map(rows.map((r) => [`${r.title_id}|${r.number}`, r.id]));
  // Only seasons that already existed need looking up (none on a first ingest).
  const missing = seasons.filter((x) => !ids.has(`${x.titleId}|${x.number}`));
  if (missing.length) {
    const found = await query<{ id: string; title_id: string; number: number }>(
      trx,
      `SELECT s.id, s.title_id, s.number FROM unnest(?::uuid[], ?::int[]) AS k(title_id, number)
       JOIN seasons s ON s.title_id = k.title_id AND s.number = k.number`,
      [missing.map((x) => x.titleId), missing.map((x) => x.number)],
    );
    for (const r of found) ids.set(`${r.title_id}|${r.number}`, r.id);
  }
  return ids;
}

interface EpisodeRow {
  identity: string;
  titleId: string;
  seasonId: string | null;
  number: number | null;
  name: string | null;
  externalIds: string | null;
  metadata: IngestItem['episode'];
}

const MERGED_EPISODE_EXTERNAL_IDS = `CASE WHEN excluded.external_ids IS NULL THEN episodes.external_ids
         ELSE coalesce(episodes.external_ids, '{}'::jsonb) || excluded.external_ids END`;
const EPISODE_UPDATE = `SET name = ${mergedName('episodes', 'excluded.name')},
         external_ids = ${MERGED_EPISODE_EXTERNAL_IDS}, ${mergedAssignments('episodes')}
       WHERE (episodes.name, episodes.external_ids, ${storedValues('episodes')}) IS DISTINCT FROM
             (${mergedName('episodes', 'excluded.name')}, ${MERGED_EPISODE_EXTERNAL_IDS},
              ${mergedValues('episodes', 'excluded', 'excluded')})`;

async function upsertEpisodes(
  trx: Knex.Transaction,
  items: IngestItem[],
  titleIds: Map<string, string>,
  seasonIds: Map<string, string>,
  report: IngestReport,
  created: Set<string>,
  fresh: boolean,
): Promise<Map<string, string>> {
  const episodes = distinctBy(
    items.map((i): EpisodeRow => {
      const titleId = titleIds.get(titleIdentity(i.title!))!;
      return {
        identity: episodeIdentity(i),
        titleId,
        seasonId: i.season ? seasonIds.get(`${titleId}|${i.season.number}`)! : null,
        number: i.episode?.number ?? null,
        name: i.episode?.name ?? (i.title!.kind === 'movie' ? i.title!.name : null),
        externalIds: json(i.episode?.externalIds),
        metadata: i.episode,
      };
    }),
    (e) => e.identity,
  );
  const ids = new Map<string, string>();
  for (const group of [IN_SEASON, UNSEASONED]) {
    const rows = episodes.filter(group.applies);
    if (rows.length) await upsertEpisodeGroup(trx, rows, group, report, ids, created, fresh);
  }
  return ids;
}

/** How episodes of one kind are recognised: by (season, number), or outside seasons by (title, number). */
interface EpisodeGroup {
  applies: (e: EpisodeRow) => boolean;
  /** Matches a stored episode `e` to an input row `i`. */
  sameKey: string;
  conflict: string;
  /** The key columns, aliased `a` and `b` (unqualified, for RETURNING; and of `e`, for a lookup). */
  returning: string;
  keyColumns: string;
  key: (e: EpisodeRow) => [string | null, number];
}

const IN_SEASON: EpisodeGroup = {
  applies: (e) => e.seasonId !== null,
  sameKey: 'e.season_id = i.season_id AND e.number = i.number',
  conflict: '(season_id, number)',
  returning: 'season_id AS a, number AS b',
  keyColumns: 'e.season_id AS a, e.number AS b',
  key: (e) => [e.seasonId, e.number!],
};

const UNSEASONED: EpisodeGroup = {
  applies: (e) => e.seasonId === null,
  sameKey: 'e.season_id IS NULL AND e.title_id = i.title_id AND coalesce(e.number, -1) = coalesce(i.number, -1)',
  conflict: '(title_id, (coalesce(number, -1))) WHERE season_id IS NULL',
  returning: 'title_id AS a, coalesce(number, -1) AS b',
  keyColumns: 'e.title_id AS a, coalesce(e.number, -1) AS b',
  key: (e) => [e.titleId, e.number ?? -1],
};

async function upsertEpisodeGroup(
  trx: Knex.Transaction,
  rows: EpisodeRow[],
  group: EpisodeGroup,
  report: IngestReport,
  ids: Map<string, string>,
  created: Set<string>,
  fresh: boolean,
): Promise<void> {
  const keyOf = (e: EpisodeRow) => group.key(e).join('|');
  const bindings = [
    rows.map((e) => e.titleId),
    rows.map((e) => e.seasonId),
    rows.map((e) => e.number),
    rows.map((e) => e.name),
    rows.map((e) => e.externalIds),
    ...metadataBindings(rows.map((e) => e.metadata)),
  ];
  // Rows already stored as they are never reach ON CONFLICT (which would lock, and so write, them).
  const returned = await query<UpsertRow & { id: string; a: string; b: number }>(
    trx,
    `INSERT INTO episodes (title_id, season_id, number, name, external_ids, ${METADATA_COLUMNS})
     SELECT i.title_id, i.season_id, i.number, i.name, i.external_ids, ${insertValues('i')}
     FROM unnest(?::uuid[], ?::uuid[], ?::int[], ?::text[], ?::jsonb[], ${METADATA_PARAMS})
       AS i(title_id, season_id, number, name, external_ids, ${METADATA_COLUMNS})
     ${unlessFresh(
       fresh,
       `WHERE NOT EXISTS (SELECT 1 FROM episodes e WHERE ${group.sameKey}
                         AND e.name IS NOT DISTINCT FROM ${mergedName('e', 'i.name')}
                         AND (i.external_ids IS NULL OR e.external_ids = coalesce(e.external_ids, '{}'::jsonb) || i.external_ids)
                         AND (${storedValues('e')}) IS NOT DISTINCT FROM (${mergedValues('e', 'i', 'input')}))`,
     )}
     ON CONFLICT ${group.conflict} DO UPDATE ${EPISODE_UPDATE}
     RETURNING (xmax = 0) AS created, id, ${group.returning}`,
    bindings,
  );
  count(report, 'episodes', rows.length, returned);
  for (const r of returned) if (r.created) created.add(r.id);
  const byKey = new Map(returned.map((r) => [`${r.a}|${r.b}`, r.id]));
  // Only episodes that were already stored need looking up (none on a first ingest).
  const missing = rows.filter((e) => !byKey.has(keyOf(e)));
  if (missing.length) {
    const found = await query<{ id: string; a: string; b: number }>(
      trx,
      `SELECT e.id, ${group.keyColumns} FROM unnest(?::uuid[], ?::uuid[], ?::int[]) AS i(title_id, season_id, number)
       JOIN episodes e ON ${group.sameKey}`,
      [missing.map((e) => e.titleId), missing.map((e) => e.seasonId), missing.map((e) => e.number)],
    );
    for (const r of found) byKey.set(`${r.a}|${r.b}`, r.id);
  }
  for (const e of rows) ids.set(e.identity, byKey.get(keyOf(e))!);
}

interface AssetRow {
  id: string;
  canonical: boolean;
}

/** Upserts by uri. New assets chosen as their episode's first version are inserted canonical right away. */
async function upsertAssets(
  trx: Knex.Transaction,
  items: IngestItem[],
  canonicalUris: Set<string>,
  report: IngestReport,
  fresh: boolean,
): Promise<Map<string, AssetRow>> {
  // Parts 2..n are assets of their own (own uri, size, duration); a given edition replaces the stored one.
  const assets = distinctBy(
    items.flatMap((i) => i.assets.flatMap(filesOf)),
    (a) => a.uri,
  );
  const uris = assets.map((a) => a.uri);
  const rows = await query<UpsertRow & { id: string; uri: string; canonical: boolean }>(
    trx,
    `INSERT INTO assets (uri, size, duration_ms, video_codec, audio_codec, container, hash_sha256, canonical, edition)
     SELECT * FROM unnest(?::text[], ?::bigint[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::text[])
       AS i(uri, size, duration_ms, video_codec, audio_codec, container, hash_sha256, canonical, edition)
     ${unlessFresh(
       fresh,
       `WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.uri = i.uri
                         AND (a.size, a.duration_ms, a.video_codec, a.audio_codec, a.container, a.hash_sha256, a.edition)
                           IS NOT DISTINCT FROM (i.size, i.duration_ms, i.video_codec, i.audio_codec, i.container,
                                                 coalesce(i.hash_sha256, a.hash_sha256), coalesce(i.edition, a.edition))
                         AND a.missing_since IS NULL)`,
     )}
     ON CONFLICT (uri) DO UPDATE
       SET size = excluded.size, duration_ms = excluded.duration_ms, video_codec = excluded.video_codec,
           audio_codec = excluded.audio_codec, container = excluded.container,
           hash_sha256 = coalesce(excluded.hash_sha256, assets.hash_sha256),
           edition = coalesce(excluded.edition, assets.edition), missing_since = NULL
       WHERE (assets.size, assets.duration_ms, assets.video_codec, assets.audio_codec, assets.container, assets.hash_sha256, assets.edition)
         IS DISTINCT FROM (excluded.size, excluded.duration_ms, excluded.video_codec, excluded.audio_codec, excluded.container,
                           coalesce(excluded.hash_sha256, assets.hash_sha256), coalesce(excluded.edition, assets.edition))
         OR assets.missing_since IS NOT NULL
     RETURNING (xmax = 0) AS created, id, uri, canonical`,
    [
      uris,
      assets.map((a) => a.size),
      assets.map((a) => a.durationMs ?? null),
      assets.map((a) => a.videoCodec ?? null),
      assets.map((a) => a.audioCodec ?? null),
      assets.map((a) => a.container ?? null),
      assets.map((a) => a.hashSha256 ?? null),
      assets.map((a) => canonicalUris.has(a.uri)),
      assets.map((a) => ('edition' in a ? (a.edition ?? null) : null)),
    ],
  );
  count(report, 'assets', assets.length, rows);
  const found = new Map(rows.map((r) => [r.uri, { id: r.id, canonical: r.canonical }]));
  const missing = uris.filter((uri) => !found.has(uri));
  if (missing.length) {
    const existing = await query<{ id: string; uri: string; canonical: boolean }>(
      trx,
      `SELECT id, uri, canonical FROM assets WHERE uri = ANY(?::text[])`,
      [missing],
    );
    for (const r of existing) found.set(r.uri, { id: r.id, canonical: r.canonical });
  }
  return found;
}

const preferredOf = (item: IngestItem): IngestAssetItem => item.assets.find((a) => a.canonical) ?? item.assets[0]!;

/**
 * Which assets become canonical: the preferred version (flagged canonical, else the first) of each
 * linked episode that has no canonical asset yet. Canonical is a property of the file, so a file
 * linked to several episodes (a multi-episode file) becomes canonical only when none of them has
 * (or gets, in this batch) another canonical asset: an existing canonical version stays canonical.
 * Episodes this transaction created need no look (nobody else sees them yet: a first ingest asks
 * nothing here); the others are locked (in id order), so a concurrent ingest cannot pick a second one.
 */
async function chooseCanonical(
  trx: Knex.Transaction,
  linked: Classified[],
  episodeIds: Map<string, string>,
  createdEpisodes: Set<string>,
): Promise<Set<string>> {
  const preferred = distinctBy(
    linked.map(({ item }) => ({ episodeId: episodeIds.get(episodeIdentity(item))!, uri: preferredOf(item).uri })),
    (p) => p.episodeId,
  );
  if (preferred.length === 0) return new Set();
  // Driven from the batch's episodes, one scalar subquery each (primary-key lookups): a filter on
  // `canonical` in a join would be planned as a walk of every canonical asset.
  const withCanonical = (episodeIds: string[]) =>
    query<{ episode_id: string }>(
      trx,
      `SELECT k.id AS episode_id FROM unnest(?::uuid[]) AS k(id)
       WHERE (SELECT bool_or(a.canonical) FROM episode_assets ea JOIN assets a ON a.id = ea.asset_id WHERE ea.episode_id = k.id)`,
      [episodeIds],
    ).then((rows) => new Set(rows.map((r) => r.episode_id)));
  // Most stored episodes already have one (always, on a re-ingest): those need no lock and no write.
  const stored = preferred.filter((p) => !createdEpisodes.has(p.episodeId)).map((p) => p.episodeId);
  const covered = stored.length ? await withCanonical(stored) : new Set<string>();
  const open = preferred.filter((p) => !covered.has(p.episodeId));
  if (open.length === 0) return new Set();
  // Every episode a candidate file is linked to in this batch (more than its own for a multi-episode file).
  const candidates = new Set(open.map((p) => p.uri));
  const linkedTo = new Map<string, Set<string>>();
  for (const { item } of linked)
    for (const asset of item.assets)
      if (candidates.has(asset.uri)) {
        const set = linkedTo.get(asset.uri) ?? new Set<string>();
        set.add(episodeIds.get(episodeIdentity(item))!);
        linkedTo.set(asset.uri, set);
      }
  // Lock the stored ones in id order and look again: a concurrent ingest may have just chosen one.
  const involved = [...new Set([...linkedTo.values()].flatMap((set) => [...set]))].filter((e) => !createdEpisodes.has(e)).sort();
  let taken = new Set<string>();
  if (involved.length) {
    await query(trx, `SELECT 1 FROM episodes WHERE id = ANY(?::uuid[]) ORDER BY id FOR UPDATE`, [involved]);
    taken = await withCanonical(involved);
  }
  const chosen = new Set<string>();
  for (const { uri } of open) {
    if (chosen.has(uri)) continue;
    const episodes = [...linkedTo.get(uri)!];
    if (episodes.some((e) => taken.has(e))) continue;
    for (const e of episodes) taken.add(e);
    chosen.add(uri);
  }
  return chosen;
}

interface LinkRow {
  episodeId: string;
  assetId: string;
  /** The item's fingerprint, on the link of a strong item's preferred file (hex). */
  fingerprint?: string;
}

/**
 * The links to write (inserted with their fingerprints, beside the batch's provider refs: see
 * writeLinked), without those refused (each named in the report's notices). Chosen assets that
 * already existed are promoted to canonical here.
 */
async function planLinks(
  trx: Knex.Transaction,
  linked: Classified[],
  episodeIds: Map<string, string>,
  assets: Map<string, AssetRow>,
  canonicalUris: Set<string>,
  report: IngestReport,
): Promise<LinkRow[]> {
  // Chosen assets that already existed (so were not inserted canonical) are promoted here.
  // Joined on the primary key: a filter on `canonical` would walk ix_assets_canonical.
  const promote = [...canonicalUris]
    .map((uri) => assets.get(uri)!)
    .filter((a) => !a.canonical)
    .map((a) => a.id);
  if (promote.length) {
    // Not one already linked to an episode that has another canonical version (a multi-episode file).
    const updated = await query(
      trx,
      `UPDATE assets a SET canonical = true FROM unnest(?::uuid[]) AS u(id) WHERE a.id = u.id
         AND NOT coalesce((SELECT bool_or(oa.canonical) FROM episode_assets ea
                             JOIN episode_assets o ON o.episode_id = ea.episode_id AND o.asset_id <> ea.asset_id
                             JOIN assets oa ON oa.id = o.asset_id
                           WHERE ea.asset_id = u.id), false)
       RETURNING a.id`,
      [promote],
    );
    report.rowsWritten += updated.length;
  }
  const links = distinctBy(
    linked.flatMap(({ item }) =>
      item.assets.map((a) => ({ episodeId: episodeIds.get(episodeIdentity(item))!, assetId: assets.get(a.uri)!.id })),
    ),
    (l) => `${l.episodeId}|${l.assetId}`,
  );
  if (links.length === 0) return [];
  // A file stored canonical (for another episode: a multi-episode file split over two batches) is not
  // linked to an episode that already has another canonical version; the operator is told.
  const storedCanonical = new Set([...assets].filter(([uri, a]) => a.canonical && !canonicalUris.has(uri)).map(([, a]) => a.id));
  const risky = links.filter((l) => storedCanonical.has(l.assetId));
  let refused = new Set<string>();
  if (risky.length) {
    const rows = await query<{ e: string; a: string; uri: string }>(
      trx,
      `SELECT u.e, u.a, a.uri FROM unnest(?::uuid[], ?::uuid[]) AS u(e, a) JOIN assets a ON a.id = u.a
       WHERE NOT EXISTS (SELECT 1 FROM episode_assets x WHERE x.episode_id = u.e AND x.asset_id = u.a)
         AND (SELECT bool_or(oa.canonical AND oa.id <> u.a) FROM episode_assets o JOIN assets oa ON oa.id = o.asset_id
              WHERE o.episode_id = u.e)`,
      [risky.map((l) => l.episodeId), risky.map((l) => l.assetId)],
    );
    refused = new Set(rows.map((r) => `${r.e}|${r.a}`));
    for (const r of rows)
      if (report.notices.length < MAX_LISTED)
        report.notices.push(
          `${r.uri} is canonical for another episode and episode ${r.e} already has a canonical version: not linked to it`,
        );
  }
  return refused.size ? links.filter((l) => !refused.has(`${l.episodeId}|${l.assetId}`)) : links;
}

/** One part of a combined statement: a data-modifying CTE and its bindings, in order. */
interface StatementPart {
  sql: string;
  bindings: unknown[];
}

/**
 * The links' insert, each carrying its item's fingerprint (or none). A link stored with another
 * fingerprint gets the new one; one stored as it is never reaches ON CONFLICT (which would lock, and
 * so write, it). A first import's batch (`fresh`) leaves that guard out.
 */
const linksPart = (links: LinkRow[], fresh: boolean): StatementPart => ({
  sql: `INSERT INTO episode_assets (episode_id, asset_id, fingerprint)
        SELECT u.e, u.a, decode(u.fp, 'hex') FROM unnest(?::uuid[], ?::uuid[], ?::text[]) AS u(e, a, fp)
        ${unlessFresh(
          fresh,
          `WHERE NOT EXISTS (SELECT 1 FROM episode_assets x WHERE x.episode_id = u.e AND x.asset_id = u.a
                             AND (u.fp IS NULL OR x.fingerprint = decode(u.fp, 'hex')))`,
        )}
        ON CONFLICT (episode_id, asset_id) DO UPDATE SET fingerprint = excluded.fingerprint
          WHERE excluded.fingerprint IS NOT NULL AND episode_assets.fingerprint IS DISTINCT FROM excluded.fingerprint
        RETURNING (xmax = 0) AS created`,
  bindings: [links.map((l) => l.episodeId), links.map((l) => l.assetId), links.map((l) => l.fingerprint ?? null)],
});

/**
 * Links (with their fingerprints) and provider refs in one statement (one round trip per batch): two
 * data-modifying CTEs.
 */
async function writeLinked(
  trx: Knex.Transaction,
  links: LinkRow[],
  refs: { part: StatementPart; distinct: number } | null,
  fresh: boolean,
  report: IngestReport,
): Promise<void> {
  const ctes: string[] = [];
  const selects: string[] = [];
  const bindings: unknown[] = [];
  const add = (name: string, part: StatementPart) => {
    ctes.push(`${name} AS (${part.sql})`);
    bindings.push(...part.bindings);
    selects.push(`SELECT '${name}' AS kind, created FROM ${name}`);
  };
  if (links.length) add('links', linksPart(links, fresh));
  if (refs) add('refs', refs.part);
  if (ctes.length === 0) return;
  const rows = await query<UpsertRow & { kind: string }>(trx, `WITH ${ctes.join(', ')} ${selects.join(' UNION ALL ')}`, bindings);
  // A link whose fingerprint alone was replaced is not a written link (the fingerprint is bookkeeping).
  if (links.length)
    count(
      report,
      'links',
      links.length,
      rows.filter((r) => r.kind === 'links' && r.created),
    );
  if (refs)
    count(
      report,
      'providerRefs',
      refs.distinct,
      rows.filter((r) => r.kind === 'refs'),
    );
}

interface RefRow {
  type: 'title' | 'episode' | 'asset';
  entityId: string;
  ref: ProviderKey;
}

/** The provider refs' upsert (a part of writeLinked's statement). */
function providerRefsPart(
  refs: RefRow[],
  locatorPrefix: string | null,
  fresh: boolean,
): { part: StatementPart; distinct: number } | null {
  const rows = distinctBy(refs, (r) => refKey(r.type, r.ref));
  if (rows.length === 0) return null;
  const column = (type: RefRow['type']) => rows.map((r) => (r.type === type ? r.entityId : null));
  const sql = `INSERT INTO provider_refs (entity_type, entity_id, provider, provider_key, raw, title_id, episode_id, asset_id)
     SELECT * FROM unnest(?::text[], ?::uuid[], ?::text[], ?::text[], ?::jsonb[], ?::uuid[], ?::uuid[], ?::uuid[])
       AS i(entity_type, entity_id, provider, provider_key, raw, title_id, episode_id, asset_id)
     ${unlessFresh(
       fresh,
       `WHERE NOT EXISTS (SELECT 1 FROM provider_refs pr WHERE pr.provider = i.provider AND pr.provider_key = i.provider_key
                         AND pr.entity_type = i.entity_type
                         AND ((pr.entity_id <> i.entity_id AND NOT coalesce(starts_with(i.provider_key, ?::text), false))
                              OR (pr.entity_id = i.entity_id AND pr.raw IS NOT DISTINCT FROM i.raw)))`,
     )}
     ON CONFLICT (provider, provider_key, entity_type) DO UPDATE
       SET raw = excluded.raw, entity_id = excluded.entity_id, title_id = excluded.title_id,
           episode_id = excluded.episode_id, asset_id = excluded.asset_id
       WHERE (provider_refs.entity_id = excluded.entity_id AND provider_refs.raw IS DISTINCT FROM excluded.raw)
          OR (provider_refs.entity_id <> excluded.entity_id AND coalesce(starts_with(excluded.provider_key, ?::text), false))
     RETURNING (xmax = 0) AS created`;
  const bindings = [
    rows.map((r) => r.type),
    rows.map((r) => r.entityId),
    rows.map((r) => r.ref.provider),
    rows.map((r) => r.ref.key),
    rows.map((r) => json(r.ref.raw)),
    column('title'),
    column('episode'),
    column('asset'),
    ...(fresh ? [] : [locatorPrefix]),
    locatorPrefix,
  ];
  return { part: { sql, bindings }, distinct: rows.length };
}

/**
 * JSON with object keys sorted at every depth: jsonb hands objects back with its own key order
 * (shorter keys first), so a payload is compared by meaning, not by how its keys were written.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * A version's parts become exactly those given (in play order). Only versions whose stored parts
 * differ are rewritten; a file that moves to another version leaves the old one.
 */
async function syncParts(trx: Knex.Transaction, items: IngestItem[], assetIds: Map<string, string>, report: IngestReport) {
  const wanted = new Map<string, string[]>();
  for (const asset of items.flatMap((i) => i.assets))
    if (asset.parts)
      wanted.set(
        assetIds.get(asset.uri)!,
        asset.parts.map((p) => assetIds.get(p.uri)!),
      );
  if (wanted.size === 0) return;
  const rows = await query<{ version_id: string; asset_id: string }>(
    trx,
    `SELECT version_id, asset_id FROM asset_parts WHERE version_id = ANY(?::uuid[]) ORDER BY version_id, part_index`,
    [[...wanted.keys()]],
  );
  const stored = new Map<string, string[]>();
  for (const r of rows) stored.set(r.version_id, [...(stored.get(r.version_id) ?? []), r.asset_id]);
  const changed = [...wanted].filter(([version, parts]) => JSON.stringify(parts) !== JSON.stringify(stored.get(version) ?? []));
  if (changed.length === 0) return;
  const versions = changed.map(([version]) => version);
  const fresh = changed.flatMap(([version, parts]) => parts.map((assetId, i) => ({ version, assetId, index: i + 2 })));
  const deleted = await query(
    trx,
    `DELETE FROM asset_parts WHERE version_id = ANY(?::uuid[]) OR asset_id = ANY(?::uuid[]) RETURNING asset_id`,
    [versions, fresh.map((p) => p.assetId)],
  );
  if (fresh.length)
    await query(
      trx,
      `INSERT INTO asset_parts (version_id, asset_id, part_index) SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::int[])`,
      [fresh.map((p) => p.version), fresh.map((p) => p.assetId), fresh.map((p) => p.index)],
    );
  report.rowsWritten += deleted.length + fresh.length;
}

const markerSignature = (m: { kind: string; startMs: number; endMs: number; payload?: unknown }) =>
  canonicalJson([m.kind, m.startMs, m.endMs, m.payload ?? null]);

/** Replaces the markers of assets whose incoming set differs from the stored one; leaves the rest alone. */
async function syncMarkers(
  trx: Knex.Transaction,
  items: IngestItem[],
  assetIds: Map<string, string>,
  report: IngestReport,
): Promise<void> {
  const wanted = new Map<string, NonNullable<IngestAssetItem['markers']>>();
  for (const asset of items.flatMap((i) => i.assets)) if (asset.markers) wanted.set(assetIds.get(asset.uri)!, asset.markers);
  if (wanted.size === 0) return;
  const rows = await query<{ asset_id: string; kind: string; start_ms: number; end_ms: number; payload: unknown }>(
    trx,
    `SELECT asset_id, kind, start_ms, end_ms, payload FROM markers WHERE asset_id = ANY(?::uuid[])`,
    [[...wanted.keys()]],
  );
  const stored = new Map<string, string[]>();
  for (const r of rows) {
    const list = stored.get(r.asset_id) ?? [];
    list.push(markerSignature({ kind: r.kind, startMs: r.start_ms, endMs: r.end_ms, payload: r.payload }));
    stored.set(r.asset_id, list);
  }
  const changed = [...wanted.entries()].filter(
    ([assetId, markers]) =>
      JSON.stringify(markers.map(markerSignature).sort()) !== JSON.stringify((stored.get(assetId) ?? []).sort()),
  );
  report.byKind.markers.unchanged += wanted.size - changed.length;
  if (changed.length === 0) return;
  const changedIds = changed.map(([id]) => id);
  const deleted = (await trx('markers').whereIn('asset_id', changedIds).delete()) as number;
  const fresh = changed.flatMap(([assetId, markers]) => markers.map((m) => ({ assetId, ...m })));
  if (fresh.length) {
    await query(
      trx,
      `INSERT INTO markers (asset_id, kind, start_ms, end_ms, payload) SELECT * FROM unnest(?::uuid[], ?::text[], ?::int[], ?::int[], ?::jsonb[])`,
      [
        fresh.map((m) => m.assetId),
        fresh.map((m) => m.kind),
        fresh.map((m) => m.startMs),
        fresh.map((m) => m.endMs),
        fresh.map((m) => json(m.payload)),
      ],
    );
  }
  const created = changed.filter(([id]) => !stored.has(id)).length;
  report.byKind.markers.created += created;
  report.byKind.markers.updated += changed.length - created;
  report.rowsWritten += deleted + fresh.length;
}

/** A review reason names its file (the last segment of the asset's uri), so a person knows which one it is. */
function namingFile(uri: string, reason: string): string {
  const last = uri.split(/[\\/]/).pop() ?? uri;
  let file = last;
  try {
    file = decodeURIComponent(last);
  } catch {
    // not percent-encoded: keep it as it is
  }
  return !file || reason.includes(file) ? reason : `${file}: ${reason}`;
}

/**
 * Weak items' assets go to the review queue with their reasons. An asset already linked by a person,
 * or already reviewed for the same reason (in any state), is not queued again.
 */
async function enqueueReviews(
  trx: Knex.Transaction,
  weak: Classified[],
  assetIds: Map<string, string>,
  episodeIds: Map<string, string>,
  report: IngestReport,
): Promise<void> {
  const reasonOf = (c: Classified) => {
    const suggested = c.structure ? episodeIds.get(episodeIdentity(c.item)) : undefined;
    return c.reasons.join('; ') + (suggested ? `; suggested episode ${suggested}` : '');
  };
  const entries = distinctBy(
    weak.flatMap((c) =>
      c.item.assets.map((a) => ({
        assetId: assetIds.get(a.uri)!,
        reason: namingFile(a.uri, reasonOf(c)),
        confidence: c.confidence,
      })),
    ),
    (e) => e.assetId,
  );
  if (entries.length === 0) return;
  const rows = await query<UpsertRow>(
    trx,
    `INSERT INTO review_queue (asset_id, reason, confidence)
     SELECT n.a, n.r, n.c FROM unnest(?::uuid[], ?::text[], ?::float8[]) AS n(a, r, c)
     WHERE NOT EXISTS (SELECT 1 FROM review_queue q WHERE q.asset_id = n.a AND q.reason = n.r)
       AND NOT EXISTS (SELECT 1 FROM episode_assets ea WHERE ea.asset_id = n.a)
     RETURNING id`,
    [entries.map((e) => e.assetId), entries.map((e) => e.reason), entries.map((e) => e.confidence)],
  );
  report.queuedForReview += rows.length;
  report.rowsWritten += rows.length;
}

/**
 * The file-path step, for items of a keyed source (a title ref under the collection's locator
 * prefix, e.g. Plex) whose guid and external ids name no catalogue title (an item that lost its
 * match, so its guid and maybe its name): when its files already belong to one episode, the item
 * is that episode (its title's name and year, its season and number). One query per batch, and
 * none when no item qualifies.
 */
async function reconcileByFile(trx: Knex.Transaction, items: IngestItem[], candidates: Set<IngestItem>): Promise<IngestItem[]> {
  if (candidates.size === 0) return items;
  const uris = [...new Set([...candidates].flatMap((i) => i.assets.map((a) => a.uri)))];
  const rows = await query<{
    uri: string;
    kind: string;
    name: string;
    year: number | null;
    season: number | null;
    number: number | null;
    episode_id: string;
  }>(
    trx,
    `SELECT u.uri, t.kind, t.name, t.year, s.number AS season, e.number, e.id AS episode_id
     FROM unnest(?::text[]) AS u(uri)
     JOIN assets a ON a.uri = u.uri
     JOIN episode_assets ea ON ea.asset_id = a.id
     JOIN episodes e ON e.id = ea.episode_id
     JOIN titles t ON t.id = e.title_id
     LEFT JOIN seasons s ON s.id = e.season_id`,
    [uris],
  );
  if (rows.length === 0) return items;
  const byUri = new Map<string, typeof rows>();
  for (const r of rows) byUri.set(r.uri, [...(byUri.get(r.uri) ?? []), r]);
  // A title renamed for one item of the batch is renamed for every item of it (new episodes too).
  const renamed = new Map<string, { name: string; year: number | null }>();
  const matched = new Map<IngestItem, IngestItem>();
  for (const item of candidates) {
    const found = distinctBy(
      item.assets.flatMap((a) => byUri.get(a.uri) ?? []).filter((r) => r.kind === item.title!.kind),
      (r) => r.episode_id,
    );
    if (found.length !== 1) continue; // no episode, or a file shared by several: names decide
    const [episode] = found as [(typeof rows)[number]];
    renamed.set(titleIdentity(item.title!), { name: episode.name, year: episode.year });
    const numbered = item.title!.kind === 'show' && episode.season !== null && episode.number !== null;
    matched.set(item, {
      ...item,
      title: { ...item.title!, name: episode.name, year: episode.year },
      ...(numbered ? { season: { number: episode.season! }, episode: { ...item.episode, number: episode.number } } : {}),
    });
  }
  return items.map((item) => {
    const done = matched.get(item);
    if (done) return done;
    const rename = item.title && candidates.has(item) ? renamed.get(titleIdentity(item.title)) : undefined;
    return rename ? { ...item, title: { ...item.title!, ...rename } } : item;
  });
}

/** A source's own identity for an item (`plex://show/...`, a legacy agent guid): a URI-like key. */
const isSourceGuid = (ref: ProviderKey) => ref.key.includes('://');

/**
 * Identity before names, for items that carry their source's guid: the title is the catalogue
 * title the guid names, else the one its external ids (tmdb, tvdb, imdb) name, else (see
 * reconcileByFile) the one its files already belong to, else the one with its kind, name and year.
 * The item takes that title's stored name and year, so a title Plex renamed, re-keyed or
 * re-matched stays one title. One query per batch.
 */
async function reconcileTitles(
  trx: Knex.Transaction,
  incoming: IngestItem[],
  locatorPrefix: string | null,
): Promise<IngestItem[]> {
  // Items of a keyed source (a title ref under the collection's locator prefix) that no guid or
  // external id places go on to the file-path step.
  const keyed = (item: IngestItem) =>
    locatorPrefix !== null && Boolean(item.title?.providerRefs?.some((r) => r.key.startsWith(locatorPrefix)));
  const byGuid = await reconcileByGuid(trx, incoming);
  const unplaced = new Set(byGuid.filter((item, i) => item === incoming[i] && keyed(item)));
  return reconcileByFile(trx, byGuid, unplaced);
}

/** The guid and external-id steps (see reconcileTitles); an item placed by neither comes back as it was. */
async function reconcileByGuid(trx: Knex.Transaction, items: IngestItem[]): Promise<IngestItem[]> {
  const ordered = (item: IngestItem) => {
    const refs = item.title?.providerRefs ?? [];
    if (!refs.some(isSourceGuid)) return [];
    return [...refs.filter(isSourceGuid), ...refs.filter((r) => !isSourceGuid(r) && r.provider !== 'plex')];
  };
  const keys = distinctBy(items.flatMap(ordered), (r) => `${r.provider}|${r.key}`);
  if (keys.length === 0) return items;
  const rows = await query<{ provider: string; key: string; kind: string; name: string; year: number | null }>(
    trx,
    `SELECT k.provider, k.key, t.kind, t.name, t.year FROM unnest(?::text[], ?::text[]) AS k(provider, key)
     JOIN provider_refs pr ON pr.provider = k.provider AND pr.provider_key = k.key AND pr.entity_type = 'title'
     JOIN titles t ON t.id = pr.title_id`,
    [keys.map((k) => k.provider), keys.map((k) => k.key)],
  );
  const known = new Map(rows.map((r) => [`${r.provider}|${r.key}`, r]));
  return items.map((item) => {
    const title = item.title;
    const match = ordered(item)
      .map((r) => known.get(`${r.provider}|${r.key}`))
      .find((t) => t && t.kind === title!.kind);
    return match && title ? { ...item, title: { ...title, name: match.name, year: match.year } } : item;
  });
}

// ---------------------------------------------------------------------------------------------
// fingerprints: an unchanged item costs one lookup per batch, nothing else

/** Bumped when the core writes an item differently, so stored fingerprints stop matching. */
const FINGERPRINT_VERSION = 1;

interface Fingerprinted {
  item: IngestItem;
  /** sha1 (hex) of the collection and of the item as the source gave it, keys sorted at every depth. */
  fingerprint: string;
}

/** An item's fingerprint in a collection (or none): what it said, whatever order its keys came in. */
export function fingerprintOf(item: IngestItem, collectionId: string | null): string {
  return createHash('sha1')
    .update(`${FINGERPRINT_VERSION}\n${collectionId ?? ''}\n${stableStringify(item)}`)
    .digest('hex');
}

/**
 * Items whose fingerprint is stored next to a link that still exists, with every one of their
 * files present (not missing): those skip all further work. One statement per batch, driven from
 * the batch's preferred files (LATERAL: a unique-index probe each, whatever the planner guesses
 * about tables without statistics). A batch none of whose preferred files is stored is `fresh`.
 */
async function unchangedItems(
  trx: Knex.Transaction,
  items: Fingerprinted[],
): Promise<{ unchanged: Set<number>; fresh: boolean }> {
  const candidates = items.map((p, index) => ({ ...p, index })).filter(({ item }) => item.title && item.assets.length > 0);
  if (candidates.length === 0) return { unchanged: new Set(), fresh: false };
  const others = (item: IngestItem) => {
    const preferred = preferredOf(item).uri;
    const rest = item.assets.flatMap(filesOf).filter((f) => f.uri !== preferred);
    return rest.length ? JSON.stringify(rest.map((f) => f.uri)) : null;
  };
  // One row per preferred file already stored: whether the item is unchanged.
  const rows = await query<{ ord: number | string; unchanged: boolean }>(
    trx,
    `SELECT u.ord, a.missing_since IS NULL
              AND EXISTS (SELECT 1 FROM episode_assets f WHERE f.asset_id = a.id AND f.fingerprint = decode(u.fp, 'hex'))
              AND (u.others IS NULL OR NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(u.others) AS o(uri)
                WHERE NOT EXISTS (SELECT 1 FROM assets x WHERE x.uri = o.uri AND x.missing_since IS NULL))) AS unchanged
     FROM unnest(?::text[], ?::text[], ?::jsonb[]) WITH ORDINALITY AS u(uri, fp, others, ord)
     CROSS JOIN LATERAL (SELECT a.id, a.missing_since FROM assets a WHERE a.uri = u.uri) AS a`,
    [
      candidates.map(({ item }) => preferredOf(item).uri),
      candidates.map((c) => c.fingerprint),
      candidates.map(({ item }) => others(item)),
    ],
  );
  return {
    unchanged: new Set(rows.filter((r) => r.unchanged).map((r) => candidates[Number(r.ord) - 1]!.index)),
    fresh: rows.length === 0,
  };
}

/**
 * Skipped items count as unchanged, kind by kind, as a full pass would have counted them (each row
 * once per batch, not again when a written item of the batch names it too).
 */
function countSkipped(report: IngestReport, skipped: IngestItem[], written: IngestItem[]): void {
  if (skipped.length === 0) return;
  const keysOf = (item: IngestItem): Array<[IngestKind, string]> => {
    const keys: Array<[IngestKind, string]> = [];
    const title = item.title!;
    keys.push(['titles', titleIdentity(title)]);
    if (item.season) keys.push(['seasons', `${titleIdentity(title)}|${item.season.number}`]);
    const episode = episodeIdentity(item);
    keys.push(['episodes', episode]);
    for (const file of item.assets.flatMap(filesOf)) keys.push(['assets', file.uri]);
    for (const asset of item.assets) {
      keys.push(['links', `${episode}|${asset.uri}`]);
      if (asset.markers) keys.push(['markers', asset.uri]);
    }
    for (const { type, ref } of refsOf(item)) keys.push(['providerRefs', refKey(type, ref)]);
    return keys;
  };
  const seen = new Set<string>();
  for (const item of written) if (item.title) for (const [kind, key] of keysOf(item)) seen.add(`${kind}|${key}`);
  for (const item of skipped)
    for (const [kind, key] of keysOf(item)) {
      const k = `${kind}|${key}`;
      if (seen.has(k)) continue;
      seen.add(k);
      report.byKind[kind].unchanged++;
    }
}

/** One batch, one transaction. */
async function writeBatch(
  trx: Knex.Transaction,
  incoming: IngestItem[],
  report: IngestReport,
  collectionId: string | null,
): Promise<void> {
  const locatorPrefix = collectionId ? `${collectionId}:` : null;
  const printed = incoming.map((item) => ({ item, fingerprint: fingerprintOf(item, collectionId) }));
  const { unchanged, fresh: freshBatch } = await unchangedItems(trx, printed);
  const fresh = printed.filter((_, i) => !unchanged.has(i));
  countSkipped(
    report,
    printed.filter((_, i) => unchanged.has(i)).map((p) => p.item),
    fresh.map((p) => p.item),
  );
  if (fresh.length === 0) return;
  const items = await reconcileTitles(
    trx,
    fresh.map((p) => p.item),
    locatorPrefix,
  );
  const classified = await classify(trx, items, locatorPrefix);
  const structured = classified.filter((c) => c.structure).map((c) => c.item);
  const titleIds = await upsertTitles(trx, structured, report);
  const seasonIds = await upsertSeasons(trx, structured, titleIds, report);
  const createdEpisodes = new Set<string>();
  const episodeIds = structured.length
    ? await upsertEpisodes(trx, structured, titleIds, seasonIds, report, createdEpisodes, freshBatch)
    : new Map<string, string>();
  const linked = classified.filter((c) => c.link);
  const canonicalUris = await chooseCanonical(trx, linked, episodeIds, createdEpisodes);
  const assets = await upsertAssets(trx, items, canonicalUris, report, freshBatch);
  const links = await planLinks(trx, linked, episodeIds, assets, canonicalUris, report);
  const assetIds = new Map([...assets].map(([uri, a]) => [uri, a.id]));

  const refs: RefRow[] = [];
  for (const { item, structure } of classified) {
    if (structure) {
      const titleId = titleIds.get(titleIdentity(item.title!))!;
      for (const ref of item.title!.providerRefs ?? []) refs.push({ type: 'title', entityId: titleId, ref });
      for (const ref of item.episode?.providerRefs ?? [])
        refs.push({ type: 'episode', entityId: episodeIds.get(episodeIdentity(item))!, ref });
    }
    for (const file of item.assets.flatMap(filesOf))
      for (const ref of file.providerRefs ?? []) refs.push({ type: 'asset', entityId: assetIds.get(file.uri)!, ref });
  }
  // Fingerprints on strong items' preferred links only: a weak item is looked at again every time
  // (a person may have resolved what it doubted).
  const byLink = new Map(links.map((l) => [`${l.episodeId}|${l.assetId}`, l]));
  classified.forEach((c, i) => {
    if (!c.link) return;
    const link = byLink.get(`${episodeIds.get(episodeIdentity(c.item))!}|${assetIds.get(preferredOf(c.item).uri)!}`);
    if (link) link.fingerprint = fresh[i]!.fingerprint;
  });
  await writeLinked(trx, links, providerRefsPart(refs, locatorPrefix, freshBatch), freshBatch, report);
  await syncParts(trx, items, assetIds, report);
  await syncMarkers(trx, items, assetIds, report);
  await enqueueReviews(
    trx,
    classified.filter((c) => !c.link),
    assetIds,
    episodeIds,
    report,
  );
}

/** How many removed assets and rejected items a report lists by name (all are counted). */
const MAX_LISTED = 100;

const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

/**
 * An ingest run: push items (any number of times, e.g. page by page from a source), then finish.
 * Items are written in batches of `batchSize`, each batch in its own transaction.
 */
export class IngestRun {
  readonly report = emptyReport();
  private batchesDone = 0;
  private readonly batchSize: number;

  constructor(
    private readonly db: Knex,
    private readonly options: IngestOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
  }

  async push(items: IngestItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += this.batchSize) {
      const batch = items.slice(start, start + this.batchSize);
      await this.writeWithRetry(batch);
      this.report.items += batch.length;
      this.batchesDone++;
      const progress = { itemsDone: this.report.items, batchesDone: this.batchesDone, report: this.totals() };
      this.options.onProgress?.(progress);
      await this.options.afterBatch?.(progress);
    }
  }

  /** Counts items refused before writing (the source's key and the first reason of each). */
  reject(rejected: readonly RejectedItem[]): void {
    this.report.rejected += rejected.length;
    for (const { sourceKey, errors } of rejected.slice(0, MAX_LISTED - this.report.rejectedItems.length)) {
      this.report.rejectedItems.push({ sourceKey, reason: describeFieldErrors(errors).slice(0, 1000) });
    }
  }

  /**
   * Ends the run. Given what a whole-collection pull saw, assets under the collection's key prefix
   * that were neither seen nor skipped as unchanged are reported as removed (and left in place).
   */
  async finish(pull?: CollectionPull): Promise<IngestReport> {
    if (pull?.scopes) {
      const rows = await scopedRemovals(this.db, {
        provider: pull.provider,
        scopes: pull.scopes,
        seenKeys: pull.seenKeys,
        skippedKeys: pull.skippedKeys,
      });
      // Files a changed item no longer has are marked missing (those seen again were un-marked by their upsert).
      await markMissing(this.db, rows);
      this.report.removed = rows.length;
      this.report.removedAssets = rows.slice(0, MAX_LISTED);
      this.report.skipped = pull.skippedKeys.length;
      this.report.extras = pull.extras;
      this.report.notices = [...this.report.notices, ...pull.notices].slice(0, MAX_LISTED);
    } else if (pull) {
      const keep = pull.skippedKeys.map((k) => `${escapeLike(k)}:%`);
      const rows = await query<{ id: string; uri: string }>(
        this.db,
        `SELECT a.id, a.uri FROM provider_refs pr JOIN assets a ON a.id = pr.asset_id
         WHERE pr.entity_type = 'asset' AND pr.provider = ? AND starts_with(pr.provider_key, ?)
           AND NOT (pr.provider_key = ANY(?::text[])) AND NOT (pr.provider_key LIKE ANY(?::text[]))
         ORDER BY a.uri`,
        [pull.provider, pull.keyPrefix, [...pull.seenKeys, ...pull.skippedKeys], keep],
      );
      await syncPresence(this.db, pull, rows);
      this.report.removed = rows.length;
      this.report.removedAssets = rows.slice(0, MAX_LISTED);
      this.report.skipped = pull.skippedKeys.length;
      this.report.extras = pull.extras;
      this.report.notices = [...this.report.notices, ...pull.notices].slice(0, MAX_LISTED);
    }
    return this.totals();
  }

  private totals(): IngestReport {
    const sum = (field: keyof KindCounts) => KINDS.reduce((n, k) => n + this.report.byKind[k][field], 0);
    return { ...this.report, created: sum('created'), updated: sum('updated'), unchanged: sum('unchanged') };
  }

  private async writeWithRetry(batch: IngestItem[], attempt = 0): Promise<void> {
    const before = structuredClone(this.report);
    try {
      // One ingest transaction at a time on a single-connection database (readers keep answering).
      await throughWriteGate(this.db, () =>
        this.db.transaction(async (trx) => {
          // Every statement here matches one batch of keys against a large table: index probes in a
          // nested loop always win, while hash plans, sequential scans and materialized inner sides
          // (chosen on fresh tables without statistics, which look nearly empty) read the whole table
          // once per batch, or compare every batch row with every stored row. No JIT: those disabled
          // plans' costs would make PostgreSQL compile every statement (~0.3 s each) for 1,000 rows.
          // Scoped to this transaction (set_config's third argument: local), one round trip.
          await trx.raw(
            `SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
                    set_config('enable_seqscan', 'off', true), set_config('enable_material', 'off', true), set_config('jit', 'off', true)`,
          );
          if (this.options.collectionId)
            await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`ingest:${this.options.collectionId}`]);
          await writeBatch(trx, batch, this.report, this.options.collectionId ?? null);
        }),
      );
    } catch (err) {
      Object.assign(this.report, before); // the batch rolled back: so do its counts
      const code = (err as { code?: string }).code;
      if (code && RETRYABLE_SQLSTATES.has(code) && attempt < 3) return this.writeWithRetry(batch, attempt + 1);
      throw err;
    }
  }
}

/**
 * Assets gone from their source are kept (a person may have linked them) but marked missing from
 * now, so playout never offers them. Missing assets the source has again (seen, or skipped as
 * unchanged) are present again. Both statements start from the few missing assets, not the collection.
 */
async function syncPresence(db: Knex, pull: CollectionPull, removed: Array<{ id: string }>): Promise<void> {
  const removedIds = removed.map((r) => r.id);
  await query(
    db,
    `UPDATE assets a SET missing_since = NULL
     WHERE a.missing_since IS NOT NULL AND a.id <> ALL(?::uuid[])
       AND EXISTS (SELECT 1 FROM provider_refs pr WHERE pr.asset_id = a.id AND pr.entity_type = 'asset'
                     AND pr.provider = ? AND starts_with(pr.provider_key, ?))`,
    [removedIds, pull.provider, pull.keyPrefix],
  );
  await markMissing(db, removed);
}

/** Marks assets missing from now (those already missing keep their time). */
async function markMissing(db: Knex, removed: Array<{ id: string }>): Promise<void> {
  if (removed.length === 0) return;
  await query(db, `UPDATE assets SET missing_since = now() WHERE id = ANY(?::uuid[]) AND missing_since IS NULL`, [
    removed.map((r) => r.id),
  ]);
}

export async function ingestItems(db: Knex, items: IngestItem[], options: IngestOptions = {}): Promise<IngestReport> {
  const run = new IngestRun(db, options);
  await run.push(items);
  return run.finish();
}
