import { CRC, editionAt, isHardTag, isSoftTag } from './vocabulary.js';

/**
 * Turning the words of a file or folder name into a clean name: where the tags start, which
 * brackets are noise, the year, the edition. Pure string work.
 */

export const MAX_YEAR = new Date().getFullYear() + 2;
export const isYear = (n: number) => n >= 1890 && n <= MAX_YEAR;

/** Provider ids written into names: `{tmdb-603}`, `[imdbid-tt0133093]`, `(tvdbid=123)`, `[tt1234567]`, `{edition-...}` is not one. */
const PROVIDER_ID =
  /[[{(]\s*(tmdb|tmdbid|imdb|imdbid|tvdb|tvdbid|tvmaze|tvmazeid|anidb|anidbid)\s*[-=:]\s*([a-z0-9]+)\s*[\]})]/gi;
const BARE_IMDB = /[[{(](tt\d{7,9})[\]})]/gi;

export interface ProviderIds {
  tmdb?: string;
  imdb?: string;
  tvdb?: string;
  tvmaze?: string;
  anidb?: string;
}

/** Takes provider ids out of a name, returning the ids and the name without them. */
export function takeProviderIds(name: string): { name: string; ids: ProviderIds } {
  const ids: ProviderIds = {};
  let out = name.replace(PROVIDER_ID, (_m, provider: string, id: string) => {
    const key = provider.toLowerCase().replace(/id$/, '') as keyof ProviderIds;
    ids[key] ??= id;
    return ' ';
  });
  out = out.replace(BARE_IMDB, (_m, id: string) => {
    ids.imdb ??= id;
    return ' ';
  });
  return { name: out, ids };
}

/** Plex's `{edition-Director's Cut}`. */
export function takePlexEdition(name: string): { name: string; edition: string | null } {
  let edition: string | null = null;
  const out = name.replace(/\{edition-([^}]+)\}/gi, (_m, e: string) => {
    edition ??= e.trim();
    return ' ';
  });
  return { name: out, edition };
}

/**
 * A name as words: underscores always become spaces; dots too when the name is dotted
 * (`Movie.Name.1999`), but not in a spaced name with a single dot (`Mr. Robot`).
 */
export function spaced(name: string): string {
  let s = name.replace(/_/g, ' ');
  const dots = (s.match(/\./g) ?? []).length;
  if (dots >= 2 || (dots === 1 && !/\s/.test(s))) {
    // Acronyms keep their dots (`S.W.A.T.2017` -> `S.W.A.T. 2017`); every other dot is a space.
    s = s
      .split(/((?<![\p{L}\d])(?:\p{L}\.){2,}(?:\p{L}(?![\p{L}\d]))?)/u)
      .map((part, i) => (i % 2 ? `${part} ` : part.replace(/\./g, ' ')))
      .join('');
  }
  return s.replace(/\s+/g, ' ').trim();
}

/** A web site leading a name (`www.Torrenting.com - Movie`, `[.www.site.com.].-.Show`). */
export function stripWebsite(name: string): string {
  return name.replace(/^\s*[[(【]?\s*\.?(?:www\.)[^\s\]】)]+\.?\s*[\])】]?\s*[-.:\s]*/i, '');
}

const allTags = (text: string) => {
  const words = tokens(text);
  return words.length > 0 && words.every((w) => isSoftTag(w.text) || CRC.test(w.text));
};

/** Leading noise: a web site, release-group brackets, a `yymmdd` stamp, tags (`HD 720p:`). */
export function stripLeadingNoise(name: string): { name: string; group: string | null } {
  let s = name;
  let group: string | null = null;
  // Release groups in brackets at the start (`[HorribleSubs] `, `【DHR百合組】`), then any brackets of tags (`[BD][1080p]`).
  for (let first = true; ; first = false) {
    const m = /^\s*(?:\[([^\]]*)\]|【([^】]*)】)\s*[-.]?\s*/.exec(s);
    if (!m) break;
    const inner = (m[1] ?? m[2] ?? '').trim();
    const rest = s.slice(m[0].length);
    if (!/[\p{L}\p{N}]/u.test(rest)) break; // the whole name is bracketed: keep it
    if (!first && !allTags(inner)) break;
    if (!allTags(inner)) group ??= inner || null;
    s = rest;
  }
  s = s.replace(/^\d{6}\s+(?=\D)/, ''); // `221208 Show ep34`: a broadcast date stamp
  s = s.replace(/^\(\d{1,2}\)\s*/, ''); // `(1)The Girl With...`: a position in a set
  // Leading tags before `:` or ` - ` (`HD 720p: Name`, `Fr - Name`), or hard tags alone (`h265 HEVC Name`).
  const lead = /^((?:[^\s:]+\s+){0,3}[^\s:]+)\s*(?::|\s-\s)\s*/.exec(s);
  if (lead && allTags(lead[1]!) && /[\p{L}\p{N}]/u.test(s.slice(lead[0].length))) s = s.slice(lead[0].length);
  for (;;) {
    const m = /^\s*([^\s:]+)\s*-?\s*/.exec(s);
    if (!m || !m[1] || !isHardTag(m[1].replace(/[[\]()]/g, ''))) break;
    const rest = s.slice(m[0].length);
    if (!/[\p{L}\p{N}]/u.test(rest)) break;
    s = rest;
  }
  return { name: s.trim(), group };
}

