import type { Knex } from 'knex';
import { badRequest } from '../errors.js';
import type { Json, JsonObject } from '../models/index.js';

/**
 * The change log (migrations/20261126010000_change_log.ts) read two ways:
 * - the change feed (`changes.list`, `changes.subscribe`): every committed change exactly once, in
 *   position order except where a transaction commits after later positions were delivered;
 * - the audit trail (`audit.list`): filters by table, row, actor and time, keyset paged.
 *
 * Why the feed's cursor is more than a position: positions are drawn when a row is written, not when
 * its transaction commits, so a transaction still running can hold a position lower than one already
 * committed. A reader only delivers rows whose transaction is older than its snapshot's xmin (every
 * transaction below it has ended), and its cursor `P.X` means "every row with position <= P written by
 * a transaction below X has been delivered". When the horizon moves from X to X', the rows below P
 * written by transactions in [X, X') (the ones that committed late) are delivered first, then the
 * feed continues above P. While those late rows are delivered the cursor reads `P.X.X'.L` (delivered
 * up to position L of them). Nothing is lost, nothing repeated, whatever the interleaving.
 */

export type ChangeOp = 'insert' | 'update' | 'delete';

export interface Change {
  position: number;
  table: string;
  rowId: string;
  op: ChangeOp;
  /** Updates: the changed columns, old and new values. */
  changes: Record<string, { old: Json; new: Json }> | null;
  /** Deletes: the row as it was (secrets redacted). */
  before: JsonObject | null;
  actor: string;
  at: Date;
}

export interface FeedEntry extends Change {
  /** The feed position after this entry: resume with `after: cursor`. */
  cursor: string;
}

interface Row {
  position: number | string;
  at: Date;
  table_name: string;
  row_id: string;
  op: ChangeOp;
  changes: JsonObject | null;
  actor: string;
}

const COLUMNS = 'position, at, table_name, row_id, op, changes, actor';

function toChange(row: Row): Change {
  const pairs = row.op === 'update' ? (row.changes as Record<string, [Json, Json]> | null) : null;
  return {
    position: Number(row.position),
    table: row.table_name,
    rowId: row.row_id,
    op: row.op,
    changes: pairs ? Object.fromEntries(Object.entries(pairs).map(([column, [old, now]]) => [column, { old, new: now }])) : null,
    before: row.op === 'delete' ? row.changes : null,
    actor: row.actor,
    at: row.at,
  };
}

// ------------------------------------------------------------------ the feed cursor

interface FeedState {
  /** Delivered: every position <= p of a transaction below x ... */
  p: bigint;
  x: bigint | null;
  /** ... and, while late rows are delivered, those of transactions in [x, x2) up to position l. */
  late?: { x2: bigint; l: bigint };
}

const FEED_CURSOR = /^(\d{1,19})(?:\.(\d{1,20})(?:\.(\d{1,20})\.(\d{1,19}))?)?$/;

/** `after`: a cursor from the feed, or a bare position (everything up to it counts as seen). */
export function parseFeedCursor(after: string | number | undefined): FeedState {
  if (after === undefined) return { p: 0n, x: null };
  const m = FEED_CURSOR.exec(String(after));
  if (!m) throw badRequest('invalid change feed cursor: use a position or a cursor from changes.list or changes.subscribe');
  const state: FeedState = { p: BigInt(m[1]!), x: m[2] === undefined ? null : BigInt(m[2]) };
  if (m[3] !== undefined) state.late = { x2: BigInt(m[3]), l: BigInt(m[4]!) };
  return state;
}

const cursorOf = (s: FeedState): string =>
  s.late ? `${s.p}.${s.x ?? 0n}.${s.late.x2}.${s.late.l}` : s.x === null ? `${s.p}` : `${s.p}.${s.x}`;

/**
 * The oldest transaction that may still write to this database's change log: the snapshot's oldest
 * running transaction of THIS database (PostgreSQL's own xmin is cluster-wide: a long transaction in
 * another database would hold the feed back for nothing), or the snapshot's xmax when none runs.
 * Two statements, in this order: a transaction running at the snapshot that has ended by the second
 * statement is committed (or gone) for every later read. When some session in this database is
 * hidden from this role (`<insufficient privilege>`), the cluster-wide xmin is used.
 */
