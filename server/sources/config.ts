import { z } from 'zod';

/** What each kind of source needs in its config. Secrets (the Plex token) are stored but never returned. */
export const PlexSourceConfig = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
  token: z.string().min(1).max(512),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  pageSize: z.number().int().min(1).max(1000).optional(),
});
export type PlexSourceConfig = z.infer<typeof PlexSourceConfig>;

const AbsolutePath = z.string().min(1).max(500).regex(/^\//, 'must be an absolute path');
export const FilesystemSourceConfig = z.strictObject({
  paths: z.array(AbsolutePath).min(1).max(100),
  /** Compute SHA-256 of each new or changed file (slow on large libraries). */
  hash: z.boolean().optional(),
});
export type FilesystemSourceConfig = z.infer<typeof FilesystemSourceConfig>;

export const SOURCE_CONFIGS = { plex: PlexSourceConfig, filesystem: FilesystemSourceConfig } as const;
export type SourceKindName = keyof typeof SOURCE_CONFIGS;
