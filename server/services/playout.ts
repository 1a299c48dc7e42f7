import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type { PlayoutItem, PlayoutRef } from '../schemas.js';
import { hasAssetParts } from './catalog.js';

/**
 * What playout needs for up to 200 items at once: the canonical version's files in play order
 * (the version itself, then its parts), the total duration and the break points on the programme's
 * timeline, or why the item cannot be played. A fixed number of queries whatever the batch size.
 */

type Reason = NonNullable<PlayoutItem['reason']>;
type Resolved = { episodeId: string } | { reason: Reason };

interface FileRow {
  version_id: string;
  part: number;
  id: string;
  uri: string;
  size: number;
  duration_ms: number | null;
  video_codec: string | null;
  audio_codec: string | null;
  container: string | null;
  missing_since: Date | null;
}

interface MarkerRow {
  asset_id: string;
  kind: string;
  start_ms: number;
  end_ms: number;
  payload: Record<string, never> | null;
}

/** Arrays in bindings become PostgreSQL arrays (for unnest and ANY). */
async function rowsOf<T>(db: Knex, text: string, bindings: unknown[]): Promise<T[]> {
  return ((await db.raw(text, bindings as Knex.RawBinding[])) as { rows: T[] }).rows;
}

/** One episode per key, or `ambiguous` when a key names several. */
function single(rows: Array<{ key: string; episode_id: string }>): Map<string, Resolved> {
  const byKey = new Map<string, Set<string>>();
  for (const r of rows) byKey.set(r.key, (byKey.get(r.key) ?? new Set()).add(r.episode_id));
  return new Map(
    [...byKey].map(([key, ids]) => [key, ids.size === 1 ? { episodeId: [...ids][0]! } : { reason: 'ambiguous' as const }]),
  );
}

/** `<show-slug>.s01e02` or `<movie-slug>.1999` (a show slug may carry its year: `doctor-who-2005.s01e01`). */
function parseSlug(slug: string): { show: string; season: number; episode: number } | { movie: string; year: number } | null {
  const lower = slug.toLowerCase();
  const episode = /^(.+)\.s(\d{1,4})e(\d{1,5})$/.exec(lower);
  if (episode) return { show: episode[1]!, season: Number(episode[2]), episode: Number(episode[3]) };
  const movie = /^(.+)\.(\d{4})$/.exec(lower);
  if (movie) return { movie: movie[1]!, year: Number(movie[2]) };
  return null;
}

const keyOf = (ref: PlayoutRef): string =>
  'episodeId' in ref
    ? `id:${ref.episodeId}`
    : 'uri' in ref
      ? `uri:${ref.uri}`
      : 'slug' in ref
        ? `slug:${ref.slug.toLowerCase()}`
        : `ref:${JSON.stringify([ref.provider, ref.key])}`;

/** Every ref to an episode id (or a reason), with one query per kind of ref. */
async function resolveRefs(db: Knex, refs: PlayoutRef[]): Promise<Map<string, Resolved>> {
  const resolved = new Map<string, Resolved>();
  const ids = refs.flatMap((r) => ('episodeId' in r ? [r.episodeId] : []));
  if (ids.length) {
    const found = await rowsOf<{ id: string }>(db, `SELECT id FROM episodes WHERE id = ANY(?::uuid[])`, [ids]);
    for (const r of found) resolved.set(`id:${r.id}`, { episodeId: r.id });
  }
  const uris = refs.flatMap((r) => ('uri' in r ? [r.uri] : []));
  if (uris.length) {
    const found = await rowsOf<{ key: string; episode_id: string }>(
      db,
      `SELECT 'uri:' || a.uri AS key, ea.episode_id FROM assets a JOIN episode_assets ea ON ea.asset_id = a.id
       WHERE a.uri = ANY(?::text[])`,
      [uris],
    );
    for (const [key, value] of single(found)) resolved.set(key, value);
  }
  const keys = refs.flatMap((r) => ('provider' in r ? [r] : []));
  if (keys.length) {
    // An episode's own key wins over its file's, which wins over a movie title's.
    const rows = await rowsOf<{ ord: number | string; episode_id: string; rank: number }>(
      db,
      `SELECT k.ord, coalesce(pr.episode_id, ea.episode_id, me.id) AS episode_id,
              CASE pr.entity_type WHEN 'episode' THEN 0 WHEN 'asset' THEN 1 ELSE 2 END AS rank
       FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS k(provider, key, ord)
       JOIN provider_refs pr ON pr.provider = k.provider AND pr.provider_key = k.key
       LEFT JOIN episode_assets ea ON ea.asset_id = pr.asset_id
       LEFT JOIN titles mt ON mt.id = pr.title_id AND mt.kind = 'movie'
       LEFT JOIN episodes me ON me.title_id = mt.id
       WHERE coalesce(pr.episode_id, ea.episode_id, me.id) IS NOT NULL`,
      [keys.map((k) => k.provider), keys.map((k) => k.key)],
    );
    const found = rows.map((r) => ({ ...r, key: keyOf(keys[Number(r.ord) - 1]!) }));
    const best = new Map<string, number>();
    for (const r of found) best.set(r.key, Math.min(best.get(r.key) ?? 9, r.rank));
    for (const [key, value] of single(found.filter((r) => r.rank === best.get(r.key)))) resolved.set(key, value);
  }
  const slugs = refs.flatMap((r) => ('slug' in r ? [r.slug.toLowerCase()] : []));
  if (slugs.length) await resolveSlugs(db, slugs, resolved);
  return resolved;
}

