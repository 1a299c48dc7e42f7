import path from 'node:path';
import { z } from 'zod';
import { LiveEnv, liveSettingsFrom, type LiveSettings } from './services/live/settings.js';
import { DEFAULT_RETENTION_DAYS } from './services/changes.js';
import { EMBEDDED_WRITE_BATCH } from './services/ingest/writeGate.js';

/** Process configuration, read once from the environment. Every variable is documented in the README. */
const EnvSchema = z
  .object({
    // Empty counts as unset (`DATABASE_URL= npm start` runs on the embedded database).
    DATABASE_URL: z
      .string()
      .optional()
      .transform((v) => v || undefined),
    RETROVUE_DATA_DIR: z.string().min(1).default('.retrovue'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    RETROVUE_API_TOKEN: z.string().optional(),
    RETROVUE_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(2 * 1024 * 1024),
    RETROVUE_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    RETROVUE_WORKER: z.enum(['on', 'off']).default('on'),
    RETROVUE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    RETROVUE_JOB_RETRIES: z.coerce.number().int().min(0).max(100).default(3),
    RETROVUE_JOB_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(10),
    RETROVUE_JOB_POLL_SECONDS: z.coerce.number().min(0.5).max(3600).default(2),
    RETROVUE_JOB_STALE_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
    RETROVUE_SCHEDULE_TICK_SECONDS: z.coerce.number().min(0.2).max(86_400).default(30),
    RETROVUE_INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).optional(),
    RETROVUE_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    RETROVUE_DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_000),
    RETROVUE_CHANGE_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION_DAYS),
    RETROVUE_CHANGES_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .extend(LiveEnv.shape);

export interface AppConfig {
  databaseUrl: string | undefined;
  /** Directory of the embedded PGlite database, used when no DATABASE_URL is set. */
  pgliteDir: string;
  port: number;
  host: string;
  apiTokens: string[];
  maxBodyBytes: number;
  shutdownGraceMs: number;
  /** PostgreSQL only: statement and connection-acquire timeouts (SERVICE_UNAVAILABLE when exceeded). */
  dbTimeouts: { statementMs: number; acquireMs: number };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Change log entries older than this are pruned by a scheduled job (default 90 days). */
  changeLogRetentionDays: number;
  /** How often `changes.subscribe` looks for new entries (one query per interval per process). */
  changesPollMs: number;
  jobs: {
    /** Whether this process works ingest jobs (API-only replicas: RETROVUE_WORKER=off). */
    worker: boolean;
    /** Jobs run at once per worker process: 1 on the embedded database (ingests queue behind each other), 2 on PostgreSQL. */
    concurrency: number;
    retryLimit: number;
    retryDelaySeconds: number;
    pollSeconds: number;
    staleSeconds: number;
    scheduleTickSeconds: number;
    /** Items per write transaction: 500 on PostgreSQL, EMBEDDED_WRITE_BATCH (25) on the embedded database (short transactions keep readers answering). */
    batchSize: number;
  };
  /** Live sync (Plex notifications, folder watching, their backstops): README "Live sync". */
  live: LiveSettings;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${fields}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    pgliteDir: path.resolve(e.RETROVUE_DATA_DIR, 'pgdata'),
    port: e.PORT,
    host: e.HOST,
    apiTokens: (e.RETROVUE_API_TOKEN ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
    maxBodyBytes: e.RETROVUE_MAX_BODY_BYTES,
    shutdownGraceMs: e.RETROVUE_SHUTDOWN_GRACE_MS,
    dbTimeouts: { statementMs: e.RETROVUE_DB_STATEMENT_TIMEOUT_MS, acquireMs: e.RETROVUE_DB_ACQUIRE_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    changeLogRetentionDays: e.RETROVUE_CHANGE_LOG_RETENTION_DAYS,
    changesPollMs: e.RETROVUE_CHANGES_POLL_MS,
    jobs: {
      worker: e.RETROVUE_WORKER === 'on',
      concurrency: e.RETROVUE_WORKER_CONCURRENCY ?? (e.DATABASE_URL ? 2 : 1),
      retryLimit: e.RETROVUE_JOB_RETRIES,
      retryDelaySeconds: e.RETROVUE_JOB_RETRY_DELAY_SECONDS,
      pollSeconds: e.RETROVUE_JOB_POLL_SECONDS,
      staleSeconds: e.RETROVUE_JOB_STALE_SECONDS,
      scheduleTickSeconds: e.RETROVUE_SCHEDULE_TICK_SECONDS,
      batchSize: e.RETROVUE_INGEST_BATCH_SIZE ?? (e.DATABASE_URL ? 500 : EMBEDDED_WRITE_BATCH),
    },
    live: liveSettingsFrom(e),
  };
}
