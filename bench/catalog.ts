/**
 * The scheduler's queries at scale (issue 16), run by `npm run bench` after the ingest phases on the
 * same database: adds 10,000 movies and metadata (genres, content ratings, air dates, studios),
 * avail markers and a few missing files to the synthetic library, then measures over HTTP through
 * the SDK, with EXPLAIN of every statement each call runs.
 */
import type { Knex } from 'knex';
import { createApp } from '../server/app.js';
import { createLogger } from '../server/logger.js';
import { createRetrovueClient, type RetrovueClient } from '../sdk/index.js';

/** Well-known names among the synthetic ones, for a search a person would type (with a typo). */
const NAMED = [
  'Seinfeld',
  'Cheers',
  'The X-Files',
  'Twin Peaks',
  'Columbo',
  'Taxi',
  'Frasier',
  'Doctor Who',
  'Star Trek',
  'M*A*S*H',
  'The Twilight Zone',
  'Bonanza',
  'Gunsmoke',
  'Murphy Brown',
  'Night Court',
  'Quantum Leap',
  'Miami Vice',
  'Hill Street Blues',
];

export const GENRES = ['Comedy', 'Drama', 'Sci-Fi', 'Western', 'Crime', 'Family', 'Animation', 'Horror'];

/** Movies, metadata, markers and missing files, set-based. */
export async function addCatalogMetadata(db: Knex, movies: number): Promise<void> {
  await db.transaction(async (trx) => {
    // Shows: two genres each, one of four TV ratings, a network; episodes: an air date.
    await trx.raw(
      `UPDATE titles SET genres = ARRAY[(?::text[])[1 + abs(hashtext(name)) % 8], (?::text[])[1 + abs(hashtext(name || 'x')) % 8]],
              content_rating = (ARRAY['TV-G', 'TV-PG', 'TV-14', 'TV-MA'])[1 + abs(hashtext(name)) % 4], studio = 'Network ' || (abs(hashtext(name)) % 20)
       WHERE kind = 'show'`,
      [GENRES, GENRES],
    );
    await trx.raw(
      `UPDATE episodes e SET originally_available_at = make_date(t.year + s.number - 1, 1 + e.number % 12, 1)
       FROM seasons s, titles t WHERE s.id = e.season_id AND t.id = e.title_id`,
    );
    await trx.raw(
      `INSERT INTO titles (kind, name, year, genres, content_rating, studio)
       SELECT 'movie', 'Synthetic Movie ' || lpad(m::text, 5, '0'), 1930 + m % 90,
              ARRAY[(?::text[])[1 + m % 8]], (ARRAY['G', 'PG', 'PG-13', 'R'])[1 + m % 4], 'Studio ' || m % 30
       FROM generate_series(1, ?) m`,
      [GENRES, movies],
    );
    await trx.raw(
      `INSERT INTO episodes (title_id, name) SELECT id, name FROM titles WHERE kind = 'movie' AND name LIKE 'Synthetic Movie %'`,
    );
    await trx.raw(
      `INSERT INTO assets (uri, size, duration_ms, video_codec, audio_codec, container, canonical)
       SELECT 'synthetic://movies/' || name || '.mkv', 2000000000, 5400000 + (abs(hashtext(name)) % 3600) * 1000, 'h264', 'aac', 'mkv', true
       FROM titles WHERE kind = 'movie' AND name LIKE 'Synthetic Movie %'`,
    );
    await trx.raw(
      `INSERT INTO episode_assets (episode_id, asset_id)
       SELECT e.id, a.id FROM titles t JOIN episodes e ON e.title_id = t.id
       JOIN assets a ON a.uri = 'synthetic://movies/' || t.name || '.mkv' WHERE t.kind = 'movie' AND t.name LIKE 'Synthetic Movie %'`,
    );
    // Two avails per episode file in every other show; 1 file in 200 gone from its source.
    await trx.raw(
      `INSERT INTO markers (asset_id, kind, start_ms, end_ms)
       SELECT a.id, 'avail', p.at, p.at FROM assets a CROSS JOIN (VALUES (420000), (840000)) AS p(at)
       WHERE a.uri LIKE 'synthetic://Synthetic Show %' AND right(split_part(a.uri, '/', 3), 1)::int % 2 = 0`,
    );
    await trx.raw(`UPDATE assets SET missing_since = now() WHERE abs(hashtext(uri)) % 200 = 0`);
    await trx.raw(`INSERT INTO titles (kind, name, year, genres) SELECT 'show', n, 1990, '{Comedy}' FROM unnest(?::text[]) n`, [
      NAMED,
    ]);
  });
  await db.raw('ANALYZE');
}

