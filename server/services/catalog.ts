import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { LRUCache } from 'lru-cache';
import { badRequest, notFound } from '../errors.js';
import type { CatalogQueryInput, CatalogRow } from '../schemas.js';
import { type ProgrammeColumns, programmeNames } from './programme.js';

/**
 * Programming queries for the scheduler, answered by the database: episodes and movies matching a
 * filter, in broadcast order (title name, season, episode) or a seeded shuffle, keyset-paged with
 * a total; and the episode after / before one in broadcast order.
 *
 * The seeded shuffle is index-friendly: every episode has a stored random `shuffle_key`, and a
 * seed picks where in that permutation the order starts (keys from the seed's point up, then the
 * keys below it). The same seed gives the same order; two seeds give rotations of one shuffle,
 * so walking on with a new seed never repeats an episode before the whole pool has been seen.
 */

type Binding = Knex.RawBinding;

/** A fragment of SQL with its `?` bindings, in order. */
interface Sql {
  text: string;
  bindings: Binding[];
}
const sql = (text: string, ...bindings: Binding[]): Sql => ({ text, bindings });
const join = (parts: Sql[], separator: string): Sql => ({
  text: parts.map((p) => p.text).join(separator),
  bindings: parts.flatMap((p) => p.bindings),
});

/** Does this database hold the multi-part versions table (issue 11)? Asked once per connection pool. */
const partsTable = new WeakMap<Knex, Promise<boolean>>();
export function hasAssetParts(db: Knex): Promise<boolean> {
  let known = partsTable.get(db);
  if (!known) {
    known = db
      .raw(`SELECT to_regclass('asset_parts') IS NOT NULL AS present`)
      .then((r: { rows: Array<{ present: boolean }> }) => r.rows[0]!.present);
    partsTable.set(db, known);
  }
  return known;
}

/** SQL over the canonical version `c` (a lateral row): its parts' problems, when versions have parts. */
const partsOk = (parts: boolean) =>
  parts
    ? ` AND NOT EXISTS (SELECT 1 FROM asset_parts ap JOIN assets pa ON pa.id = ap.asset_id
                        WHERE ap.version_id = c.id AND (pa.missing_since IS NOT NULL OR pa.duration_ms IS NULL))`
    : '';
const partsDuration = (parts: boolean) =>
  parts
    ? ` + coalesce((SELECT sum(pa.duration_ms)::int FROM asset_parts ap JOIN assets pa ON pa.id = ap.asset_id WHERE ap.version_id = c.id), 0)`
    : '';

/**
 * The rows' FROM: title, season and the canonical version of each episode (at most one, by the
 * one-canonical rule). A plain join, not a lateral one, so that a count can hash-join the tables.
 */
const FROM = `titles t
  JOIN episodes e ON e.title_id = t.id
  LEFT JOIN seasons s ON s.id = e.season_id
  LEFT JOIN (SELECT ea.episode_id, a.id, a.duration_ms, a.missing_since FROM episode_assets ea
             JOIN assets a ON a.id = ea.asset_id WHERE a.canonical) c ON c.episode_id = e.id`;

const columns = (
  parts: boolean,
) => `e.id AS episode_id, t.id AS title_id, t.kind, t.name AS title_name, s.number AS season_number,
  e.number AS episode_number, e.name AS episode_name, c.id AS asset_id, c.duration_ms${partsDuration(parts)} AS duration_ms,
  coalesce(e.content_rating, t.content_rating) AS content_rating, t.genres AS title_genres, e.genres AS episode_genres,
  ${YEAR} AS year, (${playable(parts)}) AS playable`;

const YEAR = `coalesce(extract(year FROM e.originally_available_at)::int, t.year)`;
const playable = (parts: boolean) =>
  `c.id IS NOT NULL AND c.duration_ms IS NOT NULL AND c.missing_since IS NULL${partsOk(parts)}`;

interface RawRow extends ProgrammeColumns {
  episode_id: string;
  asset_id: string | null;
  duration_ms: number | null;
  content_rating: string | null;
  title_genres: string[];
  episode_genres: string[];
  year: number | null;
  playable: boolean;
  k: unknown[];
}

