import { z } from 'zod';
import type { JsonObject } from '../../models/index.js';

/**
 * Live sync settings: process-wide ones from the environment (README "Live sync"), and per
 * collection ones in its config (`live: true` turns it on; off by default).
 */
export interface LiveSettings {
  /** Live sync in this worker at all (`RETROVUE_LIVE=off` disables every listener). */
  enabled: boolean;
  /** Changes of one collection arriving within this long of each other become one job (a trailing debounce). */
  debounceMs: number;
  /** ...but a job is queued at the latest this long after the first change of a burst. */
  maxWaitMs: number;
  /** Backstop poll of recently updated items (Plex), per collection. */
  pollSeconds: number;
  /** How far before the last poll each poll looks back (clock skew between Plex and us, slow writes). */
  pollOverlapSeconds: number;
  /** Deletion sweep (Plex: a full listing compared with the catalogue; folders: a full scan). */
  sweepSeconds: number;
  /** How often a worker looks for collections to start or stop listening to. */
  refreshSeconds: number;
  /** Reconnect backoff of a dropped Plex stream: first delay and cap (doubled per attempt, with jitter). */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** A written file is ingested once its size has not changed for this long. */
  settleMs: number;
  /** A targeted job that finds a full ingest of its collection running waits this long and tries again. */
  deferSeconds: number;
}

export const DEFAULT_LIVE: LiveSettings = {
  enabled: true,
  debounceMs: 500,
  maxWaitMs: 5000,
  pollSeconds: 30,
  pollOverlapSeconds: 60,
  sweepSeconds: 3600,
  refreshSeconds: 15,
  backoffMinMs: 1000,
  backoffMaxMs: 60_000,
  settleMs: 1000,
  deferSeconds: 5,
};

const seconds = (max: number) => z.coerce.number().min(0.1).max(max);
export const LiveEnv = z.object({
  RETROVUE_LIVE: z.enum(['on', 'off']).default('on'),
  RETROVUE_LIVE_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(DEFAULT_LIVE.debounceMs),
  RETROVUE_LIVE_MAX_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(DEFAULT_LIVE.maxWaitMs),
  RETROVUE_LIVE_POLL_SECONDS: seconds(86_400).default(DEFAULT_LIVE.pollSeconds),
  RETROVUE_LIVE_POLL_OVERLAP_SECONDS: z.coerce.number().min(0).max(86_400).default(DEFAULT_LIVE.pollOverlapSeconds),
  RETROVUE_LIVE_SWEEP_SECONDS: seconds(30 * 86_400).default(DEFAULT_LIVE.sweepSeconds),
  RETROVUE_LIVE_REFRESH_SECONDS: seconds(3600).default(DEFAULT_LIVE.refreshSeconds),
  RETROVUE_LIVE_BACKOFF_MIN_MS: z.coerce.number().int().min(10).max(600_000).default(DEFAULT_LIVE.backoffMinMs),
  RETROVUE_LIVE_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(DEFAULT_LIVE.backoffMaxMs),
  RETROVUE_LIVE_SETTLE_MS: z.coerce.number().int().min(0).max(600_000).default(DEFAULT_LIVE.settleMs),
});

export function liveSettingsFrom(e: z.infer<typeof LiveEnv>): LiveSettings {
  return {
    ...DEFAULT_LIVE,
    enabled: e.RETROVUE_LIVE === 'on',
    debounceMs: e.RETROVUE_LIVE_DEBOUNCE_MS,
    maxWaitMs: Math.max(e.RETROVUE_LIVE_MAX_WAIT_MS, e.RETROVUE_LIVE_DEBOUNCE_MS),
    pollSeconds: e.RETROVUE_LIVE_POLL_SECONDS,
    pollOverlapSeconds: e.RETROVUE_LIVE_POLL_OVERLAP_SECONDS,
    sweepSeconds: e.RETROVUE_LIVE_SWEEP_SECONDS,
    refreshSeconds: e.RETROVUE_LIVE_REFRESH_SECONDS,
    backoffMinMs: e.RETROVUE_LIVE_BACKOFF_MIN_MS,
    backoffMaxMs: Math.max(e.RETROVUE_LIVE_BACKOFF_MAX_MS, e.RETROVUE_LIVE_BACKOFF_MIN_MS),
    settleMs: e.RETROVUE_LIVE_SETTLE_MS,
  };
}

/** A collection's own live settings (its config): on/off, and poll and sweep intervals overriding the process's. */
const CollectionLive = z.looseObject({
  live: z.boolean().optional(),
  livePollSeconds: z.number().min(0.1).max(86_400).optional(),
  liveSweepSeconds: z
    .number()
    .min(0.1)
    .max(30 * 86_400)
    .optional(),
});

export interface CollectionLiveSettings {
  pollSeconds: number;
  sweepSeconds: number;
}

/** The collection's live settings when `config.live` is true; null when live sync is off for it (the default, or a config that makes no sense). */
export function collectionLive(config: JsonObject | null, defaults: LiveSettings): CollectionLiveSettings | null {
  const parsed = CollectionLive.safeParse(config ?? {});
  if (!parsed.success || parsed.data.live !== true) return null;
  return {
    pollSeconds: parsed.data.livePollSeconds ?? defaults.pollSeconds,
    sweepSeconds: parsed.data.liveSweepSeconds ?? defaults.sweepSeconds,
  };
}
