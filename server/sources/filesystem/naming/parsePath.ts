import path from 'node:path';
import { absoluteMarker, strongMarker, type Marker } from './markers.js';
import {
  dropTagBrackets,
  findEditions,
  isYear,
  looksObfuscated,
  foldText,
  nameKey,
  spaced,
  splitTrailingYear,
  stripLeadingNoise,
  stripWebsite,
  tagStart,
  takePlexEdition,
  takeProviderIds,
  trimName,
  trimTrailingEditions,
  trimTrailingTags,
  uninvert,
  type ProviderIds,
} from './names.js';
import { EXTRA_FOLDERS, EXTRA_SUFFIX, SEASON_FOLDER, SPECIALS_FOLDER, VIDEO_EXTENSIONS } from './vocabulary.js';

export type ParsedKind = 'episode' | 'movie' | 'extra' | 'ignored' | 'unknown';

/** What a path says, as the folder scanner reads it (also the answer of `ingest.parsePaths`). */
export interface ParsedPath {
  path: string;
  kind: ParsedKind;
  /** A show's name (episodes). */
  show?: string;
  /** A movie's name. */
  title?: string;
  year?: number;
  season?: number;
  episode?: number;
  /** The last episode of a multi-episode file. */
  episodeEnd?: number;
  /** Daily shows: `YYYY-MM-DD`. */
  airDate?: string;
  /** Anime-style absolute number. */
  absolute?: number;
  episodeTitle?: string;
  edition?: string;
  /** `cd2`, `part2`: this file is part N of one version. */
  part?: number;
  /** Extras: trailer, sample, featurette, behindthescenes, deleted, interview, short, ... */
  extraType?: string;
  /** Ids written into the name (`{tmdb-603}`, `[imdbid-tt0133093]`). */
  providerIds?: ProviderIds;
  /** Why the file is ignored or unknown. */
  reason?: string;
}

interface Folder {
  raw: string;
  season: number | null;
}

function seasonOf(folder: string): number | null {
  if (SPECIALS_FOLDER.test(folder.trim())) return 0;
  const m = SEASON_FOLDER.exec(folder.trim());
  return m ? Number(m[1] ?? m[2]) : null;
}

const extraFolder = (folder: string) =>
  EXTRA_FOLDERS.get(
    folder
      .trim()
      .toLowerCase()
      .replace(/[\s._-]+/g, ' '),
  );

/** Parts: `cd2`, `part1`, `pt2`, `disc 3`, `partd`, `Part III`. */
const PART = /(?<=^|[\s\-._])(?:cd|dvd|part|pt|disc|disk)[\s.]?(\d{1,2}|[a-z]|[ivx]{1,4})(?=$|[\s\-.[(])/gi;
const ROMAN: Record<string, number> = { i: 1, ii: 2, iii: 3, iv: 4, v: 5, vi: 6, vii: 7, viii: 8, ix: 9, x: 10 };

function partValue(v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const lower = v.toLowerCase();
  return ROMAN[lower] ?? lower.charCodeAt(0) - 96;
}

function lastPart(name: string, onlyAtEnd: boolean): { index: number; part: number } | null {
  const all = [...name.matchAll(PART)];
  const m = all.at(-1);
  if (!m) return null;
  if (onlyAtEnd && trimName(name.slice(m.index + m[0].length)) !== '') return null;
  return { index: m.index, part: partValue(m[1]!) };
}

/** A name made ready for parsing: provider ids and Plex editions out, words spaced, leading noise gone. */
function prepare(raw: string) {
  const { name: noIds, ids } = takeProviderIds(raw);
  const { name: noEdition, edition } = takePlexEdition(noIds);
  const { name, group } = stripLeadingNoise(spaced(stripWebsite(noEdition)));
  return { name, group, ids, plexEdition: edition };
}

/** A show's name from the text before its episode marker (or a folder name). */
function showName(raw: string): { name: string; year: number | null } {
  let s = dropTagBrackets(raw);
  s = s.slice(0, tagStart(s));
  s = s.replace(/[\s.-]+(?:19|20)\d{2}[\s.-]\d{1,2}[\s.-]\d{1,2}\s*$/, ''); // `Show 2016 02 25 S20E143`
  s = trimName(s)
    .replace(/\s+(?:ep|episode)\.?$/i, '')
    .replace(/[\s-]+(?:season|saison|temporada|temp|stagione|staffel)\s*\d{1,4}$/i, '');
  // Names made only of bracket groups (`[Group][Show Name]`): the last one that is not a year.
  const groups = [...s.matchAll(/[[【]([^\]】]*)[\]】]/g)].map((m) => m[1]!.trim()).filter((g) => g && !/^\d{4}$/.test(g));
  if (groups.length && s.replace(/[[【][^\]】]*[\]】]/g, '').trim() === '') s = groups.at(-1)!;
  const { name, year } = splitTrailingYear(s);
  return { name: uninvert(trimName(name)), year };
}

