import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ParsedPath } from './parsePath.js';
import type { ProviderIds } from './names.js';
import { isYear } from './names.js';
import { CalendarDate } from '../../../domain/fields.js';

/**
 * Kodi/Jellyfin NFO sidecars (`tvshow.nfo`, `<episode>.nfo`, `movie.nfo`, as tinyMediaManager
 * writes them): title, year, season/episode numbers and `uniqueid`s. They win over the file name;
 * a malformed one is reported and the name is used. Pure: the scanner reads the files.
 */
export interface NfoInfo {
  kind: 'show' | 'episode' | 'movie';
  title?: string;
  year?: number;
  season?: number;
  episode?: number;
  /** A multi-episode NFO (several `<episodedetails>`): the last episode. */
  episodeEnd?: number;
  airDate?: string;
  edition?: string;
  ids: ProviderIds;
  /** What a scheduler programs with: genres, content rating, plot, air/release date, studio or network. */
  metadata?: NfoMetadata;
  /** Values the NFO holds that cannot be used (a date that is none, a genre too long), each said once. */
  ignored?: string[];
}

/** The ingest item's metadata fields, as an NFO fills them (absent: the NFO did not say). */
export interface NfoMetadata {
  genres?: string[];
  contentRating?: string;
  summary?: string;
  originallyAvailableAt?: string;
  studio?: string;
}

export type NfoResult = { ok: true; info: NfoInfo } | { ok: false; reason: string };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['uniqueid', 'episodedetails', 'genre', 'studio', 'mpaa'].includes(name),
  processEntities: true,
});

type Node = Record<string, unknown>;

const text = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && '#text' in v) return text((v as Node)['#text']);
  return undefined;
};

const int = (v: unknown): number | undefined => {
  const s = text(v);
  return s !== undefined && /^\d{1,6}$/.test(s) ? Number(s) : undefined;
};

const date = (v: unknown): string | undefined => {
  const s = text(v);
  return s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : undefined;
};

function ids(node: Node): ProviderIds {
  const out: ProviderIds = {};
  const set = (key: string | undefined, value: string | undefined) => {
    if (!key || !value) return;
    const k = key
      .toLowerCase()
      .replace(/id$/, '')
      .replace(/^themoviedb$/, 'tmdb')
      .replace(/^thetvdb$/, 'tvdb');
    if (k === 'imdb' && !/^tt\d+$/.test(value)) return;
    if ((k === 'tmdb' || k === 'tvdb' || k === 'tvmaze' || k === 'anidb') && !/^\d+$/.test(value)) return;
    if (k === 'imdb' || k === 'tmdb' || k === 'tvdb' || k === 'tvmaze' || k === 'anidb') out[k] ??= value;
  };
  for (const u of (node.uniqueid as unknown[] | undefined) ?? []) {
    if (u && typeof u === 'object') set(text((u as Node)['@type']), text(u));
  }
  set('imdb', text(node.imdbid) ?? text(node.imdb_id) ?? text(node.imdb));
  set('tmdb', text(node.tmdbid) ?? text(node.tmdb));
  set('tvdb', text(node.tvdbid) ?? text(node.tvdb));
  const id = text(node.id);
  if (id?.startsWith('tt')) set('imdb', id);
  return out;
}

function yearOf(node: Node): number | undefined {
  const y = int(node.year) ?? int(text(node.premiered)?.slice(0, 4)) ?? int(text(node.aired)?.slice(0, 4));
  return y !== undefined && isYear(y) ? y : undefined;
}

/** The item schema's bounds (server/domain/fields.ts): what is beyond them is dropped or cut, and said. */
const LIMITS = { genre: 100, genres: 50, rating: 50, summary: 20_000, studio: 255 };

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * Kodi's `<genre>` (one element each, or `Comedy / Drama` in one), `<mpaa>` (`Rated PG-13`,
 * `US:TV-14 / GB:15`: the first rating, prefixes dropped), `<plot>`, the date (`<aired>` for an
 * episode, `<premiered>` (or `<releasedate>`) for a show or movie) and the first `<studio>`.
 */
