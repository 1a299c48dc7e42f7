import assert from 'node:assert/strict';
import { parseMediaPath } from '../server/sources/filesystem/naming/parsePath.js';
import { caseFiles, loadCases, pct, scoreCases, scoreTable } from './support/namingCases.js';

/**
 * The folder scanner's naming rules against every case in shared/fixtures/naming/cases.json
 * (Jellyfin, Sonarr, Radarr, guessit, ErsatzTV and Tunarr test suites). Targets from issue #12:
 * the README's forms all right, category b at least 95% with every subcategory above 85%,
 * no extra or junk file catalogued as content; category c is reported.
 */
describe('naming: cases.json', () => {
  const cases = loadCases();

  it('finds the cases', () => {
    assert.ok(caseFiles().length > 0, 'shared/fixtures/naming/cases.json not found (set RETROVUE_NAMING_CASES)');
    assert.ok(cases.length > 0);
  });

  it('meets the targets on every case', function () {
    const scores = scoreCases(cases, parseMediaPath);
    const failures = scores.failures.map((f) => `  [${f.c.category}] ${f.c.path}: ${f.why.join('; ')}`);
    if (process.env.RETROVUE_NAMING_REPORT) console.log(`${scoreTable(scores)}\n${failures.join('\n')}`);
    const a = scores.byCategory.get('a');
    const b = scores.byCategory.get('b');
    assert.ok(a && b, 'categories a and b present');
    const aFailures = scores.failures.filter((f) => f.c.category === 'a').map((f) => `${f.c.path}: ${f.why.join('; ')}`);
    assert.deepEqual(aFailures, [], 'the README forms are all read right');
    assert.ok(pct(b) >= 95, `category b ${pct(b).toFixed(1)}% (target 95%)`);
    for (const [name, s] of scores.bySubcategory)
      if (s.category === 'b') assert.ok(pct(s) > 85, `${name}: ${pct(s).toFixed(1)}% (target above 85%)`);
    assert.equal(scores.extrasCatalogued, 0, 'extras and junk catalogued as content');
    const c = scores.byCategory.get('c');
    if (c) this.test!.title += ` (a ${pct(a).toFixed(1)}%, b ${pct(b).toFixed(1)}%, c ${pct(c).toFixed(1)}%)`;
  });
});

describe('naming: rules', () => {
  const parse = (p: string) => parseMediaPath(p);

  it('reads a multi-episode file as one range', () => {
    assert.deepEqual(
      { ...parse('Show/Season 01/Show - S01E01-E03 - Pilot.mkv'), path: undefined },
      { path: undefined, kind: 'episode', show: 'Show', season: 1, episode: 1, episodeEnd: 3, episodeTitle: 'Pilot' },
    );
    assert.equal(parse('Show.Name.1x02.1x03.HDTV.mkv').episodeEnd, 3);
  });

  it('keeps extras out, even inside a show or named like an episode', () => {
    assert.equal(parse('Show/Season 1/Show - S01E01-sample.mkv').kind, 'extra');
    assert.equal(parse('Movie (2020)/trailers/Teaser.mkv').kind, 'extra');
    assert.equal(parse('Movie (2020)/Movie (2020)-behindthescenes.mkv').extraType, 'behindthescenes');
    // An episode marker wins over a folder that happens to be called Extras.
    assert.equal(parse('Extras/Extras S01E01.mkv').kind, 'episode');
  });

  it('takes provider ids out of names', () => {
    const r = parse('The Matrix (1999) {tmdb-603} [imdbid-tt0133093]/The Matrix (1999).mkv');
    assert.deepEqual([r.title, r.year, r.providerIds], ['The Matrix', 1999, { tmdb: '603', imdb: 'tt0133093' }]);
    assert.deepEqual(parse('Show {tvdb-81189}/Season 1/S01E01.mkv').providerIds, { tvdb: '81189' });
  });

  it('keeps editions and parts apart from the name', () => {
    const r = parse('Blade Runner (1982) {edition-Final Cut}/Blade Runner (1982) {edition-Final Cut} - cd2.mkv');
    assert.deepEqual([r.title, r.year, r.edition, r.part], ['Blade Runner', 1982, 'Final Cut', 2]);
    assert.deepEqual(
      [parse('Aliens.1986.Extended.1080p.mkv').edition, parse('Aliens.1986.Extended.1080p.mkv').title],
      ['Extended', 'Aliens'],
    );
  });

  it('reads years before 1900 and names without a year', () => {
    assert.deepEqual(
      [parse('Le Voyage dans la Lune (1896).mkv').year, parse('Le Voyage dans la Lune (1896).mkv').title],
      [1896, 'Le Voyage dans la Lune'],
    );
    assert.deepEqual([parse('Nosferatu/Nosferatu.mkv').kind, parse('Nosferatu/Nosferatu.mkv').title], ['movie', 'Nosferatu']);
  });

  it('dates, absolute numbers and season folders', () => {
    assert.equal(parse('The Daily Show/The.Daily.Show.2014.10.31.720p.mkv').airDate, '2014-10-31');
    assert.deepEqual(
      [parse('[Group] Show - 107 [1080p].mkv').absolute, parse('[Group] Show - 107 [1080p].mkv').show],
      [107, 'Show'],
    );
    assert.deepEqual([parse('Show/Season 02/03 - Name.mkv').season, parse('Show/Season 02/03 - Name.mkv').episode], [2, 3]);
    assert.deepEqual([parse('Show/Specials/Show - S00E02.mkv').season, parse('Show/Season 0/Show 0x02.mkv').season], [0, 0]);
  });

  it('keeps non-Latin names', () => {
    assert.equal(parse('乃木坂工事中/乃木坂工事中 ep389.mp4').show, '乃木坂工事中');
    assert.equal(parse('Амели (2001)/Амели (2001).mkv').title, 'Амели');
  });

  it('ignores what is not video and says why a name is unknown', () => {
    assert.equal(parse('Movie (2020)/movie.nfo').kind, 'ignored');
    assert.equal(parse('.hidden/Movie (2020).mkv').kind, 'ignored');
    const junk = parse('c329b27187d44a94b4a25b21502db552.mkv');
    assert.equal(junk.kind, 'unknown');
    assert.match(junk.reason ?? '', /c329b27187d44a94b4a25b21502db552\.mkv/);
    assert.match(parse('Show/Season 1/Bonus Material.mkv').reason ?? '', /Bonus Material\.mkv/);
  });

  it('scans real extensions: .ogm, .mk3d, .m2ts', () => {
    for (const ext of ['ogm', 'mk3d', 'm2ts', 'mts']) assert.equal(parse(`Movie (2020)/Movie (2020).${ext}`).kind, 'movie', ext);
  });
});
