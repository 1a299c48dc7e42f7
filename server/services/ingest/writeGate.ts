import type { Knex } from 'knex';

/**
 * The embedded database has one connection: every request waits in one line for it. Ingest
 * transactions from any number of callers pass through this gate one at a time, so at most one
 * of them is ever in that line; a reader that arrives waits for the one running batch, never for
 * a queue of them (8 parallel ingests used to put readers 14 s behind). PostgreSQL has a pool of
 * connections and needs no gate.
 */
const gates = new WeakMap<Knex, { tail: Promise<unknown>; waiting: number }>();

interface Pool {
  max?: number;
}

function singleConnection(db: Knex): boolean {
  const pool = (db.client as { pool?: Pool }).pool;
  return pool?.max === 1;
}

export async function throughWriteGate<T>(db: Knex, write: () => Promise<T>): Promise<T> {
  if (!singleConnection(db)) return write();
  let gate = gates.get(db);
  if (!gate) gates.set(db, (gate = { tail: Promise.resolve(), waiting: 0 }));
  const g = gate;
  g.waiting++;
  const run = async () => {
    // PGlite answers through promise callbacks only: a chain of batches never lets the event loop
    // reach its I/O phase, so requests are not even read until the chain ends. Yield to it before
    // each write; a reader arriving meanwhile queues for the connection ahead of this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    g.waiting--;
    return write();
  };
  const turn = g.tail.then(run, run);
  // The next writer waits for this one, whatever its outcome; nothing but the tail is kept.
  g.tail = turn.catch(() => undefined);
  return turn;
}

/** Ingest transactions waiting at the gate (health.check counts them as load). */
export const writesWaiting = (db: Knex): number => gates.get(db)?.waiting ?? 0;
