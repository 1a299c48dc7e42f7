/**
 * The words of release names: what is a tag (quality, source, codec, language, release flags),
 * what is an edition, which folders hold extras. Pure data and small predicates, no I/O.
 */

/** Every extension the scanner treats as video (what Jellyfin and Plex scan, not only the common few). */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(
  [
    'mkv',
    'mk3d',
    'mp4',
    'm4v',
    'avi',
    'divx',
    'mov',
    'qt',
    'mpg',
    'mpeg',
    'mpe',
    'mp2',
    'm2v',
    'ts',
    'm2ts',
    'mts',
    'tp',
    'trp',
    'wmv',
    'asf',
    'webm',
    'flv',
    'f4v',
    'vob',
    'ogv',
    'ogm',
    'ogx',
    'rm',
    'rmvb',
    '3gp',
    '3g2',
    'dv',
    'dvr-ms',
    'wtv',
    'nsv',
    'iso',
    'img',
    'strm',
    'evo',
    'xvid',
    'nuv',
    'y4m',
  ].map((e) => `.${e}`),
);

/**
 * Tokens that end a title: nothing after them is part of a name. Matched against whole tokens,
 * case-insensitively (the case-sensitive ones are in CASED_HARD_TAGS).
 */
const HARD_TAG_PATTERNS: RegExp[] = [
  /^\d{3,4}[pi]\d{0,3}$/i, // 720p, 1080i, 1080p24
  /^\d{3,4}[x*×]\d{3,4}$/i, // 1920x1080, 1280*720
  /^[2-8]k$/i,
  /^(uhd|fhd|hdr(10)?(plus|\+)?|sdr|bt\.?(2020|709)|dolby|dovi|hlg)$/i,
  /^(blu-?ray\w*|bd(rip|remux|mux|25|50)?|br(rip|mux|ripmux)?|remux|bdmv)$/i,
  /^web-?(dl|rip|dlrip|hd|mux)\w*$/i,
  /^(hd|pd|sd|ld|ds|dvb)?tv(rip|mux)?(x26[45])?$/i,
  /^(hd|pd|sd|ld)tv\w*$/i,
  /^(dsr|dsrip|dthrip|dvb|dvbrip|satrip|vhsrip|tvrip|hdrip|hdcam|hdts|hdtc|telesync|telecine|camrip|ppvrip)$/i,
  /^dvd(rip|r|scr|5|9|mux|ivx)?\w*$/i,
  /^(x|h)\.?26[45]\w*$/i,
  /^(hevc|avc|xvid|divx|vc-?1|mpeg-?[24]|av1|vp9|h264|h265)\w*$/i,
  /^(8|10|12)-?bits?$/i,
  /^(hi10p?|ma10p\w*|yuv420p10)$/i,
  /^(aac|ac3|eac3|ddp|truehd|atmos|flac|mp3|opus|lpcm|pcm|dts)[\w.+-]*$/i,
  /^dd[p+]?\d[\d.]*$/i,
  /^[2-8]ch$/i,
  /^(proper|repack|rerip|internal|readnfo|nfofix|samplefix|prooffix|dirfix|subforced|hardsub|hardsubs)$/i,
  /^(amzn|dsnp|hmax|atvp|hulu|netflixuhd|netflixhd|webhd|stan|pcok|ntb)$/i,
  /^\d+(\.\d+)?(mbps|kbps|mbits|gb|mb)$/i,
  /^\d{2,3}fps$/i,
  /^\d?cd$/i,
  /^v\d$/i,
  /^vhs$/i,
  /^(3d|h?sbs|h?ou|half-?(sbs|ou))$/i,
];

/** Tag words that are also ordinary words: only in capitals are they tags. */
const CASED_HARD_TAGS = new Set(['WEB', 'NF', 'DL', 'HQ', 'CAM', 'TS', 'TC', 'R5', 'SCR', 'DUAL', 'CC', 'WS', 'DOKU', 'DSR']);

/**
 * Tags that may stand next to a name without ending it (`The Good German`): only trimmed from the
 * end of a name that a hard tag cut, and from the start of a name.
 */
const SOFT_TAG_PATTERNS: RegExp[] = [
  /^(multi\w*|truefrench|french|vff|vfq|vf|vostfr|vost|german|deutsch|english|eng|ita|italian|spanish|esp|castellano|latino|rus|russian|ukr|hindi|pl|nl|fr|en|de|dual|dubbed|dublado|subbed|sub|subs|legenda|pt-br|jpn|japanese|kor|chs|cht|big5|gb|vo|doku|dl|ws|hq|hd|sd|real|convert|complete|uncensored|colorized|cc|audio|mux|subtitles?|edition|version|cut)$/i,
  /^(mkv|mp4|avi|wmv|m4v)$/i,
];