const toRow = (r: RawRow): CatalogRow => ({
  episodeId: r.episode_id,
  ...programmeNames(r),
  assetId: r.asset_id,
  durationMs: r.duration_ms,
  contentRating: r.content_rating,
  genres: unionIgnoringCase(r.title_genres, r.episode_genres),
  year: r.year,
  playable: r.playable,
});

/** The title's genres, then the episode's own, each once whatever its case (first spelling kept). */
function unionIgnoringCase(...lists: string[][]): string[] {
  const seen = new Map<string, string>();
  for (const genre of lists.flat()) if (!seen.has(genre.toLowerCase())) seen.set(genre.toLowerCase(), genre);
  return [...seen.values()];
}

/** `2..10` -> [2, 10]; `3..` -> [3, null]; 5 -> [5, 5]. */
function rangeOf(range: number | string): [number | null, number | null] {
  if (typeof range === 'number') return [range, range];
  const [from, to] = range.split('..') as [string, string];
  return [from === '' ? null : Number(from), to === '' ? null : Number(to)];
}

/** The WHERE conditions of a filter. Every value is a binding; no input reaches the SQL text. */
function filterConditions(f: CatalogQueryInput, parts: boolean): Sql[] {
  const where: Sql[] = [];
  if (f.kind) where.push(sql('t.kind = ?', f.kind));
  if (f.titleIds?.length) where.push(sql('t.id = ANY(?::uuid[])', f.titleIds));
  if (f.titleNames?.length)
    where.push(
      sql(
        'lower(t.name) = ANY(?::text[])',
        f.titleNames.map((n) => n.toLowerCase()),
      ),
    );
  if (f.seasons?.length) where.push(sql('s.number = ANY(?::int[])', f.seasons));
  if (f.episodes?.length) {
    const ranges = f.episodes.map(rangeOf);
    where.push(
      join(
        ranges.map(([from, to]) => sql('(e.number BETWEEN coalesce(?::int, 0) AND coalesce(?::int, 2147483647))', from, to)),
        ' OR ',
      ),
    );
    where[where.length - 1] = sql(`(${where[where.length - 1]!.text})`, ...where[where.length - 1]!.bindings);
  }
  if (f.minDurationMs !== undefined) where.push(sql('c.duration_ms >= ?', f.minDurationMs));
  if (f.maxDurationMs !== undefined) where.push(sql('c.duration_ms <= ?', f.maxDurationMs));
  // Genres ignoring case: "comedy" finds "Comedy" (GIN indexes on the lower-cased arrays).
  const genres = (list: string[]) => [...new Set(list.map((g) => g.toLowerCase()))];
  const anyGenre = '(retrovue_lower_genres(t.genres) && ?::text[] OR retrovue_lower_genres(e.genres) && ?::text[])';
  if (f.genres?.include?.length) where.push(sql(anyGenre, genres(f.genres.include), genres(f.genres.include)));
  if (f.genres?.exclude?.length) where.push(sql(`NOT ${anyGenre}`, genres(f.genres.exclude), genres(f.genres.exclude)));
  if (f.contentRatings?.include?.length)
    where.push(sql('coalesce(e.content_rating, t.content_rating) = ANY(?::text[])', f.contentRatings.include));
  if (f.contentRatings?.exclude?.length)
    where.push(sql('coalesce(coalesce(e.content_rating, t.content_rating) <> ALL(?::text[]), true)', f.contentRatings.exclude));
  if (f.minYear !== undefined) where.push(sql(`${YEAR} >= ?`, f.minYear));
  if (f.maxYear !== undefined) where.push(sql(`${YEAR} <= ?`, f.maxYear));
  // Asset provider keys are scoped `<collectionId>:...` by every source adapter.
  if (f.collectionId)
    where.push(
      sql(
        `EXISTS (SELECT 1 FROM provider_refs pr WHERE pr.asset_id = c.id AND pr.entity_type = 'asset'
                  AND starts_with(pr.provider_key, ?))`,
        `${f.collectionId}:`,
      ),
    );
  if (f.sourceId)
    where.push(
      sql(
        `EXISTS (SELECT 1 FROM provider_refs pr JOIN source_collections sc ON starts_with(pr.provider_key, sc.id::text || ':')
                  WHERE pr.asset_id = c.id AND pr.entity_type = 'asset' AND sc.source_id = ?)`,
        f.sourceId,
      ),
    );
  if (f.hasMarkerKind)
    where.push(sql('EXISTS (SELECT 1 FROM markers m WHERE m.asset_id = c.id AND m.kind = ?)', f.hasMarkerKind));
  if (f.playableOnly) where.push(sql(playable(parts)));
  return where;
}