function titleAfter(raw: string): string | undefined {
  let s = raw.replace(/^[\s\-–.,:]+/, '');
  const part = lastPart(s, true);
  if (part) s = s.slice(0, part.index);
  s = dropTagBrackets(s);
  s = s.slice(0, tagStart(s));
  s = trimTrailingTags(s, []);
  s = trimName(s);
  for (let i = 0; i < 3; i++)
    s = trimTrailingTags(
      s
        .replace(/\s*\([^()]*\)\s*$/, '')
        .replace(/\s*\[[^\]]*\]\s*$/, '')
        .replace(/\s+part\s*\d+$/i, ''),
      [],
    );
  return /[\p{L}\p{N}]/u.test(s) ? s : undefined;
}

interface MovieName {
  name: string;
  year: number | null;
  editions: string[];
  part: number | null;
  /** The name carried tags or a year, as release folders do. */
  releaseLike: boolean;
}

/** A movie's name, year, edition and part from a file or folder name. */
function movieName(raw: string): MovieName {
  const { name: prepared, plexEdition } = prepare(raw);
  let s = prepared;
  const dd = s.indexOf('--');
  if (dd > 0) s = s.slice(0, dd); // `OSS_117--Cairo,_Nest_of_Spies`: a title, then a subtitle
  const film = /^.+?-f\d{1,3}-(.+)$/i.exec(s); // `James_Bond-f21-Casino_Royale`: a series, its number, the film
  if (film) s = film[1]!;
  const part = lastPart(s, false);
  const years = [...s.matchAll(/(?<![\p{L}\d])[([]?(\d{4})[)\]]?(?![\p{L}\d])/gu)].filter(
    (m) => isYear(Number(m[1])) && m.index > 0,
  );
  const yearMatch = years.at(-1);
  const tags = tagStart(s);
  const cuts = [tags, yearMatch?.index ?? s.length, part?.index ?? s.length];
  const cut = Math.min(...cuts);
  const removed: string[] = [];
  let name = s.slice(0, cut);
  name = name.replace(/[([{]([^()[\]{}]*)[)\]}]/g, (whole) => {
    const dropped = dropTagBrackets(whole);
    if (dropped !== whole) removed.push(whole);
    return dropped;
  });
  const editions: string[] = [];
  if (cut === tags) name = trimTrailingTags(name, editions);
  else name = trimTrailingEditions(name, editions); // cut at the year: `The Good German 2006` keeps German
  name = trimName(name);
  const parts = name.split(/\s+-\s+/);
  if (parts.length >= 3) name = parts[0]!; // `Title - Subtitle - Director ...`: the first is the title
  for (const e of [...removed.flatMap(findEditions), ...findEditions(s.slice(cut))]) if (!editions.includes(e)) editions.push(e);
  if (plexEdition) editions.unshift(plexEdition);
  name = uninvert(trimName(name));
  return {
    name,
    year: yearMatch ? Number(yearMatch[1]) : null,
    editions: [...new Set(editions)],
    part: part?.part ?? null,
    releaseLike: tags < s.length || !!yearMatch,
  };
}