interface Token {
  text: string;
  start: number;
  end: number;
  /** Inside (...), [...] or {...}. */
  bracket: { open: number; close: number } | null;
}

/** Words with their positions; bracket groups keep their extent so a tag inside one cuts at the bracket. */
export function tokens(s: string): Token[] {
  // Matching brackets first (one pass with a stack), then the innermost open bracket at each word.
  const closeOf = new Map<number, number>();
  const stack: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ('([{【'.includes(c)) stack.push(i);
    else if (')]}】'.includes(c) && stack.length) closeOf.set(stack.pop()!, i);
  }
  const out: Token[] = [];
  const open: number[] = [];
  const re = /[^\s\-[\](){}【】~&+,;:!?"“”/|]+/y;
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if ('([{【'.includes(c)) {
      if (closeOf.has(i)) open.push(i);
      i++;
      continue;
    }
    if (')]}】'.includes(c)) {
      if (open.length && closeOf.get(open[open.length - 1]!) === i) open.pop();
      i++;
      continue;
    }
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) {
      i++;
      continue;
    }
    const top = open[open.length - 1];
    const text = m[0].replace(/^['.]+|['.]+$/g, '');
    if (text)
      out.push({
        text,
        start: i,
        end: i + m[0].length,
        bracket: top === undefined ? null : { open: top, close: closeOf.get(top)! },
      });
    i += m[0].length;
  }
  return out;
}

/** Where the tags start: the first hard tag (or a CRC in brackets), at its bracket's opening when bracketed. */
export function tagStart(s: string, from = 0): number {
  for (const t of tokens(s)) {
    if (t.start < from) continue;
    if (isHardTag(t.text) || (t.bracket && CRC.test(t.text))) {
      const at = t.bracket ? t.bracket.open : t.start;
      return Math.max(at, from);
    }
  }
  return s.length;
}

/** Trims separators and unmatched brackets from both ends. */
export function trimName(s: string): string {
  let out = s.trim();
  for (let i = 0; i < 5; i++) {
    const before = out;
    out = out.replace(/^[\s\-–—:,.~|+/&]+|[\s\-–—:,~|+/&]+$/g, '');
    out = out.replace(/\s*[([{【]\s*$/, '').replace(/^\s*[)\]}】]\s*/, '');
    // An opening bracket never closed (`La petite bande (Michel Deville -`): drop from it.
    const open = lastUnclosed(out);
    if (open > 0) out = out.slice(0, open);
    else if (open === 0) out = out.slice(1);
    out = out.replace(/\(\s*\)|\[\s*\]|\{\s*\}/g, ' ').replace(/\s+/g, ' ');
    if (out === before) break;
  }
  return out.trim();
}

function lastUnclosed(s: string): number {
  const stack: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ('([{【'.includes(c)) stack.push(i);
    else if (')]}】'.includes(c)) stack.pop();
  }
  return stack.length ? stack[stack.length - 1]! : -1;
}

/** Removes bracket groups that hold only tags (`(BluRay)`, `[1080p HEVC]`, `[R][Action, Horror]` stays). */
export function dropTagBrackets(s: string): string {
  return s.replace(/[([{]([^()[\]{}]*)[)\]}]/g, (whole, inner: string) => {
    const words = tokens(inner);
    return words.length && words.every((w) => isSoftTag(w.text) || CRC.test(w.text)) ? ' ' : whole;
  });
}

/** Drops tag words from the end of a name (`Der Movie James German` -> `Der Movie James`), collecting editions. */
export function trimTrailingTags(s: string, editions: string[]): string {
  let out = trimName(s);
  for (;;) {
    const ed = trailingEdition(out);
    if (ed) {
      editions.unshift(ed.label);
      out = trimName(out.slice(0, ed.at));
      continue;
    }
    const m = /(^|[\s\-.([])([^\s\-.([\])]+)[)\]]?$/.exec(out);
    if (!m || !m[2] || !isSoftTag(m[2]) || m.index === 0) break;
    out = trimName(out.slice(0, m.index + m[1]!.length));
  }
  return out;
}