async function resolveSlugs(db: Knex, slugs: string[], resolved: Map<string, Resolved>): Promise<void> {
  const shows: Array<{ key: string; slug: string; year: number | null; season: number; episode: number }> = [];
  const movies: Array<{ key: string; slug: string; year: number }> = [];
  for (const slug of slugs) {
    const parsed = parseSlug(slug);
    if (!parsed) continue;
    if ('show' in parsed) {
      shows.push({ key: `slug:${slug}`, slug: parsed.show, year: null, ...parsed });
      // `doctor-who-2005.s01e01`: the show "Doctor Who" of 2005, when there are several.
      const withYear = /^(.+)-(\d{4})$/.exec(parsed.show);
      if (withYear) shows.push({ key: `slug:${slug}`, slug: withYear[1]!, year: Number(withYear[2]), ...parsed });
    } else movies.push({ key: `slug:${slug}`, slug: parsed.movie, year: parsed.year });
  }
  const found: Array<{ key: string; episode_id: string; exact: boolean }> = [];
  if (shows.length)
    found.push(
      ...(await rowsOf<{ key: string; episode_id: string; exact: boolean }>(
        db,
        `SELECT k.key, e.id AS episode_id, k.year IS NULL AS exact
         FROM unnest(?::text[], ?::text[], ?::int[], ?::int[], ?::int[]) AS k(key, slug, year, season, episode)
         JOIN titles t ON retrovue_slug(t.name) = k.slug AND t.kind = 'show' AND (k.year IS NULL OR t.year = k.year)
         JOIN seasons s ON s.title_id = t.id AND s.number = k.season
         JOIN episodes e ON e.season_id = s.id AND e.number = k.episode`,
        [
          shows.map((s) => s.key),
          shows.map((s) => s.slug),
          shows.map((s) => s.year),
          shows.map((s) => s.season),
          shows.map((s) => s.episode),
        ],
      )),
    );
  if (movies.length)
    found.push(
      ...(await rowsOf<{ key: string; episode_id: string; exact: boolean }>(
        db,
        `SELECT k.key, e.id AS episode_id, true AS exact
         FROM unnest(?::text[], ?::text[], ?::int[]) AS k(key, slug, year)
         JOIN titles t ON retrovue_slug(t.name) = k.slug AND t.year = k.year AND t.kind = 'movie'
         JOIN LATERAL (SELECT id FROM episodes WHERE title_id = t.id ORDER BY coalesce(number, -1), id LIMIT 1) e ON true`,
        [movies.map((m) => m.key), movies.map((m) => m.slug), movies.map((m) => m.year)],
      )),
    );
  // A slug that names one show exactly wins over the reading with a year suffix.
  const exactKeys = new Set(found.filter((r) => r.exact).map((r) => r.key));
  for (const [key, value] of single(found.filter((r) => r.exact || !exactKeys.has(r.key)))) resolved.set(key, value);
}

/** A local path when the uri names one: a `file:` URL, a POSIX or a Windows absolute path. */
function localPathOf(uri: string): string | null {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return null;
    }
  }
  return uri.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(uri) ? uri : null;
}

