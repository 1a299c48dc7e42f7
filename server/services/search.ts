import type { Knex } from 'knex';
import { badRequest } from '../errors.js';
import { Title } from '../models/index.js';
import { containsPattern } from './crud.js';
import type { Page } from './pagination.js';
import { type ProgrammeColumns, type ProgrammeNames, programmeNames } from './programme.js';

/**
 * Search that forgives typos: pg_trgm word similarity over title and episode names (GiST trigram
 * indexes serve both the substring and the similarity test), best match first.
 * A name matches when it contains the term, or when part of it is similar enough to it
 * (`<%`: word_similarity >= pg_trgm.word_similarity_threshold, at SIMILARITY_THRESHOLDS here).
 */

/**
 * Two nets: pg_trgm's default threshold (0.6) first, which keeps the trigram index selective when
 * many names look alike; when it catches nothing, a looser one, since 0.6 misses one-letter typos
 * in short names ("Alein" -> "Alien" scores 0.33).
 */
export const SIMILARITY_THRESHOLDS = [0.6, 0.3] as const;

/**
 * A name matches when it contains the term or is similar enough to it. The threshold is both in
 * the index condition (`<%`, pg_trgm.word_similarity_threshold) and spelled out, so that a stage
 * at pg_trgm's default (0.6) needs no setting: one statement, no transaction around it.
 */
const MATCH = (column: string, stage: number) =>
  `(${column} ILIKE ? OR (? <% ${column} AND word_similarity(?, ${column}) >= ${SIMILARITY_THRESHOLDS[stage]}))`;
const SCORE = (column: string) =>
  `greatest(word_similarity(?, ${column}), CASE WHEN ${column} ILIKE ? THEN 1 ELSE 0 END)::float8`;
const matchBindings = (q: string) => [containsPattern(q), q, q];
const scoreBindings = (q: string) => [q, containsPattern(q)];

/** pg_trgm's own default word similarity threshold. */
const PG_TRGM_DEFAULT = 0.6;

/** Runs `work` at a stage's threshold: set for a transaction of its own unless it is pg_trgm's default. */
const atThreshold = <T>(db: Knex, stage: number, work: (db: Knex, stage: number) => Promise<T>): Promise<T> =>
  SIMILARITY_THRESHOLDS[stage] === PG_TRGM_DEFAULT
    ? work(db, stage)
    : db.transaction(async (trx) => {
        await trx.raw(`SELECT set_config('pg_trgm.word_similarity_threshold', ?, true)`, [String(SIMILARITY_THRESHOLDS[stage])]);
        return work(trx, stage);
      });

/** Tries each threshold until one finds something; returns what it found and which stage that was. */
async function firstFinding<T extends unknown[]>(
  db: Knex,
  work: (db: Knex, stage: number) => Promise<T>,
): Promise<{ found: T; stage: number }> {
  const strict = await atThreshold(db, 0, work);
  if (strict.length > 0) return { found: strict, stage: 0 };
  return { found: await atThreshold(db, 1, work), stage: 1 };
}

export interface SearchHit extends ProgrammeNames {
  type: 'title' | 'episode';
  id: string;
  score: number;
}

interface HitRow extends ProgrammeColumns {
  type: 'title' | 'episode';
  id: string;
  score: number;
}