/** Drops only edition words from the end of a name (`Aliens SE` -> `Aliens`, edition Special Edition). */
export function trimTrailingEditions(s: string, editions: string[]): string {
  let out = trimName(s);
  for (let ed = trailingEdition(out); ed; ed = trailingEdition(out)) {
    editions.unshift(ed.label);
    out = trimName(out.slice(0, ed.at));
  }
  return out;
}

function trailingEdition(s: string): { label: string; at: number } | null {
  const words = [...s.matchAll(/(?<=^|[\s([])\S/g)].map((m) => m.index);
  for (let k = Math.max(0, words.length - 3); k < words.length; k++) {
    const at = words[k]!;
    if (at === 0) continue;
    const ed = editionAt(s, at);
    if (ed && trimName(s.slice(at + ed.length)) === '') return { label: ed.label, at };
  }
  return null;
}

/** Every edition written anywhere in `s` (after the name), in order, without repeats. */
export function findEditions(s: string): string[] {
  const found: string[] = [];
  for (const m of s.matchAll(/(?<=^|[\s.\-([_])\S/g)) {
    const ed = editionAt(s, m.index);
    if (ed && !found.includes(ed.label)) found.push(ed.label);
  }
  return found;
}

/** Moves a trailing article to the front (`Simpsons, The` -> `The Simpsons`). */
export function uninvert(name: string): string {
  const m = /^(.+?),\s*(the|a|an|le|la|les|der|die|das|el|il)$/i.exec(name);
  return m ? `${m[2]} ${m[1]}` : name;
}

/** A trailing `(2019)`/`2019` becomes the year; a trailing non-year `(...)` (`(US)`, `(Minisodes)`) is dropped. */
export function splitTrailingYear(name: string): { name: string; year: number | null } {
  let s = trimName(name);
  let year: number | null = null;
  const m = /^(.+?)[\s.(\[]+(\d{4})[)\]]?$/.exec(s);
  if (m && isYear(Number(m[2])) && /[\p{L}\p{N}]/u.test(m[1]!)) {
    year = Number(m[2]);
    s = trimName(m[1]!);
  }
  // `(Minisodes)` goes; a country (`The Office (US)`) stays, it tells two shows apart.
  const paren = /^(.+?)\s*\(([^()]*)\)$/.exec(s);
  if (paren && /[\p{L}\p{N}]/u.test(paren[1]!) && !/^(US|UK|GB|AU|NZ|CA|IE)$/i.test(paren[2]!.trim())) s = trimName(paren[1]!);
  if (year === null) {
    const again = /^(.+?)\s*\((\d{4})\)$/.exec(s);
    if (again && isYear(Number(again[2]))) {
      year = Number(again[2]);
      s = trimName(again[1]!);
    }
  }
  return { name: s, year };
}

/** A readable name: tags cut, brackets of tags dropped, separators trimmed, article put back. */
export function cleanName(raw: string): string {
  const editions: string[] = [];
  let s = dropTagBrackets(raw);
  s = s.slice(0, tagStart(s));
  s = trimTrailingTags(s, editions);
  return uninvert(trimName(s.replace(/\s+/g, ' ')));
}

/**
 * A file name that says nothing: hashes, UUIDs, obfuscated release names
 * (`c329b27187d44a94b4a25b21502db552`, `76El6LcgLzqb426WoVFg1vVVVGx4uCYopQkfjmLe`).
 */
export function looksObfuscated(stem: string): boolean {
  if (/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(stem)) return true;
  for (const word of stem.split(/[^\p{L}\p{N}]+/u)) {
    if (/^s?\d{1,4}(?:[ex]\d{1,4})+$/i.test(word)) continue; // `2009x03x04x15`: episode numbers
    if (/^[0-9a-f]{24,}$/i.test(word)) return true;
    if (word.length >= 12 && /\d/.test(word) && /[a-z]/i.test(word)) {
      const switches = word.match(/(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/gi)?.length ?? 0;
      if (switches >= 4) return true;
    }
  }
  return !/\p{L}/u.test(stem) && /\d{5,}/.test(stem);
}

/** Case- and accent-free form (punctuation kept). */
export function foldText(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Case-, accent- and punctuation-free form, for comparing names. */
export function nameKey(s: string): string {
  return foldText(s).replace(/[^\p{L}\p{N}]+/gu, '');
}
