/**
 * Every id Plex offers for an item, as provider refs. New agents list them in `Guid[]`
 * (`tmdb://603`, `tvdb://74205`, `imdb://tt0185906`; only with `includeGuids=1`); libraries made
 * with the legacy agents carry one in the item's own `guid`
 * (`com.plexapp.agents.thetvdb://74205/1/1?lang=en` on an episode: series, season, episode).
 * `local://` and `com.plexapp.agents.none://` carry no id. The item's own `plex://` guid is an
 * identity too: it survives a rebuilt Plex database, where ratingKeys do not.
 */

export interface PlexIds {
  /** `plex://show/5d9c...` (or a legacy agent guid), when the item has one. */
  plexGuid: string | null;
  /** provider -> key, first one wins: tmdb, tvdb, imdb. */
  external: Record<string, string>;
}

const MODERN = /^(tmdb|tvdb|imdb):\/\/([^?#]+)$/;
const LEGACY: Record<string, string> = {
  'com.plexapp.agents.thetvdb': 'tvdb',
  'com.plexapp.agents.themoviedb': 'tmdb',
  'com.plexapp.agents.imdb': 'imdb',
  'com.plexapp.agents.tmdb': 'tmdb',
};

/** The provider and key of one guid string, or null when it names no external id. */
export function parseGuid(guid: string): { provider: string; key: string } | null {
  const modern = MODERN.exec(guid.trim());
  if (modern) return { provider: modern[1]!, key: modern[2]! };
  const legacy = /^([\w.]+):\/\/([^?#]+)/.exec(guid.trim());
  if (!legacy) return null;
  const provider = LEGACY[legacy[1]!];
  // An imdb id may come through the themoviedb agent (`...themoviedb://tt0133093`).
  if (provider === 'tmdb' && /^tt\d+$/.test(legacy[2]!)) return { provider: 'imdb', key: legacy[2]! };
  return provider ? { provider, key: decodeURIComponent(legacy[2]!).replace(/\/+$/, '') } : null;
}

export function idsOf(item: { guid?: string | undefined; Guid: Array<{ id: string }> }): PlexIds {
  const external: Record<string, string> = {};
  for (const guid of [...item.Guid.map((g) => g.id), item.guid ?? '']) {
    const id = guid ? parseGuid(guid) : null;
    if (id) external[id.provider] ??= id.key;
  }
  const own = item.guid?.trim();
  const plexGuid = own && !/^(local|com\.plexapp\.agents\.none):\/\//.test(own) ? own.replace(/\?.*$/, '') : null;
  return { plexGuid, external };
}