/** The extras rules: a folder of extras, or a suffix such as `-trailer`, `.sample`, `-behindthescenes`. */
function extraKind(folders: string[], stem: string, hasStrongMarker: boolean): string | null {
  if (!hasStrongMarker) {
    for (const f of folders) {
      const kind = extraFolder(f);
      if (kind) return kind;
    }
  }
  const suffix = EXTRA_SUFFIX.exec(stem);
  if (suffix) return (suffix[1] ?? suffix[2])!.toLowerCase();
  if (!hasStrongMarker && /-x\d{2}-/i.test(stem)) return 'extra'; // `Movie-x02-Stunts`: a disc's bonus item
  return null;
}

function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined || o[k] === null || o[k] === '') delete o[k];
  return o;
}

/** How many trailing path segments are read: the file, its season folder, the show's folder and one above. */
const MAX_DEPTH = 4;

/**
 * Reads what a file is from its path relative to the collection root (absolute paths work too:
 * only the last folders matter). Never touches the disk.
 */
export function parseMediaPath(input: string): ParsedPath {
  // A name is at most 255 bytes on every file system; only the last folders say anything.
  const segments = input
    .split(/[\\/]+/)
    .filter(Boolean)
    .slice(-MAX_DEPTH);
  if (segments.some((s) => s.length > 255))
    return { path: input, kind: 'unknown', reason: 'a file or folder name longer than 255 characters' };
  const file = segments.at(-1) ?? '';
  const folders = segments.slice(0, -1);
  const ext = path.extname(file).toLowerCase();
  if (segments.some((s) => s.startsWith('.'))) return { path: input, kind: 'ignored', reason: `${file}: hidden file or folder` };
  if (!VIDEO_EXTENSIONS.has(ext))
    return { path: input, kind: 'ignored', reason: `${file}: not a video file (${ext || 'no extension'})` };
  const stem = file.slice(0, file.length - ext.length);

  const fileName = prepare(stem);
  const fileMarker = strongMarker(fileName.name);
  const hasSxE = !!fileMarker && (fileMarker.form === 'SxE' || fileMarker.form === 'NxN');
  const extra = extraKind(folders, stem, hasSxE);
  if (extra) return { path: input, kind: 'extra', extraType: extra };

  const seasons: Folder[] = folders.map((raw) => ({ raw, season: seasonOf(raw) }));
  const seasonIndex = seasons.map((f) => f.season !== null).lastIndexOf(true);
  const folderSeason = seasonIndex >= 0 ? seasons[seasonIndex]!.season! : null;
  const parent = folders.at(-1);
  const showFolder = seasonIndex > 0 ? folders[seasonIndex - 1] : seasonIndex < 0 ? parent : undefined;
  const ids: ProviderIds = { ...fileName.ids };
  for (const f of folders) Object.assign(ids, { ...takeProviderIds(f).ids, ...ids });
  const providerIds = Object.keys(ids).length ? ids : undefined;

  // A release folder with a real name around an obfuscated or number-only file.
  const parentPrepared = parent && seasonIndex !== folders.length - 1 ? prepare(parent) : null;
  const parentMarker = parentPrepared ? strongMarker(parentPrepared.name) : null;
  if (!fileMarker && parentMarker && parentPrepared) {
    return episodeFrom(input, parentPrepared.name, parentMarker, {
      folderSeason,
      showFolder: undefined,
      providerIds,
      part: null,
    });
  }
  if (looksObfuscated(stem)) {
    if (parent && seasonIndex !== folders.length - 1) {
      const movie = movieName(parent);
      if (movie.releaseLike && movie.name) return movieResult(input, movie, providerIds);
    }
    return { path: input, kind: 'unknown', reason: `${file}: the name looks obfuscated (no title or episode in it)` };
  }

  const part = lastPart(fileName.name, true)?.part ?? null;
  if (fileMarker) {
    const result = episodeFrom(input, fileName.name, fileMarker, { folderSeason, showFolder, providerIds, part });
    // `Show.S06E09.Title.../show.s06e09.dvdrip.avi`: the folder names the episode the file does not.
    if (!result.episodeTitle && parentMarker && parentPrepared && parentMarker.episode === fileMarker.episode) {
      const title = titleAfter(parentPrepared.name.slice(parentMarker.end));
      if (title) result.episodeTitle = title;
    }
    return result;
  }

  // Episodes numbered without a season: anime, a number in a season folder, `Episode 16`.
  const body = trimTrailingTags(fileName.name.slice(0, tagStart(fileName.name)), []);
  const showKey = showFolder ? nameKey(showName(prepare(showFolder).name).name) : null;
  const absolute = absoluteMarker(body, {
    group: !!fileName.group,
    inShowFolder: seasonIndex >= 0 || !!parent,
    prefixIsShow: (prefix) => !!showKey && nameKey(showName(prefix).name) === showKey,
    tagsFollow: body.length < fileName.name.length,
  });
  const scene =
    !fileName.group && body.length < fileName.name.length && !/^\s*[[(]/.test(fileName.name.slice(body.length))
      ? sceneNumber(body)
      : null;
  if (scene) return episodeFrom(input, fileName.name, scene, { folderSeason, showFolder, providerIds, part });
  if (absolute)
    return episodeFrom(input, body + fileName.name.slice(body.length), absolute, { folderSeason, showFolder, providerIds, part });
  if (seasonIndex >= 0)
    return {
      path: input,
      kind: 'unknown',
      reason: `${file}: in a season folder but no episode number in the name`,
      ...(providerIds && { providerIds }),
    };

  // `Show Part 2 HDTV`: parts of something broadcast are a miniseries' episodes (season 1, as Sonarr reads them).
  const tvPart = /(?<=^|\s)part\s?(\d{1,2})(?=\s|$)/i.exec(fileName.name);
  if (tvPart && /(?<=^|\s)(hdtv|pdtv|sdtv|dsr|dsrip|tvrip|ldtv)(?=\s|$|-)/i.test(fileName.name)) {
    const marker: Marker = {
      start: tvPart.index,
      end: tvPart.index + tvPart[0].length,
      season: 1,
      episode: Number(tvPart[1]),
      form: 'words',
    };
    return episodeFrom(input, fileName.name, marker, { folderSeason, showFolder, providerIds, part: null });
  }

  const movie = movieName(stem);
  const folderMovie = parent ? movieName(parent) : null;
  if (folderMovie?.name && (movie.name === '' || prefersFolder(movie, folderMovie))) {
    const merged: MovieName = {
      name: folderMovie.name,
      year: movie.year ?? folderMovie.year,
      editions: movie.editions.length ? movie.editions : folderMovie.editions,
      part: movie.part,
      releaseLike: true,
    };
    return movieResult(input, merged, providerIds);
  }
  if (!movie.name) return { path: input, kind: 'unknown', reason: `${file}: no title in the name` };
  if (!movie.year && !movie.releaseLike && !parent && isShouted(movie.name))
    return {
      path: input,
      kind: 'unknown',
      reason: `${file}: a name in capitals with no year, tag or folder to confirm it is a title`,
    };
  if (!movie.year && folderMovie?.year && nameKey(folderMovie.name) === nameKey(movie.name)) movie.year = folderMovie.year;
  return movieResult(input, movie, providerIds);
}

/**
 * Scene names number episodes `103` (season 1, episode 3) or `2401` right before their tags:
 * `Series.Title.103.720p.HDTV`, `Series.Title.103.104.720p`.
 */
function sceneNumber(body: string): Marker | null {
  const m = /\s([1-9])(\d{2})((?:\s\1\d{2})*)$|\s([1-9]\d)(\d{2})$/.exec(body);
  if (!m || m.index === 0) return null;
  const season = Number(m[1] ?? m[4]);
  const episode = Number(m[2] ?? m[5]);
  if (episode === 0 || (m[4] && isYear(Number(m[4] + m[5])))) return null;
  const more = m[3]
    ?.trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((n) => Number(n) % 100);
  const end = more?.length ? more.at(-1) : undefined;
  return {
    start: m.index,
    end: m.index + m[0].length,
    season,
    episode,
    ...(end && end > episode && { episodeEnd: end }),
    form: 'NxN',
  };
}

/** `THIS SHOULD NEVER PARSE`: several words, all in capitals. */
function isShouted(name: string): boolean {
  const words = name.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  return words.length >= 3 && words.every((w) => w === w.toUpperCase());
}

/** The folder names the movie better: the file repeats it (with noise), or the file is a bare release name inside a release folder. */
function prefersFolder(file: MovieName, folder: MovieName): boolean {
  const [f, d] = [nameKey(file.name), nameKey(folder.name)];
  if (!d) return false;
  if (f === d || (d.length >= 3 && f.includes(d))) return true;
  return !file.year && folder.releaseLike && (!!folder.year || !file.releaseLike || file.name.length < 12);
}

function movieResult(input: string, movie: MovieName, providerIds: ProviderIds | undefined): ParsedPath {
  return clean({
    path: input,
    kind: 'movie' as const,
    title: movie.name,
    year: movie.year ?? undefined,
    edition: movie.editions.length ? movie.editions.join(', ') : undefined,
    part: movie.part ?? undefined,
    providerIds,
  });
}

function episodeFrom(
  input: string,
  name: string,
  marker: Marker,
  ctx: { folderSeason: number | null; showFolder: string | undefined; providerIds: ProviderIds | undefined; part: number | null },
): ParsedPath {
  let before = name.slice(0, marker.start);
  let absolute = marker.absolute;
  if (marker.form === 'SxE' || marker.form === 'NxN') {
    // `Anime - 05 - S01E05`, `Show 313-315 s16e03-05`: an absolute number between the show and the marker.
    const abs = /(?:\s-\s+(\d{1,4})|\s(\d{2,4})-\d{2,4})[\s-]*$/.exec(before);
    if (abs) {
      absolute ??= Number(abs[1] ?? abs[2]);
      before = before.slice(0, abs.index);
    }
  }
  let show = showName(before);
  let title = titleAfter(name.slice(marker.end));
  let titleYear: number | null = null;
  const yearOnly = /^\s*[-.]?\s*\(?(\d{4})\)?(?=\s|$)/.exec(name.slice(marker.end));
  if (yearOnly && isYear(Number(yearOnly[1])) && (title === undefined || title === yearOnly[1])) {
    titleYear = Number(yearOnly[1]); // `Show.S01E01.2008.BluRay`: the show's year, not a title
    title = undefined;
  }
  const absoluteForm = marker.form !== 'SxE' && marker.form !== 'NxN' && marker.form !== 'words' && marker.form !== 'date';
  if (absoluteForm && show.name.includes(' - ')) {
    // `[Group] Show - Alternative Name - 01`: the first part is the show (`Show - 100 Years Quest` keeps its number).
    const [first, second] = show.name.split(/\s+-\s+/);
    if (first && second && !/^\d/.test(second)) show = { name: first, year: show.year };
  }
  if (!show.name && ctx.showFolder) show = showName(prepare(ctx.showFolder).name);
  else if (!show.name && title && absoluteForm && !ctx.showFolder) {
    // `01 - Show Name - Episode Title.mkv`: the name after the number is the show.
    const [first, ...rest] = title.split(/\s+-\s+/);
    show = showName(first!);
    title = rest.length ? rest.join(' - ') : undefined;
  }
  if (!show.name) return { path: input, kind: 'unknown', reason: `${path.basename(input)}: an episode number but no show name` };
  if (titleYear !== null && show.year === null) show = { name: show.name, year: titleYear };
  // `2x05 - Pure Laine - Je Me Souviens`: the show named again before the title.
  if (title) {
    const [head, ...tail] = title.split(/\s+-\s+/);
    if (tail.length && nameKey(head!) === nameKey(show.name)) title = tail.join(' - ');
  }
  const season = marker.season ?? ctx.folderSeason ?? undefined;
  return clean({
    path: input,
    kind: 'episode' as const,
    show: show.name,
    year: show.year ?? undefined,
    season,
    episode: marker.episode,
    episodeEnd: marker.episodeEnd,
    airDate: marker.airDate,
    absolute: absolute ?? (absoluteForm && season === undefined ? marker.episode : undefined),
    episodeTitle: title,
    part: ctx.part ?? undefined,
    providerIds: ctx.providerIds,
  });
}

export { foldText, nameKey };