const whereClause = (conditions: Sql[]): Sql =>
  conditions.length ? join([sql('WHERE'), join(conditions, ' AND ')], ' ') : sql('');

// ---- ordering and cursors ----

/** Broadcast order: title name, title, season (none first), episode, id. */
const BROADCAST_KEYS = ['t.name', 't.id', 'coalesce(s.number, -1)', 'coalesce(e.number, -1)', 'e.id'];
const BROADCAST_TYPES = ['text', 'uuid', 'int', 'int', 'uuid'];

/** Where a seed starts in the stored shuffle: a fixed scramble of the seed over the key space. */
const seedOffset = (seed: number): number => createHash('sha256').update(`shuffle:${seed}`).digest().readUInt32BE(0) >>> 1;

interface Cursor {
  /** The query the cursor belongs to (a hash of its filter and order). */
  q: string;
  /** The last row's sort keys. */
  k: Array<string | number>;
  /** The total, computed with the first page (null when not asked for). */
  n: number | null;
}

function scopeOf(input: CatalogQueryInput): string {
  const { cursor: _cursor, limit: _limit, ...query } = input;
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

function decode(cursor: string, scope: string, types: string[]): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid cursor');
  }
  const c = parsed as Partial<Cursor> | null;
  const valid =
    c !== null &&
    typeof c === 'object' &&
    c.q === scope &&
    (c.n === null || Number.isSafeInteger(c.n)) &&
    Array.isArray(c.k) &&
    c.k.length === types.length &&
    c.k.every((v, i) => (types[i] === 'int' ? Number.isSafeInteger(v) : typeof v === 'string' && v.length <= 1024));
  if (!valid) throw badRequest('invalid cursor (it belongs to another query)');
  return c as Cursor;
}

const encode = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

async function rows(db: Knex, query: Sql): Promise<RawRow[]> {
  const result = (await db.raw(query.text, query.bindings)) as { rows: RawRow[] };
  return result.rows;
}

/** The broadcast-order page after `after` (keys), or the first. */
function broadcastPage(parts: boolean, where: Sql[], after: Array<string | number> | undefined, limit: number): Sql {
  const conditions = [...where];
  if (after) {
    const tuple = BROADCAST_KEYS.join(', ');
    const params = BROADCAST_TYPES.map((t) => `?::${t}`).join(', ');
    // The leading pair on its own lets the planner start the titles index scan at the cursor.
    conditions.push(sql('(t.name, t.id) >= (?::text, ?::uuid)', after[0]!, after[1]!));
    conditions.push(sql(`(${tuple}) > (${params})`, ...after));
  }
  return join(
    [
      sql(`SELECT ${columns(parts)}, json_build_array(${BROADCAST_KEYS.join(', ')}) AS k FROM ${FROM}`),
      whereClause(conditions),
      sql(`ORDER BY ${BROADCAST_KEYS.join(', ')} LIMIT ?`, limit + 1),
    ],
    ' ',
  );
}

/**
 * A shuffled page: keys from the seed's offset up, then (phase 1) the keys below it. Each phase is
 * one range scan of ix_episodes_shuffle, so any page costs what the first one does. Two statements,
 * the second run only when the first leaves the page short (once per walk, where it wraps): one
 * statement of two branches would be planned whole for every page (twice a broadcast page's planning).
 */