async function horizonOf(db: Knex): Promise<bigint> {
  const snap = (await db.raw(`SELECT pg_current_snapshot()::text AS s`)) as { rows: Array<{ s: string }> };
  const { rows } = (await db.raw(
    `WITH snap AS (SELECT ?::pg_snapshot AS s),
     mine AS (
       SELECT backend_xid::text::bigint AS x32 FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL
       UNION ALL SELECT transaction::text::bigint FROM pg_prepared_xacts WHERE database = current_database()
     )
     SELECT (CASE
       WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = '<insufficient privilege>')
         THEN pg_snapshot_xmin(snap.s)
       ELSE coalesce(
         (SELECT min(x) FROM pg_snapshot_xip(snap.s) AS x WHERE (x::text::numeric % 4294967296)::bigint IN (SELECT x32 FROM mine)),
         pg_snapshot_xmax(snap.s))
     END)::text AS x FROM snap`,
    [snap.rows[0]!.s],
  )) as { rows: Array<{ x: string }> };
  return BigInt(rows[0]!.x);
}

/**
 * Up to `limit` changes after the cursor, each with the cursor that resumes after it, and the cursor
 * of the page's end (which may move even when nothing is returned).
 */
export async function readFeed(
  db: Knex,
  after: string | number | undefined,
  limit: number,
): Promise<{ items: FeedEntry[]; nextCursor: string }> {
  const state = parseFeedCursor(after);
  const xmin = await horizonOf(db);
  // A horizon ahead of the database's (a cursor from elsewhere): fall back to it, repeating rather than losing.
  if (state.x === null || state.x > xmin) state.x = xmin;
  const items: FeedEntry[] = [];
  if (!state.late && xmin > state.x) state.late = { x2: xmin, l: 0n };
  if (state.late) {
    const { x2, l } = state.late;
    const { rows } = (await db.raw(
      `SELECT ${COLUMNS} FROM change_log
       WHERE xid >= ?::text::xid8 AND xid < ?::text::xid8 AND position > ? AND position <= ?
       ORDER BY position LIMIT ?`,
      [String(state.x), String(x2), String(l), String(state.p), limit],
    )) as { rows: Row[] };
    for (const row of rows) {
      state.late = { x2, l: BigInt(row.position) };
      items.push({ ...toChange(row), cursor: cursorOf(state) });
    }
    if (rows.length < limit) {
      // The late rows are all delivered: the cursor is a plain `P.X'` again.
      state.x = x2;
      delete state.late;
      const last = items[items.length - 1];
      if (last) last.cursor = cursorOf(state);
    }
  }
  if (!state.late && items.length < limit) {
    const { rows } = (await db.raw(
      `SELECT ${COLUMNS} FROM change_log WHERE position > ? AND xid < ?::text::xid8 ORDER BY position LIMIT ?`,
      [String(state.p), String(state.x), limit - items.length],
    )) as { rows: Row[] };
    for (const row of rows) {
      state.p = BigInt(row.position);
      items.push({ ...toChange(row), cursor: cursorOf(state) });
    }
  }
  return { items, nextCursor: cursorOf(state) };
}

// ------------------------------------------------------------------ the audit trail

