import { MONTHS } from './vocabulary.js';
import { isYear } from './names.js';

/**
 * Episode numbers written into a name. A marker knows where it sits in the (spaced) name, so
 * what comes before is the show and what follows the episode's title.
 */
export interface Marker {
  start: number;
  end: number;
  season?: number;
  episode?: number;
  episodeEnd?: number;
  airDate?: string;
  absolute?: number;
  form: 'SxE' | 'NxN' | 'words' | 'date' | 'absolute' | 'range' | 'bracket' | 'leading' | 'bare';
}

const SXE = /(?<![\p{L}\d])S(\d{1,4})[\s.-]?(?:xE|E[Pp]?[\s.]?|x)(\d{1,5})(?!\d)/iu;
/** `grp-zoos01e11`: written tight, the marker may follow letters. */
const SXE_TIGHT = /(?<!\d)S(\d{1,4})E(\d{1,5})(?!\d)/i;
const NXN = /(?<![\p{L}\d])(\d{1,4})x(\d{1,3})(?!\d)/iu;
const NEXT_E = /^[\s-]?-?\s?(?:E[Pp]?|x)\s?(\d{1,5})(?![\d])/i;
const NEXT_DASH = /^-(\d{1,5})(?![\dpi])/i;

/** Extends a marker over `E02`, `-03`, `x04`, `-S01E05`: the last episode of a multi-episode file. */
function extendRange(name: string, marker: Marker): Marker {
  let pos = marker.end;
  let last = marker.episode!;
  const season = marker.season!;
  const sameSeason = new RegExp(`^[\\s-]*(?:S0*${season}[\\s-]?E|0*${season}x)(\\d{1,5})(?!\\d)`, 'i');
  for (;;) {
    const rest = name.slice(pos);
    const m = NEXT_E.exec(rest) ?? NEXT_DASH.exec(rest) ?? sameSeason.exec(rest);
    if (!m) break;
    const n = Number(m[1]);
    if (n <= last) break;
    last = n;
    pos += m[0].length;
  }
  // `s01e02-whatever-s01e03`: the same season named again further on.
  const later = new RegExp(`(?<!\\d)(?:S0*${season}[\\s-]?E|(?<![\\p{L}\\d])0*${season}x)(\\d{1,5})(?!\\d)`, 'giu');
  for (const m of name.slice(pos).matchAll(later)) {
    const n = Number(m[1]);
    if (n > last && n - last < 50) last = n;
  }
  const out: Marker = { ...marker, end: pos };
  if (last > marker.episode!) out.episodeEnd = last;
  // `S01E01 001`, `S01E01-02 (001-002)`: an absolute number next to the season's.
  const abs = /^\s*[-(]?\s*(\d{3})(?:-\d{3})*\)?(?=\s|$)/.exec(name.slice(pos));
  if (abs && marker.form === 'SxE') out.absolute = Number(abs[1]);
  return out;
}

function sxe(name: string): Marker | null {
  const m = SXE.exec(name) ?? SXE_TIGHT.exec(name);
  if (!m) return null;
  return extendRange(name, {
    start: m.index,
    end: m.index + m[0].length,
    season: Number(m[1]),
    episode: Number(m[2]),
    form: 'SxE',
  });
}

function nxn(name: string): Marker | null {
  const re = new RegExp(NXN.source, 'giu');
  for (const m of name.matchAll(re)) {
    const [season, episode] = [m[1]!, m[2]!];
    // 1920x1080 and 848x480 are resolutions; a season is 1-2 digits or a year with a short episode number.
    if (season.length === 3) continue;
    if (season.length === 4 && (!isYear(Number(season)) || episode.length > 2)) continue;
    if (/^[pi]/i.test(name.slice(m.index + m[0].length))) continue;
    return extendRange(name, {
      start: m.index,
      end: m.index + m[0].length,
      season: Number(season),
      episode: Number(episode),
      form: 'NxN',
    });
  }
  return null;
}