function randomPage(
  parts: boolean,
  where: Sql[],
  offset: number,
  after: Array<string | number> | undefined,
  limit: number,
): Sql[] {
  const [phase, key, id] = after ?? [0, undefined, undefined];
  const branch = (p: 0 | 1) => {
    const conditions = [...where, p === 0 ? sql('e.shuffle_key >= ?', offset) : sql('e.shuffle_key < ?', offset)];
    if (after && phase === p) conditions.push(sql('(e.shuffle_key, e.id) > (?::int, ?::uuid)', key!, id!));
    return join(
      [
        sql(`SELECT ${columns(parts)}, json_build_array(${p}, e.shuffle_key, e.id) AS k FROM ${FROM}`),
        whereClause(conditions),
        sql('ORDER BY e.shuffle_key, e.id LIMIT ?', limit + 1),
      ],
      ' ',
    );
  };
  return phase === 0 ? [branch(0), branch(1)] : [branch(1)];
}

/**
 * Pool totals, exact, kept per filter and brought forward from the change log.
 *
 * A full count is a pass over the whole pool (0.1-0.4 s at 110,000 episodes). It is counted once per
 * filter, per title (`GROUP BY` title), together with the snapshot it saw. After a write, the change
 * log's entries the kept snapshot did not see (`pg_visible_in_snapshot`: committed since, whatever
 * their position) name the rows written; each row leads to the titles it belongs to, before and after
 * the write (`touchedTitlesSql`). Only those titles are counted again, in the same REPEATABLE READ
 * snapshot as the log read, and the kept per-title counts are patched: the new total is exact for that
 * snapshot, by induction: a title's count depends only on rows attached to it (its episodes, their
 * seasons, links, files, parts, markers, provider refs), and a row that changed is logged with its old
 * foreign keys, while a row that did not change attaches where it did before.
 * What leaves no log entry (TRUNCATE, deleted log entries) moves `catalog_count_resets`, read in the
 * same snapshot: the next count is a full one. So is a write to source collections, for a filter by source.
 *
 * The catalogue version (`retrovue_catalog_version`, a sequence bumped by every statement writing a
 * table the pool reads) skips even that read while nothing was written. One race is closed by hand: a
 * writer may bump the version, the version be read, and the count take its snapshot before that writer
 * commits (a sequence is not transactional). Such a writer is in flight in this database when the
 * version is read (it has an xid by its first write) and still in flight at the count's snapshot: a
 * count whose snapshot has one of those writers in progress is kept without the version (its next
 * first page reads the log, which catches the writer up). Writers in other databases do not matter.
 * Per server process, at most TOTALS_KEPT filters and TITLE_COUNTS_KEPT per-title counts in all
 * (least recently used dropped).
 */
const TOTALS_KEPT = 1000;
const TITLE_COUNTS_KEPT = 1_000_000;
/** Beyond this many titles touched since the kept count, counting the whole pool again is as cheap. */
const TOUCHED_MAX = 2000;

interface KeptTotal {
  /** The catalogue version the total is good for; null when a writer was in flight at its snapshot. */
  version: string | null;
  /** The snapshot the counts saw (`pg_snapshot` text). */
  snapshot: string;
  /** `catalog_count_resets` as the snapshot saw it. */
  resets: string | null;
  total: number;
  /** Title id -> its rows in the pool (titles with none left out). */
  byTitle: Map<string, number>;
}

const totalsCache = new WeakMap<Knex, LRUCache<string, KeptTotal>>();

function totalsOf(db: Knex): LRUCache<string, KeptTotal> {
  let cache = totalsCache.get(db);
  if (!cache) {
    cache = new LRUCache<string, KeptTotal>({
      max: TOTALS_KEPT,
      maxSize: TITLE_COUNTS_KEPT,
      sizeCalculation: (kept) => 1 + kept.byTitle.size,
    });
    totalsCache.set(db, cache);
  }
  return cache;
}

