import { z } from 'zod';

/** A Plex source's config. The token is stored for the client but never returned to callers. */
const settings = {
  baseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  pageSize: z.number().int().min(1).max(1000).optional(),
};
const Token = z.string().min(1).max(512);

export const PlexSourceConfig = z.strictObject({ ...settings, token: Token });
export type PlexSourceConfig = z.infer<typeof PlexSourceConfig>;

/** `sources.update`: the token may be left out (kept) or sent as null (removed). */
export const PlexSourceConfigUpdate = z.strictObject({ ...settings, token: Token.nullable().optional() });
