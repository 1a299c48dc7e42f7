import type { Knex } from 'knex';
import { badRequest } from '../errors.js';
import { Title } from '../models/index.js';
import { containsPattern } from './crud.js';
import type { Page } from './pagination.js';

/**
 * Search that forgives typos: pg_trgm word similarity over title and episode names (GIN trigram
 * indexes serve both the substring and the similarity test), best match first.
 * A name matches when it contains the term, or when part of it is similar enough to it
 * (`<%`: word_similarity >= pg_trgm.word_similarity_threshold, set to SIMILARITY_THRESHOLD here).
 */

/**
 * pg_trgm's default (0.6) misses one-letter typos in short names ("Alein" -> "Alien" scores 0.33);
 * ranking puts the close matches first, so a looser net costs little.
 */
export const SIMILARITY_THRESHOLD = 0.3;

/** Runs `work` with the similarity threshold set for its transaction only. */
async function withThreshold<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw(`SELECT set_config('pg_trgm.word_similarity_threshold', ?, true)`, [String(SIMILARITY_THRESHOLD)]);
    return work(trx);
  });
}

const MATCH = (column: string) => `(${column} ILIKE ? OR ? <% ${column})`;
const SCORE = (column: string) =>
  `greatest(word_similarity(?, ${column}), CASE WHEN ${column} ILIKE ? THEN 1 ELSE 0 END)::float8`;
const matchBindings = (q: string) => [containsPattern(q), q];
const scoreBindings = (q: string) => [q, containsPattern(q)];

export interface SearchHit {
  type: 'title' | 'episode';
  id: string;
  titleId: string;
  kind: 'movie' | 'show';
  titleName: string;
  seasonNumber: number | null;
  episodeNumber: number | null;
  episodeName: string | null;
  score: number;
}

interface HitRow {
  type: 'title' | 'episode';
  id: string;
  title_id: string;
  kind: 'movie' | 'show';
  title_name: string;
  season_number: number | null;
  episode_number: number | null;
  episode_name: string | null;
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
  const parts: Array<{ text: string; bindings: Knex.RawBinding[] }> = [];
  if (where !== 'episodes')
    parts.push({
      text: `(SELECT 'title' AS type, t.id, t.id AS title_id, t.kind, t.name AS title_name, NULL::int AS season_number,
                     NULL::int AS episode_number, NULL::text AS episode_name, ${SCORE('t.name')} AS score
              FROM titles t WHERE ${MATCH('t.name')}${kindFilter} ORDER BY score DESC, t.name, t.id LIMIT ?)`,
      bindings: [...scoreBindings(q), ...matchBindings(q), ...kindBindings, limit],
    });
  if (where !== 'titles')
    parts.push({
      // A movie's one episode carries the movie's name: found as a title, not again as an episode.
      text: `(SELECT 'episode' AS type, e.id, t.id AS title_id, t.kind, t.name AS title_name, s.number AS season_number,
                     e.number AS episode_number, e.name AS episode_name, ${SCORE('e.name')} AS score
              FROM episodes e JOIN titles t ON t.id = e.title_id LEFT JOIN seasons s ON s.id = e.season_id
              WHERE ${MATCH('e.name')} AND t.kind = 'show'${kindFilter} ORDER BY score DESC, e.name, e.id LIMIT ?)`,
      bindings: [...scoreBindings(q), ...matchBindings(q), ...kindBindings, limit],
    });
  const text = `SELECT * FROM (${parts.map((p) => p.text).join(' UNION ALL ')}) hits ORDER BY score DESC, title_name, id LIMIT ?`;
  const result = (await withThreshold(db, (trx) => trx.raw(text, [...parts.flatMap((p) => p.bindings), limit]))) as {
    rows: HitRow[];
  };
  return {
    items: result.rows.map((r) => ({
      type: r.type,
      id: r.id,
      titleId: r.title_id,
      kind: r.kind,
      titleName: r.title_name,
      seasonNumber: r.season_number,
      episodeNumber: r.episode_number,
      episodeName: r.episode_name,
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
  return withThreshold(db, (trx) => titlesPage(trx, { search, kind, year, cursor, limit }));
}

async function titlesPage(
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
  const query = Title.query(db)
    .select('titles.*', db.raw(`${SCORE('titles.name')} AS score`, scoreBindings(search)))
    .whereRaw(MATCH('titles.name'), matchBindings(search));
  if (kind) query.where('titles.kind', kind);
  if (year !== undefined) query.where('titles.year', year);
  if (cursor) {
    const [score, name, id] = decodeSearchCursor(cursor, scope);
    query.whereRaw(`(-${SCORE('titles.name')}, titles.name, titles.id) > (?::float8, ?::text, ?::uuid)`, [
      ...scoreBindings(search),
      -score,
      name,
      id,
    ]);
  }
  const found = await query.orderByRaw('score DESC, titles.name, titles.id').limit(limit + 1);
  const items = found.slice(0, limit);
  const last = found.length > limit ? (items[items.length - 1] as Title & { score: number }) : undefined;
  const nextCursor = last
    ? Buffer.from(JSON.stringify({ s: scope, k: [last.score, last.name, last.id] })).toString('base64url')
    : null;
  for (const item of items) delete (item as { score?: number }).score;
  return { items, nextCursor };
}

function decodeSearchCursor(cursor: string, scope: string): [number, string, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid cursor');
  }
  const { s, k } = (parsed ?? {}) as { s?: unknown; k?: unknown };
  const valid =
    s === scope &&
    Array.isArray(k) &&
    k.length === 3 &&
    typeof k[0] === 'number' &&
    Number.isFinite(k[0]) &&
    typeof k[1] === 'string' &&
    typeof k[2] === 'string' &&
    /^[0-9a-f-]{36}$/i.test(k[2]);
  if (!valid) throw badRequest('invalid cursor (it belongs to another list or query)');
  return k as [number, string, string];
}