export async function searchCatalog(
  db: Knex,
  {
    q,
    in: where,
    kind,
    limit,
  }: { q: string; in: 'titles' | 'episodes' | 'all'; kind?: 'movie' | 'show' | undefined; limit: number },
): Promise<{ items: SearchHit[] }> {
  const kindFilter = kind ? ' AND t.kind = ?' : '';
  const kindBindings = kind ? [kind] : [];
  const statement = (stage: number) => {
    const parts: Array<{ text: string; bindings: Knex.RawBinding[] }> = [];
    if (where !== 'episodes')
      parts.push({
        text: `(SELECT 'title' AS type, t.id, t.id AS title_id, t.kind, t.name AS title_name, NULL::int AS season_number,
                     NULL::int AS episode_number, NULL::text AS episode_name, ${SCORE('t.name')} AS score
              FROM titles t WHERE ${MATCH('t.name', stage)}${kindFilter} ORDER BY score DESC, t.name, t.id LIMIT ?)`,
        bindings: [...scoreBindings(q), ...matchBindings(q), ...kindBindings, limit],
      });
    if (where !== 'titles')
      parts.push({
        // A movie's one episode carries the movie's name: found as a title, not again as an episode.
        text: `(SELECT 'episode' AS type, e.id, t.id AS title_id, t.kind, t.name AS title_name, s.number AS season_number,
                     e.number AS episode_number, e.name AS episode_name, ${SCORE('e.name')} AS score
              FROM episodes e JOIN titles t ON t.id = e.title_id LEFT JOIN seasons s ON s.id = e.season_id
              WHERE ${MATCH('e.name', stage)} AND t.kind = 'show'${kindFilter} ORDER BY score DESC, e.name, e.id LIMIT ?)`,
        bindings: [...scoreBindings(q), ...matchBindings(q), ...kindBindings, limit],
      });
    return {
      text: `SELECT * FROM (${parts.map((p) => p.text).join(' UNION ALL ')}) hits ORDER BY score DESC, title_name, id LIMIT ?`,
      bindings: [...parts.flatMap((p) => p.bindings), limit],
    };
  };
  const { found: rows } = await firstFinding(db, async (trx, stage) => {
    const { text, bindings } = statement(stage);
    const result = (await trx.raw(text, bindings)) as { rows: HitRow[] };
    return result.rows;
  });
  return {
    items: rows.map((r) => ({
      type: r.type,
      id: r.id,
      ...programmeNames(r),
      score: Math.round(r.score * 1000) / 1000,
    })),
  };
}

/**
 * `titles.list` with `search`: matching titles best first (then by name), keyset-paged on
 * (score, name, id). The cursor carries the last score exactly (float8 round-trips through JSON).
 */
export async function searchTitlesPage(
  db: Knex,
  {
    search,
    kind,
    year,
    cursor,
    limit,
  }: { search: string; kind?: string | undefined; year?: number | undefined; cursor?: string | undefined; limit: number },
): Promise<Page<Title>> {
  const scope = `titles:search:${search}`;
  const after = cursor ? decodeSearchCursor(cursor, scope) : undefined;
  const page = (trx: Knex, stage: number) => titlesPage(trx, { search, kind, year, after, limit, stage });
  // A query keeps the net its first page was caught with, so its pages never overlap.
  const { found, stage } = after
    ? { found: await atThreshold(db, after.stage, page), stage: after.stage }
    : await firstFinding(db, page);
  const items = found.slice(0, limit);
  const last = found.length > limit ? (items[items.length - 1] as Title & { score: number }) : undefined;
  const nextCursor = last
    ? Buffer.from(JSON.stringify({ s: scope, k: [last.score, last.name, last.id], t: stage })).toString('base64url')
    : null;
  for (const item of items) delete (item as { score?: number }).score;
  return { items, nextCursor };
}

interface SearchCursor {
  score: number;
  name: string;
  id: string;
  stage: number;
}

/** One page (limit + 1 rows, to tell whether there is more) of matching titles, best first. */
async function titlesPage(
  db: Knex,
  {
    search,
    kind,
    year,
    after,
    limit,
    stage,
  }: {
    search: string;
    kind?: string | undefined;
    year?: number | undefined;
    after?: SearchCursor | undefined;
    limit: number;
    stage: number;
  },
): Promise<Title[]> {
  const query = Title.query(db)
    .select('titles.*', db.raw(`${SCORE('titles.name')} AS score`, scoreBindings(search)))
    .whereRaw(MATCH('titles.name', stage), matchBindings(search));
  if (kind) query.where('titles.kind', kind);
  if (year !== undefined) query.where('titles.year', year);
  if (after)
    query.whereRaw(`(-${SCORE('titles.name')}, titles.name, titles.id) > (?::float8, ?::text, ?::uuid)`, [
      ...scoreBindings(search),
      -after.score,
      after.name,
      after.id,
    ]);
  return query.orderByRaw('score DESC, titles.name, titles.id').limit(limit + 1);
}

function decodeSearchCursor(cursor: string, scope: string): SearchCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid cursor');
  }
  const { s, k, t } = (parsed ?? {}) as { s?: unknown; k?: unknown; t?: unknown };
  const valid =
    s === scope &&
    (t === 0 || t === 1) &&
    Array.isArray(k) &&
    k.length === 3 &&
    typeof k[0] === 'number' &&
    Number.isFinite(k[0]) &&
    typeof k[1] === 'string' &&
    typeof k[2] === 'string' &&
    /^[0-9a-f-]{36}$/i.test(k[2]);
  if (!valid) throw badRequest('invalid cursor (it belongs to another list or query)');
  return { score: k[0] as number, name: k[1] as string, id: k[2] as string, stage: t as number };
}