/** `Season 3 Episode 9`, `Se.1 afl.2-3-4` (Dutch), `Cap.104` (Spanish: season 1, episode 4). */
function words(name: string): Marker | null {
  const w =
    /\b(?:season|saison|temporada|stagione|staffel)\s*(\d{1,4})\b[^\d]{0,3}(?:\(\d{4}\)\s*(?:\d{3,4}p\s*)?)?\s*(?:episode|episodio|ep|aflevering|folge|capitulo)\.?\s*(\d{1,4})(?:\s*-\s*(\d{1,4}))?/i.exec(
      name,
    );
  if (w)
    return withEnd(
      { start: w.index, end: w.index + w[0].length, season: Number(w[1]), episode: Number(w[2]), form: 'words' },
      w[3],
    );
  const nl = /\bSe\s?(\d{1,3})\s?afl\s?(\d{1,3})((?:\s?-\s?\d{1,3}|\s(?:en|&)\s\d{1,3})*)/i.exec(name);
  if (nl) {
    const more = nl[3]?.match(/\d+/g);
    return withEnd(
      { start: nl.index, end: nl.index + nl[0].length, season: Number(nl[1]), episode: Number(nl[2]), form: 'words' },
      more?.at(-1),
    );
  }
  const cap = /\bCap[\s.]?(\d{3,4})(?:[\s_](\d{3,4}))?\b/i.exec(name);
  if (cap) {
    const n = Number(cap[1]);
    const end = cap[2] ? Number(cap[2]) % 100 : undefined;
    return withEnd(
      { start: cap.index, end: cap.index + cap[0].length, season: Math.floor(n / 100), episode: n % 100, form: 'words' },
      end,
    );
  }
  return null;
}

function withEnd(marker: Marker, end: string | number | undefined): Marker {
  const n = end === undefined ? NaN : Number(end);
  return Number.isFinite(n) && n > marker.episode! ? { ...marker, episodeEnd: n } : marker;
}