function metadataOf(node: Node, dateTags: string[], ignored: string[]): NfoMetadata | undefined {
  const out: NfoMetadata = {};
  const seen = new Map<string, string>();
  for (const raw of list(node.genre).flatMap((g) => (text(g) ?? '').split(/\s*[/|]\s*/))) {
    const genre = raw.trim();
    if (!genre) continue;
    if (genre.length > LIMITS.genre) {
      ignored.push(`a <genre> longer than ${LIMITS.genre} characters was ignored`);
      continue;
    }
    if (!seen.has(genre.toLowerCase())) seen.set(genre.toLowerCase(), genre);
  }
  if (seen.size) out.genres = [...seen.values()].slice(0, LIMITS.genres);
  const mpaa = list(node.mpaa).map(text).find(Boolean);
  if (mpaa) {
    const rating = mpaa
      .split(/\s*\/\s*/)[0]!
      .replace(/^[A-Za-z]{2,3}\s*:\s*/, '')
      .replace(/^Rated\s+/i, '')
      .trim();
    if (rating && rating.length <= LIMITS.rating) out.contentRating = rating;
    else if (rating) ignored.push(`<mpaa> longer than ${LIMITS.rating} characters was ignored`);
  }
  const plot = text(node.plot) ?? text(node.outline);
  if (plot) out.summary = plot.slice(0, LIMITS.summary);
  for (const tag of dateTags) {
    const value = text(node[tag]);
    if (!value) continue;
    if (CalendarDate.safeParse(value).success) {
      out.originallyAvailableAt = value;
      break;
    }
    ignored.push(`<${tag}>${value.slice(0, 40)}</${tag}> is not a date (YYYY-MM-DD) and was ignored`);
  }
  const studio = list(node.studio).map(text).find(Boolean);
  if (studio) out.studio = studio.slice(0, LIMITS.studio);
  return Object.keys(out).length ? out : undefined;
}

/** A plain-text NFO that only links the title (`https://www.imdb.com/title/tt0133093/`), as Kodi allows. */
function fromLinks(content: string, kind: NfoInfo['kind']): NfoResult | null {
  const imdb = /imdb\.com\/title\/(tt\d{7,9})/i.exec(content)?.[1];
  const tmdb = /themoviedb\.org\/(?:movie|tv)\/(\d+)/i.exec(content)?.[1];
  const tvdb = /thetvdb\.com\/.*?(?:id=|series\/)(\d+)/i.exec(content)?.[1];
  if (!imdb && !tmdb && !tvdb) return null;
  return { ok: true, info: { kind, ids: { ...(imdb && { imdb }), ...(tmdb && { tmdb }), ...(tvdb && { tvdb }) } } };
}

/** Parses one NFO file's content. `expected` is what the file's name says it should hold. */
export function parseNfo(content: string, expected: NfoInfo['kind']): NfoResult {
  const body = content.replace(/^\uFEFF/, '');
  if (!body.trimStart().startsWith('<'))
    return fromLinks(body, expected) ?? { ok: false, reason: 'not XML and no provider link' };
  // Kodi writes one <episodedetails> per episode of a multi-episode file, as sibling roots.
  const wrapped = `<nfo>${body.replace(/<\?xml[^>]*\?>/i, '')}</nfo>`;
  const valid = XMLValidator.validate(wrapped);
  if (valid !== true) return { ok: false, reason: `malformed XML (line ${valid.err.line}: ${valid.err.msg})` };
  let root: Node;
  try {
    root = (parser.parse(wrapped) as { nfo?: Node }).nfo ?? {};
  } catch (e) {
    return { ok: false, reason: `malformed XML (${(e as Error).message.split('\n')[0]})` };
  }
  if (expected === 'episode') {
    const episodes = (root.episodedetails as Node[] | undefined)?.filter((e) => e && typeof e === 'object') ?? [];
    const first = episodes[0];
    if (!first) return { ok: false, reason: 'no <episodedetails> element' };
    const last = episodes.at(-1)!;
    const [episode, lastEpisode] = [int(first.episode), int(last.episode)];
    const ignored: string[] = [];
    const info: NfoInfo = {
      kind: 'episode',
      title: text(first.title),
      season: int(first.season),
      episode,
      ...(lastEpisode !== undefined && episode !== undefined && lastEpisode > episode && { episodeEnd: lastEpisode }),
      airDate: date(first.aired),
      ids: ids(first),
      metadata: metadataOf(first, ['aired', 'premiered'], ignored),
      ...(ignored.length && { ignored }),
    };
    return { ok: true, info: prune(info) };
  }
  const node = (expected === 'show' ? root.tvshow : root.movie) as Node | undefined;
  if (!node || typeof node !== 'object') return { ok: false, reason: `no <${expected === 'show' ? 'tvshow' : 'movie'}> element` };
  const ignored: string[] = [];
  const metadata = metadataOf(node, ['premiered', 'releasedate', 'aired'], ignored);
  return {
    ok: true,
    info: prune({
      kind: expected,
      title: text(node.title),
      year: yearOf(node),
      edition: text(node.edition),
      ids: ids(node),
      metadata,
      ...(ignored.length && { ignored }),
    }),
  };
}