interface CatalogVersion {
  version: string;
  /** Transactions writing in this database when the version was read (their xids). */
  writers: string[];
}

/** The catalogue version, then (after it: the order matters) the writers in flight in this database. */
export async function catalogVersion(db: Knex): Promise<CatalogVersion> {
  const result = (await db.raw(
    `WITH v AS MATERIALIZED (SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM retrovue_catalog_version)
     SELECT v.n::text AS version,
            ARRAY(SELECT backend_xid::text FROM pg_stat_activity
                  WHERE v.n IS NOT NULL AND datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()) AS writers
     FROM v`,
  )) as { rows: CatalogVersion[] };
  return result.rows[0]!;
}

/** What a total depends on: the filter, not the order, the page or the cursor. */
function filterKey(input: CatalogQueryInput): string {
  const { cursor: _c, limit: _l, order: _o, seed: _s, withTotal: _w, ...filter } = input;
  return createHash('sha256').update(JSON.stringify(filter)).digest('base64url');
}

/**
 * How many of the writers (32-bit xids) were in progress at this statement's snapshot: listed in
 * progress, or at or past its xmax (which is the latest completed xid + 1, so a running writer
 * may be past it and not listed). Compared modulo 2^32, as PostgreSQL compares xids.
 */
const UNSETTLED = `SELECT count(*) FROM unnest(?::bigint[]) w, pg_current_snapshot() s
  WHERE w IN (SELECT x::text::bigint & 4294967295 FROM pg_snapshot_xip(s) x)
     OR (w - (pg_snapshot_xmax(s)::text::bigint & 4294967295) + 4294967296) % 4294967296 < 2147483648`;

/** A column's value before a logged change: a deleted row's, an update's old one (when it changed). */
const OLD = (column: string) =>
  `(CASE ch.op WHEN 'delete' THEN ch.changes->>'${column}' ELSE ch.changes->'${column}'->>0 END)::uuid`;

/**
 * The rows written by changes the snapshot `?` (pg_snapshot text) did not see, as ids by kind: `t`
 * titles, `e` episodes, `a` files, `s` seasons, `m` markers, `p` provider refs (now), `c` source
 * collections; with the old foreign keys of updated and deleted rows (an episode's or a season's
 * title, a link's episode, a part's version, a marker's or a ref's file). One range of
 * ix_change_log_xid: every xid the snapshot did not see is at or past its xmin (an OR of `>= xmax`
 * and `= ANY(xip)` was a sequential scan of the whole log: 60 ms at 650,000 entries). Past xmin, the
 * entries the snapshot did see (committed while an older writer was in flight) are read and dropped. The next
 * statement resolves the rows with the ids bound, so that every lookup is planned for the few ids it has.
 */
const CHANGED_SQL = `
WITH ch AS MATERIALIZED (
  SELECT c.table_name, c.op, c.changes,
         (CASE WHEN c.table_name IN ('episode_assets', 'asset_parts') THEN split_part(c.row_id, '/', 1) ELSE c.row_id END)::uuid AS id
  FROM change_log c
  WHERE c.xid >= pg_snapshot_xmin(?::pg_snapshot) AND NOT pg_visible_in_snapshot(c.xid, ?::pg_snapshot)
    AND c.table_name IN ('titles', 'seasons', 'episodes', 'episode_assets', 'assets', 'asset_parts', 'markers',
                         'provider_refs', 'source_collections')
),
refs (kind, id) AS (
  SELECT CASE ch.table_name WHEN 'titles' THEN 't' WHEN 'episodes' THEN 'e' WHEN 'episode_assets' THEN 'e'
           WHEN 'seasons' THEN 's' WHEN 'markers' THEN 'm' WHEN 'provider_refs' THEN 'p' WHEN 'source_collections' THEN 'c'
           ELSE 'a' END, ch.id
    FROM ch
  UNION ALL SELECT 't', ${OLD('title_id')} FROM ch WHERE ch.table_name IN ('seasons', 'episodes') AND ch.op <> 'insert'
  UNION ALL SELECT 'e', ${OLD('episode_id')} FROM ch WHERE ch.table_name = 'episode_assets' AND ch.op <> 'insert'
  UNION ALL SELECT 'a', ${OLD('version_id')} FROM ch WHERE ch.table_name = 'asset_parts' AND ch.op <> 'insert'
  UNION ALL SELECT 'a', ${OLD('asset_id')} FROM ch WHERE ch.table_name IN ('markers', 'provider_refs') AND ch.op <> 'insert'
)
SELECT kind, array_agg(DISTINCT id::text) AS ids FROM refs WHERE id IS NOT NULL GROUP BY kind`;