export interface AuditQuery {
  table?: string | undefined;
  rowId?: string | undefined;
  actor?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** `newest` first (default) or by `position`, oldest first. */
  order?: 'newest' | 'position' | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Log entries by table, row, actor and time, keyset paged on the position. */
export async function listAudit(db: Knex, q: AuditQuery): Promise<{ items: Change[]; nextCursor: string | null }> {
  const descending = (q.order ?? 'newest') === 'newest';
  const query = db('change_log').select(db.raw(COLUMNS));
  if (q.table) query.where('table_name', q.table);
  if (q.rowId) query.where('row_id', q.rowId);
  if (q.actor) query.where('actor', q.actor);
  if (q.from) query.where('at', '>=', q.from);
  if (q.to) query.where('at', '<', q.to);
  if (q.cursor !== undefined) {
    if (!/^\d{1,19}$/.test(q.cursor)) throw badRequest('invalid cursor (it belongs to another list or query)');
    query.where('position', descending ? '<' : '>', q.cursor);
  }
  const rows = (await query.orderBy('position', descending ? 'desc' : 'asc').limit(q.limit + 1)) as unknown as Row[];
  const items = rows.slice(0, q.limit).map(toChange);
  const last = rows.length > q.limit ? items[items.length - 1] : undefined;
  return { items, nextCursor: last ? String(last.position) : null };
}

// ------------------------------------------------------------------ retention

export const DEFAULT_RETENTION_DAYS = 90;

/** Deletes log entries older than the retention, in chunks (short transactions); returns how many. */
export async function pruneChangeLog(db: Knex, retentionDays: number, chunk = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = (await db.raw(
      `DELETE FROM change_log WHERE position IN (
         SELECT position FROM change_log WHERE at < now() - make_interval(days => ?) ORDER BY position LIMIT ?)`,
      [retentionDays, chunk],
    )) as { rowCount?: number; affectedRows?: number };
    const n = Number(deleted.rowCount ?? deleted.affectedRows ?? 0);
    total += n;
    if (n < chunk) return total;
  }
}

// ------------------------------------------------------------------ live: one poller per database

/**
 * Wakes the feed's subscribers when the log may hold something new for them: one query per interval
 * per database handle, whatever the number of subscribers (and only while there are any). It reads
 * the table, so it sees writes from every process and replica on the database.
 */
class ChangeWatcher {
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  /** Moves each time the poller sees the log's end or the horizon move. */
  version = 0;
  private busy = false;

  constructor(
    private readonly db: Knex,
    private readonly intervalMs: number,
  ) {}

  /**
   * Resolves when the log's end or the visibility horizon moved after `seen` (a `version` read before
   * the caller's last query), or at the latest after `maxMs`.
   */
  next(seen: number, signal: AbortSignal | undefined, maxMs: number): Promise<void> {
    if (seen !== this.version || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        if (this.waiters.size === 0) this.stop();
        resolve();
      };
      const timeout = setTimeout(done, maxMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
      if (!this.timer) {
        this.timer = setInterval(() => void this.poll(), this.intervalMs);
        this.timer.unref();
      }
    });
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const horizon = await horizonOf(this.db);
      const { rows } = (await this.db.raw(`SELECT coalesce(max(position), 0)::text AS p FROM change_log`)) as {
        rows: Array<{ p: string }>;
      };
      const mark = `${rows[0]!.p}.${horizon}`;
      if (mark !== this.last) {
        this.last = mark;
        this.version++;
        for (const wake of [...this.waiters]) wake();
      }
    } catch {
      // The database is away for a moment: subscribers wake on their own timeout and read again.
    } finally {
      this.busy = false;
    }
  }
}

const watchers = new WeakMap<Knex, ChangeWatcher>();

export interface FeedOptions {
  /** How often the shared poller looks for new entries (RETROVUE_CHANGES_POLL_MS). */
  pollMs?: number;
  /** Entries read per query. */
  batch?: number;
  signal?: AbortSignal | undefined;
}

/**
 * The feed from `after`, then every new entry as it commits, until `signal` aborts. Each entry carries
 * the cursor to resume after it.
 */
export async function* streamFeed(
  db: Knex,
  after: string | number | undefined,
  options: FeedOptions = {},
): AsyncGenerator<FeedEntry> {
  const { pollMs = 500, batch = 200, signal } = options;
  let watcher = watchers.get(db);
  if (!watcher) {
    watcher = new ChangeWatcher(db, pollMs);
    watchers.set(db, watcher);
  }
  let cursor: string | number | undefined = after;
  parseFeedCursor(cursor); // a bad cursor is refused before the stream starts
  while (!signal?.aborted) {
    const seen = watcher.version;
    const page = await readFeed(db, cursor, batch);
    for (const entry of page.items) {
      if (signal?.aborted) return;
      yield entry;
    }
    cursor = page.nextCursor;
    if (page.items.length < batch) await watcher.next(seen, signal, Math.max(pollMs * 10, 5_000));
  }
}
