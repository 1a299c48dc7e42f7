import type { Knex } from 'knex';

export interface HealthReport {
  status: 'ok' | 'unhealthy';
  database: { reachable: boolean; migration: string | null; latencyMs: number | null; error?: string };
  uptimeSeconds: number;
}

const HEALTH_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkDatabase(db: Knex): Promise<HealthReport> {
  const started = performance.now();
  try {
    const migration = await withTimeout(db.migrate.currentVersion(), HEALTH_TIMEOUT_MS);
    return {
      status: 'ok',
      database: {
        reachable: true,
        migration: migration === 'none' ? null : migration,
        latencyMs: Math.round(performance.now() - started),
      },
      uptimeSeconds: Math.round(process.uptime()),
    };
  } catch {
    return {
      status: 'unhealthy',
      database: { reachable: false, migration: null, latencyMs: null, error: 'the database does not answer' },
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
