import { z } from 'zod';

/**
 * A Jellyfin or Emby server: its URL and an API key (Dashboard -> API Keys). The key is a secret:
 * stored for the adapter, sent only in a header, never in a URL and never returned by the API.
 */
export const MediaBrowserSourceConfig = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
  apiKey: z
    .string()
    .min(1)
    .max(512)
    // It travels inside a quoted header value.
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be printable ASCII without spaces, quotes or backslashes'),
  /** A user whose view `/Items` answers with (older servers, e.g. Jellyfin 10.8, want one with an API key). */
  userId: z
    .string()
    .regex(/^[0-9a-fA-F-]{1,64}$/, 'must be a user id (hex)')
    .optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  pageSize: z.number().int().min(1).max(1000).optional(),
});
export type MediaBrowserSourceConfig = z.infer<typeof MediaBrowserSourceConfig>;

/** The two servers speak one API (Emby's, which Jellyfin forked in 2018) in two dialects. */
export type MediaBrowserDialect = 'jellyfin' | 'emby';

/** `sources.update`: the key may be left out (kept) or sent as null (removed). */
export const MediaBrowserSourceConfigUpdate = MediaBrowserSourceConfig.extend({
  apiKey: MediaBrowserSourceConfig.shape.apiKey.nullable().optional(),
});
