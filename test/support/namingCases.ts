import fs from 'node:fs';
import path from 'node:path';
import { foldText, nameKey, type ParsedPath } from '../../server/sources/filesystem/naming/parsePath.js';

/**
 * The naming cases (shared/fixtures/naming/cases.json, taken from the test suites of Jellyfin,
 * Sonarr, Radarr, guessit, ErsatzTV and Tunarr) and the comparison their README asks for.
 */
export interface NamingCase {
  path: string;
  /** The fields a case states, as a parse names them (`name` is a movie's title; `part`: any part). */
  expect: Pick<
    ParsedPath,
    'show' | 'year' | 'season' | 'episode' | 'episodeEnd' | 'airDate' | 'absolute' | 'episodeTitle' | 'edition'
  > & {
    kind: 'episode' | 'movie' | 'extra' | 'none';
    name?: string;
    nameAlt?: string[];
    part?: boolean;
  };
  category: 'a' | 'b' | 'c';
  subcategory: string;
}

/** `RETROVUE_NAMING_CASES` (files separated by commas), else shared/ beside the repo (or beside its worktree folder). */
export function caseFiles(): string[] {
  const fromEnv = process.env.RETROVUE_NAMING_CASES?.split(',').filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  const root = path.resolve(import.meta.dirname, '../..');
  return [path.join(root, '../shared/fixtures/naming/cases.json'), path.join(root, '../../shared/fixtures/naming/cases.json')]
    .filter((f) => fs.existsSync(f))
    .slice(0, 1);
}

export function loadCases(): NamingCase[] {
  return caseFiles().flatMap((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as NamingCase[]);
}

/** Names compare without case, accents or punctuation; `Show (2019)` may come back as `Show` plus year 2019. */
function sameName(expected: string, got: string | undefined, gotYear: number | undefined): boolean {
  if (got === undefined) return false;
  const [e, g] = [nameKey(expected), nameKey(got)];
  if (e === g) return true;
  if (gotYear !== undefined && e === g + String(gotYear)) return true;
  const withYear = /^(.*?)\s*\((\d{4})\)\s*$/.exec(expected);
  return !!withYear && nameKey(withYear[1]!) === g && (gotYear === undefined || gotYear === Number(withYear[2]));
}

/** Edition words without `edition`/`cut`/`version` and plurals: `Director's Cut` = `DC` read as Director's Cut. */
function editionWords(s: string | undefined): Set<string> {
  return new Set(
    foldText(s ?? '')
      .replace(/'s\b/g, '')
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w && !['edition', 'cut', 'version', 's'].includes(w))
      .map((w) => w.replace(/s$/, '')),
  );
}

/** What is wrong with a parse, field by field (empty when it matches). Only the fields a case states are compared. */
export function mismatches(c: NamingCase, r: ParsedPath): string[] {
  const e = c.expect;
  const out: string[] = [];
  const catalogued = r.kind === 'episode' || r.kind === 'movie';
  if (e.kind === 'none') return catalogued ? [`catalogued as ${r.kind}`] : [];
  if (e.kind === 'extra') return r.kind === 'extra' ? [] : [`kind ${r.kind}`];
  if (r.kind !== e.kind) return [`kind ${r.kind}${r.reason ? ` (${r.reason})` : ''}`];
  if (e.show !== undefined && ![e.show, ...(e.nameAlt ?? [])].some((n) => sameName(n, r.show, r.year)))
    out.push(`show ${JSON.stringify(r.show)}`);
  if (e.name !== undefined && !sameName(e.name, r.title, r.year)) out.push(`name ${JSON.stringify(r.title)}`);
  for (const f of ['year', 'season', 'episode', 'episodeEnd', 'absolute', 'airDate'] as const)
    if (e[f] !== undefined && r[f] !== e[f]) out.push(`${f} ${JSON.stringify(r[f])}`);
  if (e.episodeTitle !== undefined && nameKey(e.episodeTitle) !== nameKey(r.episodeTitle ?? ''))
    out.push(`episodeTitle ${JSON.stringify(r.episodeTitle)}`);
  if (e.edition !== undefined) {
    const [a, b] = [editionWords(e.edition), editionWords(r.edition)];
    if (a.size !== b.size || [...a].some((w) => !b.has(w))) out.push(`edition ${JSON.stringify(r.edition)}`);
  }
  if (e.part === true && r.part === undefined) out.push('part missing');
  return out;
}

export interface Score {
  ok: number;
  total: number;
}

export interface Scores {
  byCategory: Map<string, Score>;
  bySubcategory: Map<string, Score & { category: string }>;
  failures: { c: NamingCase; r: ParsedPath; why: string[] }[];
  /** Extras and junk catalogued as content. */
  extrasCatalogued: number;
}

export function scoreCases(cases: NamingCase[], parse: (p: string) => ParsedPath): Scores {
  const byCategory = new Map<string, Score>();
  const bySubcategory = new Map<string, Score & { category: string }>();
  const failures: Scores['failures'] = [];
  let extrasCatalogued = 0;
  for (const c of cases) {
    const r = parse(c.path);
    const why = mismatches(c, r);
    const cat = byCategory.get(c.category) ?? { ok: 0, total: 0 };
    const sub = bySubcategory.get(c.subcategory) ?? { ok: 0, total: 0, category: c.category };
    byCategory.set(c.category, cat);
    bySubcategory.set(c.subcategory, sub);
    cat.total++;
    sub.total++;
    if (why.length) failures.push({ c, r, why });
    else {
      cat.ok++;
      sub.ok++;
    }
    if ((c.expect.kind === 'extra' || c.expect.kind === 'none') && (r.kind === 'episode' || r.kind === 'movie'))
      extrasCatalogued++;
  }
  return { byCategory, bySubcategory, failures, extrasCatalogued };
}

export const pct = (s: Score) => (100 * s.ok) / s.total;

/** The per-subcategory table, as the README shows it. */
export function scoreTable(scores: Scores): string {
  const rows = [...scores.bySubcategory].sort(([a, x], [b, y]) => x.category.localeCompare(y.category) || a.localeCompare(b));
  const lines = ['| category | subcategory | cases | right | % |', '| --- | --- | ---: | ---: | ---: |'];
  for (const [name, s] of rows) lines.push(`| ${s.category} | ${name} | ${s.total} | ${s.ok} | ${pct(s).toFixed(1)} |`);
  for (const [cat, s] of [...scores.byCategory].sort())
    lines.push(`| **${cat}** | all | ${s.total} | ${s.ok} | **${pct(s).toFixed(1)}** |`);
  return lines.join('\n');
}