interface PlanNode {
  'Actual Total Time'?: number;
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const LARGE = new Set(['titles', 'seasons', 'episodes', 'assets', 'episode_assets', 'provider_refs', 'markers', 'change_log']);

function walk(node: PlanNode, out: { seqScans: Set<string>; indexes: Set<string> }): void {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && LARGE.has(node['Relation Name']))
    out.seqScans.add(node['Relation Name']);
  if (node['Index Name']) out.indexes.add(node['Index Name']);
  for (const child of node.Plans ?? []) walk(child, out);
}

/**
 * EXPLAIN ANALYZE of every SELECT a call runs (the page, its count, the version read), under the
 * settings the call set for itself (planner switches, trigram threshold): indexes used, large
 * tables scanned, and the database's own planning and execution time summed over the statements
 * (what the call costs inside PostgreSQL, apart from round trips, HTTP and the machine's load);
 * and the same per statement (`steps`: the page, the version read, and after a write the count's
 * statements: the change-log read, the touched titles, their recount).
 */
export async function explainCall(db: Knex, name: string, call: () => Promise<unknown>, before?: () => Promise<unknown>) {
  const seen: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
  // Once first, as the timed samples ran it: a pool total is counted here if the catalogue moved since.
  await before?.();
  await call();
  await before?.();
  db.on('query', listener);
  await call();
  db.off('query', listener);
  const out = { seqScans: new Set<string>(), indexes: new Set<string>() };
  let settings: { sql: string; bindings: unknown[] } | undefined;
  let planningMs = 0;
  let executionMs = 0;
  let statements = 0;
  const steps: Array<{ query: string; statement: string; planMs: number; execMs: number; seqScans: string }> = [];
  for (const q of seen) {
    if (/set_config\(/.test(q.sql)) settings = q;
    if (!/^\s*(\(?select|with)/i.test(q.sql) || /set_config|to_regclass|nextval/.test(q.sql)) continue;
    const result = (await db.transaction(async (trx) => {
      // A call's settings hold for its next statement only (its transaction).
      if (settings) await trx.raw(settings.sql.replace(/\$\d+/g, '?'), settings.bindings as Knex.RawBinding[]);
      settings = undefined;
      return trx.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql.replace(/\$\d+/g, '?')}`, q.bindings as Knex.RawBinding[]);
    })) as { rows: Array<Record<string, unknown>> };
    const raw = result.rows[0]!['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{
      Plan: PlanNode;
      'Planning Time'?: number;
      'Execution Time'?: number;
    }>;
    const mine = { seqScans: new Set<string>(), indexes: new Set<string>() };
    walk(plan[0]!.Plan, mine);
    for (const table of mine.seqScans) out.seqScans.add(table);
    for (const index of mine.indexes) out.indexes.add(index);
    planningMs += plan[0]!['Planning Time'] ?? 0;
    executionMs += plan[0]!['Execution Time'] ?? 0;
    statements++;
    steps.push({
      query: name,
      statement: q.sql.replace(/\s+/g, ' ').trim().slice(0, 60),
      planMs: round(plan[0]!['Planning Time'] ?? 0),
      execMs: round(plan[0]!['Execution Time'] ?? 0),
      seqScans: [...mine.seqScans].join(', '),
    });
  }
  return {
    steps,
    query: name,
    statements,
    planMs: round(planningMs),
    execMs: round(executionMs),
    onIndexes: out.seqScans.size === 0,
    indexes: [...out.indexes].join(', '),
    seqScans: [...out.seqScans].join(', '),
  };
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** A call to time: its name, the call, and what to run (untimed) before each sample. */
export type BenchCall = [name: string, call: () => Promise<unknown>, before?: () => Promise<unknown>];

/** The scheduler's calls, ready to time. */
export async function catalogCalls(client: RetrovueClient, db: Knex): Promise<BenchCall[]> {
  const pool = {
    kind: 'show' as const,
    genres: { include: ['Comedy', 'Family'] },
    contentRatings: { include: ['TV-G', 'TV-PG'] },
    minDurationMs: 1_325_000,
  };
  const deep = async (input: Parameters<RetrovueClient['catalog']['query']['query']>[0], pages: number) => {
    let cursor: string | undefined;
    for (let i = 1; i < pages; i++)
      cursor = (await client.catalog.query.query({ ...input, ...(cursor ? { cursor } : {}) })).nextCursor ?? undefined;
    return cursor;
  };
  const broadcast100 = await deep({}, 100);
  const random100 = await deep({ order: 'random', seed: 42 }, 100);
  const pool100 = await deep(pool, 100);
  const some = (await client.catalog.query.query({ kind: 'show', order: 'random', seed: 7, limit: 50 })).items;
  const middle = some[0]!.episodeId;
  const anyTitle = some[0]!.titleId;
  // A real write before each of those samples, not timed (through the triggers: the version, the change log):
  // a file of the whole catalogue goes missing or comes back; a pool episode's file crosses the pool's
  // minimum duration. The write alone is timed too (one statement, no HTTP), for scale.
  const poolFile = (await client.catalog.query.query({ ...pool, limit: 1 })).items[0]!.assetId!;
  const fileGoneOrBack = () =>
    db.raw(`UPDATE assets SET missing_since = CASE WHEN missing_since IS NULL THEN now() END WHERE id = ?`, [some[2]!.assetId!]);
  const poolFileResized = () =>
    db.raw(`UPDATE assets SET duration_ms = CASE WHEN duration_ms >= 1325000 THEN 1300000 ELSE 1350000 END WHERE id = ?`, [
      poolFile,
    ]);
  return [
    [
      'baseline: titles.get by id (one primary-key read: the floor of a call here)',
      () => client.titles.get.query({ id: anyTitle }),
    ],
    ['catalog.query all, broadcast, page 1', () => client.catalog.query.query({ withTotal: false })],
    ['catalog.query all, broadcast, page 1 (with total)', () => client.catalog.query.query({})],
    ['the write alone: a file gone or back (UPDATE, its triggers, no HTTP)', fileGoneOrBack],
    [
      'catalog.query all, page 1 with total, just after a write (a file gone or back)',
      () => client.catalog.query.query({}),
      fileGoneOrBack,
    ],
    ['catalog.query all, broadcast, page 100', () => client.catalog.query.query({ cursor: broadcast100! })],
    ['catalog.query all, random seed, page 1', () => client.catalog.query.query({ order: 'random', seed: 42, withTotal: false })],
    ['catalog.query all, random seed, page 1 (with total)', () => client.catalog.query.query({ order: 'random', seed: 42 })],
    [
      'catalog.query all, random seed, page 100',
      () => client.catalog.query.query({ order: 'random', seed: 42, cursor: random100! }),
    ],
    ['catalog.query pool (genres, ratings, duration), page 1', () => client.catalog.query.query({ ...pool, withTotal: false })],
    ['catalog.query pool, page 1 (with total)', () => client.catalog.query.query(pool)],
    [
      'catalog.query pool, page 1 with total, just after a write (a pool file resized in or out)',
      () => client.catalog.query.query(pool),
      poolFileResized,
    ],
    ['catalog.query pool, page 100', () => client.catalog.query.query({ ...pool, cursor: pool100! })],
    [
      'catalog.query pool, random seed, page 1',
      () => client.catalog.query.query({ ...pool, order: 'random', seed: 9, withTotal: false }),
    ],
    [
      'catalog.query one show, seasons 2-3, episodes 5..10',
      () => client.catalog.query.query({ titleIds: [some[1]!.titleId], seasons: [2, 3], episodes: ['5..10'] }),
    ],
    ['catalog.next', () => client.catalog.next.query({ episodeId: middle, wrap: true })],
    ['playout.get 50 episodes by id', () => client.playout.get.query({ items: some.map((r) => ({ episodeId: r.episodeId })) })],
    ['catalog.search typo ("Seinfled")', () => client.catalog.search.query({ q: 'Seinfled' })],
    ['titles.list search typo ("Twin Peeks")', () => client.titles.list.query({ search: 'Twin Peeks' })],
    [
      'catalog.search, 11,000 look-alike names ("Synthetc Mvie 04217")',
      () => client.catalog.search.query({ q: 'Synthetc Mvie 04217' }),
    ],
  ];
}

type Latency = (...call: BenchCall) => Promise<{ name: string; medianMs: number; p99Ms: number }>;

/** The whole phase: metadata, a server, latencies and plans. */
export async function catalogBench(db: Knex, latency: Latency) {
  const setup = performance.now();
  await addCatalogMetadata(db, 10_000);
  const setupSeconds = Math.round(performance.now() - setup) / 1000;
  const app = createApp({ db, log: createLogger('silent'), apiTokens: [] });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const client = createRetrovueClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/trpc` });
  const calls = await catalogCalls(client, db);
  const latencies = [];
  for (const call of calls) latencies.push(await latency(...call));
  const plans = [];
  // Per statement for the calls just after a write (the incremental count's statements).
  const steps = [];
  for (const call of calls) {
    const { steps: each, ...plan } = await explainCall(db, ...call);
    plans.push(plan);
    if (call[2]) steps.push(...each);
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { setupSeconds, latencies, plans, steps };
}