function prune(info: NfoInfo): NfoInfo {
  for (const k of Object.keys(info) as (keyof NfoInfo)[]) if (info[k] === undefined) delete info[k];
  return info;
}

/** The sidecars found next to one video, already parsed. */
export interface Sidecars {
  show?: NfoResult;
  episode?: NfoResult;
  movie?: NfoResult;
}

/**
 * The file name's reading corrected by its NFOs: NFO title, year, numbers and ids win.
 * Malformed NFOs are listed in `problems` (with the file they came from) and change nothing.
 */
export function applyNfo(
  parsed: ParsedPath,
  sidecars: Sidecars,
  names: { show?: string; episode?: string; movie?: string } = {},
) {
  const problems: string[] = [];
  const ok = (r: NfoResult | undefined, file: string | undefined): NfoInfo | null => {
    if (!r) return null;
    if (!r.ok) {
      problems.push(`${file ?? 'nfo'}: ${r.reason}; the file name was used`);
      return null;
    }
    for (const why of new Set(r.info.ignored ?? [])) problems.push(`${file ?? 'nfo'}: ${why}`);
    return r.info;
  };
  const out: ParsedPath = { ...parsed, ...(parsed.providerIds && { providerIds: { ...parsed.providerIds } }) };
  const show = ok(sidecars.show, names.show);
  const episode = ok(sidecars.episode, names.episode);
  const movie = ok(sidecars.movie, names.movie);
  const mergeIds = (more: ProviderIds) => {
    if (Object.keys(more).length) out.providerIds = { ...out.providerIds, ...more };
  };
  if (
    parsed.kind === 'episode' ||
    (parsed.kind === 'unknown' && episode?.season !== undefined && episode.episode !== undefined)
  ) {
    if (show) {
      if (show.title) out.show = show.title;
      if (show.year) out.year = show.year;
      mergeIds(show.ids);
    }
    if (episode) {
      if (episode.season !== undefined) out.season = episode.season;
      if (episode.episode !== undefined) {
        out.episode = episode.episode;
        delete out.episodeEnd;
      }
      if (episode.episodeEnd !== undefined) out.episodeEnd = episode.episodeEnd;
      if (episode.title) out.episodeTitle = episode.title;
      if (episode.airDate) out.airDate = episode.airDate;
      // Episode ids stay on the episode: they are not the show's.
    }
    if (out.kind === 'unknown' && out.show) {
      out.kind = 'episode';
      delete out.reason;
    }
  } else if (parsed.kind === 'movie' || (parsed.kind === 'unknown' && movie?.title)) {
    if (movie) {
      if (movie.title) out.title = movie.title;
      if (movie.year) out.year = movie.year;
      if (movie.edition) out.edition = movie.edition;
      mergeIds(movie.ids);
      if (out.kind === 'unknown' && out.title) {
        out.kind = 'movie';
        delete out.reason;
      }
    }
  }
  // Metadata: the show's (tvshow.nfo) or the movie's on the title, the episode's own on the episode.
  const isEpisode = out.kind === 'episode';
  const titleMetadata = (isEpisode ? show?.metadata : out.kind === 'movie' ? movie?.metadata : undefined) ?? {};
  const episodeMetadata = (isEpisode ? episode?.metadata : undefined) ?? {};
  return { parsed: out, episodeIds: episode?.ids ?? {}, titleMetadata, episodeMetadata, problems };
}