/**
 * The titles those rows belong to now: a season to its title; a marker or provider ref to its file;
 * a file to the version it is a part of; a file to the episodes linked to it; an episode to its title.
 * Bindings: files, markers, provider refs, episodes, titles, seasons (uuid arrays).
 */
const touchedTitlesSql = (parts: boolean) => `
WITH files AS (
  SELECT unnest(?::uuid[]) AS id
  UNION SELECT m.asset_id FROM markers m WHERE m.id = ANY(?::uuid[])
  UNION SELECT p.asset_id FROM provider_refs p WHERE p.id = ANY(?::uuid[]) AND p.asset_id IS NOT NULL
),
versions AS (
  SELECT id FROM files
  ${parts ? 'UNION SELECT ap.version_id FROM asset_parts ap WHERE ap.asset_id IN (SELECT id FROM files)' : ''}
),
eps AS (
  SELECT unnest(?::uuid[]) AS id
  UNION SELECT ea.episode_id FROM episode_assets ea WHERE ea.asset_id IN (SELECT id FROM versions)
)
SELECT ARRAY(
  SELECT unnest(?::uuid[])::text
  UNION SELECT s.title_id::text FROM seasons s WHERE s.id = ANY(?::uuid[])
  UNION SELECT e.title_id::text FROM episodes e WHERE e.id IN (SELECT id FROM eps)
  LIMIT ${TOUCHED_MAX + 1}) AS titles`;

/** Beyond this many rows written since the kept count, counting the whole pool again is as cheap. */
const CHANGED_MAX = 20_000;

/** The titles touched since `kept`'s snapshot, or null when a full count is due instead. */
async function touchedSince(trx: Knex, input: CatalogQueryInput, parts: boolean, kept: KeptTotal): Promise<string[] | null> {
  const changed = (await trx.raw(CHANGED_SQL, [kept.snapshot, kept.snapshot])) as {
    rows: Array<{ kind: string; ids: string[] }>;
  };
  const ids = (kind: string) => changed.rows.find((r) => r.kind === kind)?.ids ?? [];
  if (ids('c').length && input.sourceId) return null;
  if (sum(changed.rows.map((r) => r.ids.length)) > CHANGED_MAX) return null;
  if (!changed.rows.some((r) => r.kind !== 'c')) return [];
  const found = (await trx.raw(touchedTitlesSql(parts), [ids('a'), ids('m'), ids('p'), ids('e'), ids('t'), ids('s')])) as {
    rows: Array<{ titles: string[] }>;
  };
  const titles = found.rows[0]!.titles;
  return titles.length > TOUCHED_MAX ? null : titles;
}

/** The pool's rows per title, over the titles given or all. */
async function countByTitle(
  conn: Knex,
  input: CatalogQueryInput,
  parts: boolean,
  titles?: string[],
): Promise<Map<string, number>> {
  const conditions = filterConditions(input, parts);
  if (titles) conditions.unshift(sql('t.id = ANY(?::uuid[])', titles));
  const query = join(
    [sql(`SELECT t.id::text AS id, count(*)::int AS n FROM ${FROM}`), whereClause(conditions), sql('GROUP BY t.id')],
    ' ',
  );
  const result = (await conn.raw(query.text, query.bindings)) as { rows: Array<{ id: string; n: number }> };
  return new Map(result.rows.map((r) => [r.id, r.n]));
}

