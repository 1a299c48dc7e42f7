import { z } from 'zod';
import { parseMediaPath } from '../../sources/filesystem/naming/parsePath.js';

/**
 * `ingest.parsePaths`: how the folder scanner would read given paths (like Sonarr's and Radarr's
 * parse endpoint, to learn why a file was misfiled). Reads nothing from disk or database; NFO
 * sidecars are not consulted, since only paths are given.
 */
export const MAX_PARSE_PATHS = 500;

export const ParsePathsInput = z.strictObject({
  paths: z.array(z.string().trim().min(1, 'must not be blank').max(4096)).min(1).max(MAX_PARSE_PATHS),
});

const ProviderIdsOut = z.object({
  tmdb: z.string().optional(),
  imdb: z.string().optional(),
  tvdb: z.string().optional(),
  tvmaze: z.string().optional(),
  anidb: z.string().optional(),
});

export const ParsedPathOut = z.object({
  path: z.string(),
  kind: z.enum(['episode', 'movie', 'extra', 'ignored', 'unknown']),
  show: z.string().optional(),
  title: z.string().optional(),
  year: z.number().int().optional(),
  season: z.number().int().optional(),
  episode: z.number().int().optional(),
  episodeEnd: z.number().int().optional(),
  airDate: z.string().optional(),
  absolute: z.number().int().optional(),
  episodeTitle: z.string().optional(),
  edition: z.string().optional(),
  part: z.number().int().optional(),
  extraType: z.string().optional(),
  providerIds: ProviderIdsOut.optional(),
  reason: z.string().optional(),
});

export const ParsePathsOut = z.object({ items: z.array(ParsedPathOut) });

/** Each path read as the scanner reads it, in input order. */
export function parsePaths(input: z.infer<typeof ParsePathsInput>): z.infer<typeof ParsePathsOut> {
  return { items: input.paths.map((p) => parseMediaPath(p)) };
}
