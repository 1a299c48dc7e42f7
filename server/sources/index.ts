import path from 'node:path';
import { badRequest } from '../errors.js';
import type { Source } from '../models/index.js';
import { FilesystemSourceConfig, PlexSourceConfig } from './config.js';
import { PlexClient } from './plexClient.js';
import { PlexHttp } from './plex/http.js';
import type { DiscoveredCollection } from './types.js';

/** Options the service passes to adapters (tests inject a fetch). */
export interface AdapterOptions {
  fetch?: typeof fetch;
}

export function plexClientFor(source: Source, options: AdapterOptions = {}): PlexClient {
  const config = PlexSourceConfig.safeParse(source.config);
  if (!config.success) throw badRequest('the Plex source config needs baseUrl and token');
  return new PlexClient({ ...config.data, ...(options.fetch ? { fetch: options.fetch } : {}) });
}

const PLEX_LIBRARY_TYPES = new Set(['movie', 'show']);

/** Asks the source which libraries it has: Plex movie and show sections, or the configured folders. */
export async function discoverCollections(source: Source, options: AdapterOptions = {}): Promise<DiscoveredCollection[]> {
  if (source.kind === 'plex') {
    const config = PlexSourceConfig.safeParse(source.config);
    if (!config.success) throw badRequest('the Plex source config needs baseUrl and token');
    const sections = await new PlexHttp({ ...config.data, fetch: options.fetch }).sections();
    return sections
      .filter((s) => PLEX_LIBRARY_TYPES.has(s.type ?? ''))
      .map((s) => ({
        externalId: String(s.key),
        name: s.title?.trim() || `Section ${s.key}`,
        config: { type: s.type ?? null, locations: (s.Location ?? []).map((l) => l.path) },
      }));
  }
  const config = FilesystemSourceConfig.safeParse(source.config);
  if (!config.success) throw badRequest('the filesystem source config needs paths');
  return config.data.paths.map((p) => ({
    externalId: p,
    name: path.basename(p) || p,
    config: { path: p },
  }));
}