const sum = (counts: Iterable<number>): number => {
  let n = 0;
  for (const c of counts) n += c;
  return n;
};

/**
 * Counts the pool now, in one REPEATABLE READ snapshot: from `kept` when given (only the titles
 * touched since its snapshot), else (or when the log cannot say) the whole pool. `settled`: none of
 * `writers` was still in flight at the snapshot, so the count includes everything the version read
 * before it says. `incremental`: brought forward from `kept`.
 */
export async function countMatching(
  db: Knex,
  input: CatalogQueryInput,
  writers: string[] = [],
  kept?: KeptTotal,
): Promise<{ counted: KeptTotal; settled: boolean; incremental: boolean }> {
  const parts = await hasAssetParts(db);
  return db.transaction(
    async (trx) => {
      const head = (await trx.raw(
        `SELECT pg_current_snapshot()::text AS snapshot, (SELECT xid::text FROM catalog_count_resets WHERE id = 1) AS resets,
                (${UNSETTLED})::int AS unsettled`,
        [writers],
      )) as { rows: Array<{ snapshot: string; resets: string | null; unsettled: number }> };
      const { snapshot, resets, unsettled } = head.rows[0]!;
      const settled = unsettled === 0;
      const titles = kept && kept.resets === resets ? await touchedSince(trx, input, parts, kept) : null;
      if (kept && titles) {
        const byTitle = new Map(kept.byTitle);
        if (titles.length) {
          const now = await countByTitle(trx, input, parts, titles);
          for (const id of titles) {
            const n = now.get(id);
            if (n) byTitle.set(id, n);
            else byTitle.delete(id);
          }
        }
        const total =
          kept.total - sum(titles.map((id) => kept.byTitle.get(id) ?? 0)) + sum(titles.map((id) => byTitle.get(id) ?? 0));
        return { counted: { version: null, snapshot, resets, total, byTitle }, settled, incremental: true };
      }
      const byTitle = await countByTitle(trx, input, parts);
      return { counted: { version: null, snapshot, resets, total: sum(byTitle.values()), byTitle }, settled, incremental: false };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/** The pool's total: kept at the current catalogue version, else brought forward or counted. */
async function totalOf(db: Knex, input: CatalogQueryInput, { version, writers }: CatalogVersion): Promise<number> {
  const cache = totalsOf(db);
  const key = filterKey(input);
  const kept = cache.get(key);
  if (kept && kept.version === version) return kept.total;
  const { counted, settled } = await countMatching(db, input, writers, kept);
  cache.set(key, { ...counted, version: settled ? version : null });
  return counted.total;
}

/** The statements of a catalog page, in order: each runs only while the page is still short. */
export async function catalogPageSql(db: Knex, input: CatalogQueryInput): Promise<Sql[]> {
  const parts = await hasAssetParts(db);
  const where = filterConditions(input, parts);
  const random = input.order === 'random';
  const types = random ? ['int', 'int', 'uuid'] : BROADCAST_TYPES;
  const after = input.cursor ? decode(input.cursor, scopeOf(input), types).k : undefined;
  return random
    ? randomPage(parts, where, seedOffset(input.seed!), after, input.limit)
    : [broadcastPage(parts, where, after, input.limit)];
}

/**
 * Without a title filter a page must be a walk of an index in the requested order (titles by name,
 * or the shuffle keys) that stops after `limit` rows. The planner, misjudging how many rows a
 * metadata filter keeps, may prefer to sort the whole pool; this transaction rules sorts and hash
 * joins out. With titles named, the pool is small and the planner's own choice is best.
 * Also off for a page: parallel workers (their start-up costs more than a page) and JIT compiling
 * (a selective shuffled pool's cost estimate passes jit_above_cost: ~40 ms of compiling for a
 * 5 ms walk).
 */
const PAGE_SETTINGS = ['enable_sort', 'enable_hashjoin', 'max_parallel_workers_per_gather', 'jit'] as const;

async function pageRows(db: Knex, input: CatalogQueryInput, queries: Sql[]): Promise<RawRow[]> {
  // limit + 1 rows tell whether there is a next page.
  const run = async (conn: Knex): Promise<RawRow[]> => {
    const found: RawRow[] = [];
    for (const query of queries) {
      if (found.length > input.limit) break;
      found.push(...(await rows(conn, query)));
    }
    return found;
  };
  if (input.titleIds?.length || input.titleNames?.length) return run(db);
  return db.transaction(async (trx) => {
    await trx.raw(
      `SELECT ${PAGE_SETTINGS.map((name) => `set_config('${name}', '${name === 'max_parallel_workers_per_gather' ? '0' : 'off'}', true)`).join(', ')}`,
    );
    return run(trx);
  });
}

export async function queryCatalog(
  db: Knex,
  input: CatalogQueryInput,
): Promise<{ items: CatalogRow[]; nextCursor: string | null; total: number | null }> {
  const scope = scopeOf(input);
  const types = input.order === 'random' ? ['int', 'int', 'uuid'] : BROADCAST_TYPES;
  const cursor = input.cursor ? decode(input.cursor, scope, types) : undefined;
  // The total (the version read, then the count if it moved) alongside the page, on another connection.
  const [total, found] = await Promise.all([
    cursor ? cursor.n : input.withTotal ? catalogVersion(db).then((version) => totalOf(db, input, version)) : null,
    catalogPageSql(db, input).then((queries) => pageRows(db, input, queries)),
  ]);
  const items = found.slice(0, input.limit);
  const last = found.length > input.limit ? items[items.length - 1] : undefined;
  const nextCursor = last
    ? encode({ q: scope, k: (typeof last.k === 'string' ? JSON.parse(last.k) : last.k) as Array<string | number>, n: total })
    : null;
  return { items: items.map(toRow), nextCursor, total };
}

// ---- next / previous in broadcast order ----

export interface StepInput {
  episodeId: string;
  includeSpecials: boolean;
  wrap: boolean;
  playableOnly: boolean;
}

/** The episode after (or before) one in its show's broadcast order: season, then episode number. */
export async function stepEpisode(
  db: Knex,
  { episodeId, includeSpecials, wrap, playableOnly }: StepInput,
  direction: 'next' | 'previous',
): Promise<{ item: CatalogRow | null; wrapped: boolean }> {
  const parts = await hasAssetParts(db);
  const current = (await db.raw(
    `SELECT e.title_id, coalesce(s.number, -1) AS season, coalesce(e.number, -1) AS number
     FROM episodes e LEFT JOIN seasons s ON s.id = e.season_id WHERE e.id = ?`,
    [episodeId],
  )) as { rows: Array<{ title_id: string; season: number; number: number }> };
  const here = current.rows[0];
  if (!here) throw notFound('episode', episodeId);
  const keys = '(coalesce(s.number, -1), coalesce(e.number, -1), e.id)';
  const [op, order] = direction === 'next' ? ['>', 'ASC'] : ['<', 'DESC'];
  const base: Sql[] = [sql('e.title_id = ?', here.title_id)];
  // Specials: season 0, or no season at all (a show's unseasoned extras).
  if (!includeSpecials) base.push(sql('coalesce(s.number, 0) > 0'));
  if (playableOnly) base.push(sql(playable(parts)));
  const step = (after: boolean) =>
    join(
      [
        sql(`SELECT ${columns(parts)}, NULL AS k FROM ${FROM}`),
        whereClause(
          after ? [...base, sql(`${keys} ${op} (?::int, ?::int, ?::uuid)`, here.season, here.number, episodeId)] : base,
        ),
        sql(`ORDER BY coalesce(s.number, -1) ${order}, coalesce(e.number, -1) ${order}, e.id ${order} LIMIT 1`),
      ],
      ' ',
    );
  const [found] = await rows(db, step(true));
  if (found) return { item: toRow(found), wrapped: false };
  if (!wrap) return { item: null, wrapped: false };
  const [first] = await rows(db, step(false));
  return { item: first ? toRow(first) : null, wrapped: Boolean(first) };
}