/** Remembers a predicate's answers per token (the same few hundred tokens recur across a library). */
function memo(fn: (token: string) => boolean): (token: string) => boolean {
  const seen = new Map<string, boolean>();
  return (token) => {
    let answer = seen.get(token);
    if (answer === undefined) {
      if (seen.size > 50_000) seen.clear();
      answer = fn(token);
      seen.set(token, answer);
    }
    return answer;
  };
}

export const isHardTag = memo((token) => CASED_HARD_TAGS.has(token) || HARD_TAG_PATTERNS.some((re) => re.test(token)));

export const isSoftTag = memo(
  (token) => SOFT_TAG_PATTERNS.some((re) => re.test(token)) || isHardTag(token) || editionAt(token, 0) !== null,
);

/** A CRC32 in brackets (`[5C7BC4F9]`), as anime releases carry. */
export const CRC = /^[0-9A-F]{8}$/i;

interface EditionRule {
  re: RegExp;
  label: string;
}

/** Edition words, matched at a position in a spaced name; labels are what the catalogue stores. */
const EDITION_RULES: EditionRule[] = [
  { re: /^director'?s?\s*(cut|edition|version)\b/i, label: "Director's Cut" },
  { re: /^DC\b/, label: "Director's Cut" },
  { re: /^extended(\s(cut|edition|version))?\b/i, label: 'Extended' },
  { re: /^unrated\b/i, label: 'Unrated' },
  { re: /^uncut\b/i, label: 'Uncut' },
  { re: /^theatrical(\s(cut|edition|release|version))?\b/i, label: 'Theatrical' },
  { re: /^special\sedition\b/i, label: 'Special Edition' },
  { re: /^SE\b/, label: 'Special Edition' },
  { re: /^imax(\sedition)?\b/i, label: 'IMAX' },
  { re: /^criterion(\scollection)?\b/i, label: 'Criterion' },
  { re: /^limited\b/i, label: 'Limited' },
  { re: /^remaster(ed)?\b/i, label: 'Remastered' },
  { re: /^ultimate(\s(cut|edition))?\b/i, label: 'Ultimate' },
  { re: /^collector'?s?(\s(cut|edition))?\b/i, label: "Collector's" },
  { re: /^alternat(e|ive)(\s(cut|version|edition|ending))?\b/i, label: 'Alternative Cut' },
  { re: /^final\scut\b/i, label: 'Final Cut' },
  { re: /^anniversary(\sedition)?\b/i, label: 'Anniversary' },
];

/** The edition that starts at `index` of `text` (word-aligned), with its length. */
export function editionAt(text: string, index: number): { label: string; length: number } | null {
  const rest = text.slice(index);
  for (const rule of EDITION_RULES) {
    const m = rule.re.exec(rest);
    if (m) return { label: rule.label, length: m[0].length };
  }
  return null;
}

/** Folder names that hold a title's extras (Plex, Jellyfin and Kodi conventions). */
export const EXTRA_FOLDERS: ReadonlyMap<string, string> = new Map([
  ['extras', 'extra'],
  ['extra', 'extra'],
  ['trailers', 'trailer'],
  ['trailer', 'trailer'],
  ['featurettes', 'featurette'],
  ['featurette', 'featurette'],
  ['behind the scenes', 'behindthescenes'],
  ['behindthescenes', 'behindthescenes'],
  ['deleted scenes', 'deleted'],
  ['deletedscenes', 'deleted'],
  ['deleted', 'deleted'],
  ['interviews', 'interview'],
  ['interview', 'interview'],
  ['scenes', 'scene'],
  ['samples', 'sample'],
  ['sample', 'sample'],
  ['shorts', 'short'],
  ['short', 'short'],
  ['clips', 'clip'],
  ['other', 'other'],
  ['others', 'other'],
  ['backdrops', 'backdrop'],
  ['theme-music', 'theme'],
  ['bonus', 'extra'],
]);

/** File-name suffixes of extras: `Movie-trailer.mkv`, `movie.sample.mkv`, `Movie (2020)-behindthescenes2.mkv`. */
export const EXTRA_SUFFIX =
  /(?:^|[\s._-])(trailer|sample)\d*$|-(featurette|behindthescenes|deleted|deletedscene|interview|scene|clip|short|extra|other|bonus)\d*$/i;

/** Season folders in the languages libraries are named in: `Season 02`, `Saison 6`, `Staffel 1`, `S01`, `Specials`. */
export const SEASON_FOLDER =
  /^(?:season|saison|staffel|temporada|stagione|seizoen|sezon|sezona|kausi|s[äa]song|s[æa]son|sesong|series|serie)[\s._-]*(\d{1,4})\b|^s(\d{1,4})$/i;
export const SPECIALS_FOLDER = /^(?:specials?|season[\s._-]*specials?|extras?\s*\(specials\))$/i;

/** Month names for dates written in words (`5th Mar 2025`). */
export const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
