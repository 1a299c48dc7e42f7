import type { Knex } from 'knex';
import { readsWaiting, writesWaiting } from './ingest/writeGate.js';

export interface HealthReport {
  status: 'ok' | 'unhealthy';
  database: {
    reachable: boolean;
    migration: string | null;
    latencyMs: number | null;
    /** Queries (and ingest transactions) that were waiting for a connection when this check arrived. */
    waiting: number;
    /** The database answers, but callers queue for it (reads are slow until the load passes). */
    saturated: boolean;
    error?: string;
  };
  uptimeSeconds: number;
}

const HEALTH_TIMEOUT_MS = 3_000;
/** Saturated: this check waited longer than this for its answer, or found this many queries queued before it. */
const SATURATED_LATENCY_MS = 500;
const SATURATED_WAITING = 4;

function waitingQueries(db: Knex): number {
  const pool = (db.client as { pool?: { numPendingAcquires?(): number } }).pool;
  // On the embedded database: ingest writes in line, and reads held behind the running write.
  return (pool?.numPendingAcquires?.() ?? 0) + writesWaiting(db) + readsWaiting(db);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkDatabase(db: Knex): Promise<HealthReport> {
  const started = performance.now();
  const waiting = waitingQueries(db);
  try {
    const migration = await withTimeout(db.migrate.currentVersion(), HEALTH_TIMEOUT_MS);
    const latencyMs = Math.round(performance.now() - started);
    return {
      status: 'ok',
      database: {
        reachable: true,
        migration: migration === 'none' ? null : migration,
        latencyMs,
        waiting,
        saturated: latencyMs > SATURATED_LATENCY_MS || waiting >= SATURATED_WAITING,
      },
      uptimeSeconds: Math.round(process.uptime()),
    };
  } catch {
    return {
      status: 'unhealthy',
      database: {
        reachable: false,
        migration: null,
        latencyMs: null,
        waiting,
        saturated: false,
        error: 'the database does not answer',
      },
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