function isoDate(y: number, m: number, d: number): string | null {
  if (!isYear(y) || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return null;
  return date.toISOString().slice(0, 10);
}

/** Air dates: `2014.10.31`, `2014-10-31`, `31.10.2014`, `10-31-2014`, `5th Mar 2025`. */
function date(name: string): Marker | null {
  const ymd = /(?<![\d.])((?:19|20)\d{2})[\s.-](\d{1,2})[\s.-](\d{1,2})(?![\d])/.exec(name);
  if (ymd) {
    const [y, a, b] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
    const iso = a > 12 ? isoDate(y, b, a) : isoDate(y, a, b);
    if (iso) return { start: ymd.index, end: ymd.index + ymd[0].length, airDate: iso, form: 'date' };
  }
  const dmy = /(?<![\d.])(\d{1,2})([\s.-])(\d{1,2})[\s.-]((?:19|20)\d{2})(?![\d])/.exec(name);
  if (dmy) {
    const [a, sep, b, y] = [Number(dmy[1]), dmy[2], Number(dmy[3]), Number(dmy[4])];
    // Day first when it must be, or when written with dots (European); month first otherwise (US).
    const dayFirst = a > 12 || (b <= 12 && sep === '.');
    const iso = dayFirst ? isoDate(y, b, a) : isoDate(y, a, b);
    if (iso) return { start: dmy.index, end: dmy.index + dmy[0].length, airDate: iso, form: 'date' };
  }
  const words = new RegExp(
    `(?<!\\d)(\\d{1,2})(?:st|nd|rd|th)?\\s(${MONTHS.join('|')})[a-z]*\\s((?:19|20)\\d{2})(?!\\d)`,
    'i',
  ).exec(name);
  if (words) {
    const iso = isoDate(Number(words[3]), MONTHS.indexOf(words[2]!.toLowerCase()) + 1, Number(words[1]));
    if (iso) return { start: words.index, end: words.index + words[0].length, airDate: iso, form: 'date' };
  }
  return null;
}

/** Markers that say "episode" on their own, wherever the file sits: season/episode pairs and air dates. */
export function strongMarker(name: string): Marker | null {
  return sxe(name) ?? nxn(name) ?? words(name) ?? date(name);
}

const notYear = (s: string) => !(s.length === 4 && isYear(Number(s)));

/** A year written after `at` (`Dragon 2 (2014)`): the number before it is part of a movie's name. */
function yearAfter(body: string, at: number): boolean {
  return [...body.slice(at).matchAll(/(?<![\p{L}\d])(\d{4})(?![\p{L}\d])/gu)].some((m) => isYear(Number(m[1])));
}

export interface AbsoluteContext {
  /** A release group led the name (`[HorribleSubs] ...`), as anime releases do. */
  group: boolean;
  /** The file sits in a season folder or a show's folder. */
  inShowFolder: boolean;
  /** The name before the number equals the show folder's (`The Simpsons/The Simpsons 12.avi`). */
  prefixIsShow: (prefix: string) => boolean;
  /** The tags started right after the body (`Show.Name.10.720p`). */
  tagsFollow: boolean;
}

/**
 * Episode numbers without a season: `Episode 16`, `Ep01`, `E1135`, `#957`, `14 of 21`, `01-12`,
 * `Show - 07`, `[21]`, `01 - Title`, `[Group] Show 214`. `body` is the name before its tags.
 */
export function absoluteMarker(body: string, ctx: AbsoluteContext): Marker | null {
  const explicit =
    /(?<![\p{L}\d])(?:(?:episode|episodio|ep)[\s.]*-?\s*|e|#|第)(\d{1,4})(?:v\d)?[话話集]?(?:\s?[-~]\s?(?:e|ep)?\s?(\d{1,4})(?![\dpi]))?(?!\d)/iu.exec(
      body,
    );
  if (explicit)
    return withEnd(
      { start: explicit.index, end: explicit.index + explicit[0].length, episode: Number(explicit[1]), form: 'absolute' },
      explicit[2],
    );
  const of = /(?<![\d.])(\d{1,3})\s?of\s?(\d{1,3})(?!\d)/i.exec(body);
  if (of && Number(of[1]) <= Number(of[2]))
    return { start: of.index, end: of.index + of[0].length, episode: Number(of[1]), form: 'absolute' };

  const range = /(?<![\p{L}\d.])(\d{1,4})(?:-(\d{1,4})|\s?~\s?(\d{1,4}))(?![\d\p{L}])/u.exec(body);
  if (range) {
    const [a, b] = [range[1]!, (range[2] ?? range[3])!];
    if (notYear(a) && notYear(b) && Number(b) > Number(a)) {
      let end = range.index + range[0].length;
      let last = Number(b);
      for (const more of body.slice(end).matchAll(/^\s?&\s?(\d{1,4})-(\d{1,4})/g)) {
        last = Math.max(last, Number(more[2]));
        end += more[0].length;
      }
      return { start: range.index, end, episode: Number(a), episodeEnd: last, form: 'range' };
    }
  }

  const dashed = [
    ...body.matchAll(/\s-\s+(\d{1,4})(?:v\d)?(?=\s*$|\s+-\s|\s*[[({])/g),
    ...body.matchAll(/(?<=[\p{L}!?])-(\d{1,4})(?:v\d)?(?=\s*$|\s*[[({])/gu),
  ]
    .filter((m) => notYear(m[1]!) && !/^\s*[([]\s*\d{4}\s*[)\]]/.test(body.slice(m.index + m[0].length)))
    .sort((a, b) => a.index - b.index);
  const dash = dashed.at(-1);
  if (dash && !yearAfter(body, dash.index + dash[0].length))
    return { start: dash.index, end: dash.index + dash[0].length, episode: Number(dash[1]), form: 'absolute' };

  const bracket = /[[{【](\d{1,4})(?:v\d|\s?(?:END|Fin))?[\]}】]/i.exec(body);
  if (bracket && notYear(bracket[1]!))
    return { start: bracket.index, end: bracket.index + bracket[0].length, episode: Number(bracket[1]), form: 'bracket' };

  // `01 - Title`, `003. Show - Title`, `03-Show.Name`; in a show's folder also `02 Title` and `02`.
  const leading = (
    ctx.inShowFolder ? /^(\d{1,4})(?:-(\d{1,4}))?(?:\.\s?|\s?-\s?|\s|$)/ : /^(\d{1,4})(?:-(\d{1,4}))?(?:\.\s|\s?-\s?)(?=\D)/
  ).exec(body);
  if (leading && notYear(leading[1]!) && !yearAfter(body, leading[0].length))
    return withEnd({ start: 0, end: leading[0].length, episode: Number(leading[1]), form: 'leading' }, leading[2]);

  // A number standing alone after the show's name: `[K-F] Show 214`, `Show.Name.10.720p`, `One Piece 1001`.
  const bare = [...body.matchAll(/(?<=\s)(\d{1,4})(?:v\d)?(?=\s|$)/g)].filter((m) => notYear(m[1]!)).at(-1);
  // Not after ` - ` (`Show - 1ACV01 - Space Pilot 3000`): there the number belongs to a title.
  if (bare && !yearAfter(body, bare.index + bare[0].length) && !/\s-\s/.test(body.slice(0, bare.index))) {
    const digits = bare[1]!;
    const atEnd = body.slice(bare.index + bare[0].length).trim() === '';
    const prefix = body.slice(0, bare.index);
    const likely =
      ctx.group ||
      digits.length >= 3 ||
      digits.startsWith('0') ||
      (digits.length >= 2 && atEnd && ctx.tagsFollow) ||
      (digits.length >= 2 && ctx.prefixIsShow(prefix));
    if (likely) return { start: bare.index, end: bare.index + bare[0].length, episode: Number(digits), form: 'bare' };
  }
  return null;
}