function reasonOf(files: FileRow[]): Reason | null {
  if (files.length === 0) return 'no_canonical_version';
  if (files[0]!.missing_since) return 'file_missing';
  if (files.some((f) => f.missing_since)) return 'part_missing';
  if (files.some((f) => f.duration_ms === null)) return 'no_duration';
  return null;
}

export async function getPlayout(db: Knex, refs: PlayoutRef[]): Promise<{ items: PlayoutItem[] }> {
  const resolved = await resolveRefs(db, refs);
  const episodeIds = [...new Set([...resolved.values()].flatMap((r) => ('episodeId' in r ? [r.episodeId] : [])))];
  const parts = await hasAssetParts(db);
  const files = episodeIds.length
    ? await rowsOf<FileRow & { episode_id: string; title_id: string }>(
        db,
        `SELECT e.id AS episode_id, e.title_id, f.*
         FROM episodes e
         LEFT JOIN LATERAL (
           SELECT a.id AS version_id, 1 AS part, a.id, a.uri, a.size, a.duration_ms, a.video_codec, a.audio_codec, a.container, a.missing_since
           FROM episode_assets ea JOIN assets a ON a.id = ea.asset_id WHERE ea.episode_id = e.id AND a.canonical
           ${
             parts
               ? `UNION ALL
           SELECT ap.version_id, ap.part_index, p.id, p.uri, p.size, p.duration_ms, p.video_codec, p.audio_codec, p.container, p.missing_since
           FROM episode_assets ea JOIN assets a ON a.id = ea.asset_id AND a.canonical
           JOIN asset_parts ap ON ap.version_id = a.id JOIN assets p ON p.id = ap.asset_id WHERE ea.episode_id = e.id`
               : ''
           }
         ) f ON true
         WHERE e.id = ANY(?::uuid[])
         ORDER BY e.id, f.part`,
        [episodeIds],
      )
    : [];
  const byEpisode = new Map<string, { titleId: string; files: FileRow[] }>();
  for (const row of files) {
    const entry = byEpisode.get(row.episode_id) ?? { titleId: row.title_id, files: [] };
    if (row.id) entry.files.push(row);
    byEpisode.set(row.episode_id, entry);
  }
  const assetIds = files.flatMap((f) => (f.id ? [f.id] : []));
  const markers = assetIds.length
    ? await rowsOf<MarkerRow>(
        db,
        `SELECT asset_id, kind, start_ms, end_ms, payload FROM markers WHERE asset_id = ANY(?::uuid[]) ORDER BY asset_id, start_ms, id`,
        [assetIds],
      )
    : [];
  const markersOf = new Map<string, MarkerRow[]>();
  for (const m of markers) markersOf.set(m.asset_id, [...(markersOf.get(m.asset_id) ?? []), m]);

  const items = refs.map((ref): PlayoutItem => {
    const found = resolved.get(keyOf(ref)) ?? { reason: 'not_found' as const };
    const empty = { ref, files: [], totalDurationMs: null, breaks: [], playable: false };
    if ('reason' in found) return { ...empty, episodeId: null, titleId: null, reason: found.reason };
    const entry = byEpisode.get(found.episodeId)!;
    const reason = reasonOf(entry.files);
    let offset = 0;
    const breaks: PlayoutItem['breaks'] = [];
    for (const file of entry.files) {
      for (const m of markersOf.get(file.id) ?? [])
        breaks.push({
          kind: m.kind,
          startMs: offset + m.start_ms,
          endMs: offset + m.end_ms,
          assetId: file.id,
          payload: m.payload,
        });
      offset += file.duration_ms ?? 0;
    }
    breaks.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
    return {
      ref,
      episodeId: found.episodeId,
      titleId: entry.titleId,
      playable: reason === null,
      reason,
      files: entry.files.map((f) => ({
        assetId: f.id,
        part: f.part,
        uri: f.uri,
        localPath: localPathOf(f.uri),
        size: f.size,
        durationMs: f.duration_ms,
        videoCodec: f.video_codec,
        audioCodec: f.audio_codec,
        container: f.container,
        missingSince: f.missing_since,
      })),
      totalDurationMs: reason === null ? offset : null,
      breaks,
    };
  });
  return { items };
}
