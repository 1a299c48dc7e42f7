import { AsyncLocalStorage } from 'node:async_hooks';

const ACTORS = Symbol.for('retrovue.actor');
const SESSIONS = Symbol.for('retrovue.actor.sessions');

/**
 * Who is writing: `api:<token label>`, `ingest:<jobId>`, `seed`, `migration` (or `system` for the
 * service's own housekeeping). The change log's triggers read it from the session setting
 * `retrovue.actor`; the database client (server/db/knex.ts) keeps that setting equal to the actor of
 * the code that runs each statement, so no write path, in a transaction or not, can forget it.
 */
const shared = globalThis as { [ACTORS]?: AsyncLocalStorage<string> };
// One store per process, even when this module is loaded twice (knex loads seed files as CommonJS).
const actors = (shared[ACTORS] ??= new AsyncLocalStorage<string>());

/**
 * Runs `fn` with `actor` as the author of every database write it makes (awaited work included).
 * Awaited inside, so a knex builder returned unawaited still runs as the actor.
 */
export const withActor = <T>(actor: string, fn: () => T | PromiseLike<T>): Promise<T> =>
  actors.run(actor, async () => await fn());

/** The actor of the code running now, if any. */
export const currentActor = (): string | undefined => actors.getStore();

/** An actor for the change log: printable, at most 200 characters. */
export const actorLabel = (actor: string): string => actor.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

/** The setting the triggers read (`current_setting('retrovue.actor', true)`). */
const SET_ACTOR = `SELECT set_config('retrovue.actor', $1, false)`;

/** What this connection's session setting holds: known after we set it, unknown (null) after a rollback. */
const sessionActor = ((globalThis as { [SESSIONS]?: WeakMap<object, string | null> })[SESSIONS] ??= new WeakMap());

/**
 * Wraps a knex dialect's `_query` so that, before a statement runs, the connection's `retrovue.actor`
 * equals the current actor (`fallback` outside any). The setting is session-wide and remembered per
 * connection, so it costs one extra round trip only when the actor changes on that connection. A
 * rollback undoes a setting made inside the transaction: after one the value is set again.
 */
export async function queryAsActor<R>(
  connection: object,
  sql: string,
  fallback: string,
  run: (sql: string, bindings: unknown[]) => Promise<R>,
  query: () => Promise<R>,
): Promise<R> {
  const wanted = currentActor() ?? fallback;
  const known = sessionActor.has(connection) ? sessionActor.get(connection) : '';
  if (known !== wanted) {
    await run(SET_ACTOR, [actorLabel(wanted)]);
    sessionActor.set(connection, wanted);
  }
  try {
    return await query();
  } finally {
    if (/^\s*rollback/i.test(sql)) sessionActor.set(connection, null);
  }
}
