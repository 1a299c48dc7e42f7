import type { Knex } from 'knex';

/**
 * The embedded database has one connection: every request waits in one line for it, and a write
 * transaction holds it until it commits. Two rules keep readers answering while ingests run:
 *
 * - **Small write transactions.** Collection jobs write `EMBEDDED_WRITE_BATCH` items per
 *   transaction on the embedded database (`RETROVUE_INGEST_BATCH_SIZE`), so one holds the
 *   connection for a short time.
 * - **A fair gate.** Ingest transactions from any number of callers pass one at a time, and reads
 *   (every tRPC query) that arrived before the next write is due go first: a write waits for the
 *   reads already in flight, a read waits at most for the one write that is running. So a reader
 *   waits for at most one small transaction, never a queue of them (8 parallel ingests used to
 *   put readers 14 s behind), and the writer still makes progress however many readers come
 *   (a write waits only for the reads that arrived before it, not for later ones).
 *
 * A read must never wait for an ingest write it started itself (none does: queries only read).
 * PostgreSQL has a pool of connections and MVCC: no gate there.
 */
export const EMBEDDED_WRITE_BATCH = 25;

type Pause = () => Promise<void>;

/**
 * PGlite answers through promise callbacks only: a chain of transactions never lets the event loop
 * reach its I/O phase, so requests are not even read until the chain ends. A write yields to it
 * first, so the requests that arrived during the previous write are read (and their queries
 * registered here) before the gate decides who goes next.
 */
const toEventLoop: Pause = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FairGate {
  /** The last write in line; the next one starts after it, whatever its outcome. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Settles when the running write ends (reads that arrive meanwhile wait for it); null when none runs. */
  private running: Promise<void> | null = null;
  private queuedWrites = 0;
  private queuedReads = 0;
  private nextTicket = 0;
  /** Reads in flight, by arrival ticket (a Set keeps insertion order: the first is the oldest). */
  private readonly open = new Set<number>();
  private readonly drains: Array<{ before: number; resolve: () => void }> = [];

  /** Told how long each write held the gate, in ms (the benchmark compares reads with it). */
  onWriteEnd: ((ms: number) => void) | null = null;

  constructor(private readonly pause: Pause = toEventLoop) {}

  /** Writes waiting for their turn (not the running one). */
  get writesWaiting(): number {
    return this.queuedWrites;
  }

  /** Reads waiting for the running write to end. */
  get readsWaiting(): number {
    return this.queuedReads;
  }

  async read<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running) {
      this.queuedReads++;
      await this.running;
      this.queuedReads--;
    }
    const ticket = this.nextTicket++;
    this.open.add(ticket);
    try {
      return await fn();
    } finally {
      this.open.delete(ticket);
      this.settleDrains();
    }
  }

  write<T>(fn: () => Promise<T>): Promise<T> {
    this.queuedWrites++;
    const turn = async (): Promise<T> => {
      await this.pause();
      await this.readsBefore(this.nextTicket);
      this.queuedWrites--;
      let end!: () => void;
      this.running = new Promise<void>((resolve) => (end = resolve));
      const started = performance.now();
      try {
        return await fn();
      } finally {
        this.running = null;
        this.onWriteEnd?.(performance.now() - started);
        end();
      }
    };
    const result = this.tail.then(turn, turn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every read with a ticket below `before` has ended. */
  private readsBefore(before: number): Promise<void> {
    if (this.oldestOpen() >= before) return Promise.resolve();
    return new Promise<void>((resolve) => this.drains.push({ before, resolve }));
  }

  private oldestOpen(): number {
    for (const ticket of this.open) return ticket;
    return Infinity;
  }

  private settleDrains(): void {
    const oldest = this.oldestOpen();
    for (let i = this.drains.length - 1; i >= 0; i--) {
      const drain = this.drains[i]!;
      if (oldest >= drain.before) {
        this.drains.splice(i, 1);
        drain.resolve();
      }
    }
  }
}

const gates = new WeakMap<Knex, FairGate>();

interface Pool {
  max?: number;
}

function singleConnection(db: Knex): boolean {
  const pool = (db.client as { pool?: Pool }).pool;
  return pool?.max === 1;
}

function gateOf(db: Knex): FairGate | null {
  if (!singleConnection(db)) return null;
  let gate = gates.get(db);
  if (!gate) gates.set(db, (gate = new FairGate()));
  return gate;
}

/** The embedded database's gate (null on PostgreSQL, which has none). */
export const writeGateOf = (db: Knex): FairGate | null => gateOf(db);

/** One ingest transaction; on the embedded database, through the fair gate. */
export function throughWriteGate<T>(db: Knex, write: () => Promise<T>): Promise<T> {
  const gate = gateOf(db);
  return gate ? gate.write(write) : write();
}

/** One read (a tRPC query); on the embedded database it goes before the next write. */
export function throughReadGate<T>(db: Knex, read: () => Promise<T>): Promise<T> {
  const gate = gateOf(db);
  return gate ? gate.read(read) : read();
}

/** Ingest transactions waiting at the gate (health.check counts them as load). */
export const writesWaiting = (db: Knex): number => gates.get(db)?.writesWaiting ?? 0;

/** Reads queued behind a running write (health.check counts them as load). */
export const readsWaiting = (db: Knex): number => gates.get(db)?.readsWaiting ?? 0;
