import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalFileUri } from '../server/domain/fileUri.js';
import { IngestItem } from '../server/domain/items.js';
import { containerOf, parsePlexBody, validateItems, validateSections } from '../server/sources/plex/api.js';
import { idsOf, parseGuid } from '../server/sources/plex/guids.js';
import {
  episodeItem,
  metadataOf,
  movieItem,
  plexUri,
  showTitle,
  versionOf,
  type ItemContext,
} from '../server/sources/plex/items.js';
import { emptyMarkerStats, markersOf } from '../server/sources/plex/markers.js';
import { sampleLibrary, startFakePlex, type FakePlex } from './support/fakePlex.js';

const fixture = (name: string) => fs.readFileSync(path.resolve(import.meta.dirname, 'fixtures', 'plex', name), 'utf8');
const read = (name: string, type: string) => containerOf(parsePlexBody(fixture(name), type))!;

describe('Plex responses at the boundary (captured from real servers: test/fixtures/plex/README.md)', () => {
  const ctx = (): ItemContext => ({
    collectionId: 'c1',
    machineIdentifier: null,
    uriOf: plexUri(() => null),
    markers: emptyMarkerStats(),
  });

  it('reads an episode in full: legacy agent ids, markers with final, untitled chapters, the last 1 ms past the media', () => {
    const container = read('metadata-episode-markers-chapters.json', 'application/json');
    assert.equal(container.totalSize, undefined, 'no paging fields on an unpaged answer');
    const { items, rejected } = validateItems(container.Metadata);
    assert.deepEqual(rejected, []);
    const episode = items[0]!;
    assert.deepEqual(
      [episode.ratingKey, episode.title, episode.parentIndex, episode.index, episode.updatedAt],
      ['44547', 'Currahee', 1, 1, 1627400191],
    );
    assert.deepEqual(idsOf(episode), {
      plexGuid: 'com.plexapp.agents.thetvdb://74205/1/1',
      external: { tvdb: '74205/1/1' },
    });
    const stats = emptyMarkerStats();
    const markers = markersOf(episode, 4_393_389, stats);
    assert.deepEqual(
      markers.filter((m) => m.kind !== 'chapter').map((m) => [m.kind, m.startMs, m.endMs, m.payload]),
      [
        ['credits', 4_176_050, 4_393_389, { final: true }],
        ['intro', 96_192, 240_386, null],
      ],
    );
    const chapters = markers.filter((m) => m.kind === 'chapter');
    assert.equal(chapters.length, 11);
    assert.deepEqual(chapters[0]!.payload, { title: null, index: 1 });
    assert.equal(chapters.at(-1)!.endMs, 4_393_389, 'clamped to the duration');
    assert.equal(stats.clamped, 1);
    assert.deepEqual(stats.dropped, {});
    // Scheduler metadata from the item's own answer.
    const item = episodeItem(episode, showTitle(episode, ctx()), episode, ctx(), true)!;
    assert.equal(item.episode!.contentRating, 'TV-MA');
    assert.equal(item.episode!.originallyAvailableAt, '2001-09-09');
    assert.match(item.episode!.summary!, /^Easy Company is introduced/);
    assert.equal(item.assets[0]!.size, 21_840_734_461, 'sizes above 2^32');
  });

  it("takes every genre from an item's own metadata, and none from a listing (which carries the first two)", () => {
    const movie = validateItems(read('metadata-movie.json', 'application/json').Metadata).items[0]!;
    assert.deepEqual(metadataOf(movie, true), {
      genres: ['Romance', 'Musical', 'Fantasy', 'Drama', 'Family'],
      contentRating: 'PG',
      summary: movie.summary,
      originallyAvailableAt: '2024-11-20',
      studio: 'Universal Pictures',
    });
    const show = validateItems(read('metadata-show.json', 'application/json').Metadata).items[0]!;
    const title = showTitle(show, ctx(), true);
    assert.deepEqual(
      [title.name, title.genres, title.contentRating, title.studio, title.originallyAvailableAt],
      ['Better Call Saul', ['Crime', 'Drama'], 'TV-MA', 'Sony Pictures Television', '2015-02-08'],
    );
    const listed = validateItems(read('section-all-shows-legacy.json', 'application/json').Metadata).items;
    assert.ok(listed.every((s) => s.Genre.length <= 2));
    const fromListing = showTitle(listed[0]!, ctx());
    assert.equal(fromListing.genres, undefined, 'a listing never replaces the full genre list');
    assert.deepEqual(
      [fromListing.name, fromListing.contentRating, fromListing.studio, fromListing.externalIds],
      ['07-Ghost', 'TV-PG', 'CTC (JA)', { tvdb: '88651' }],
    );
  });

  it('ignores a date that is no calendar day (2005-02-30), keeping the item', () => {
    const movie = read('metadata-movie.json', 'application/json').Metadata[0] as Record<string, unknown>;
    for (const [given, kept] of [
      ['2005-02-30', undefined],
      ['2005-13-01', undefined],
      ['2004-02-29', '2004-02-29'],
    ] as const) {
      const { items, rejected } = validateItems([{ ...movie, originallyAvailableAt: given }]);
      assert.deepEqual(rejected, []);
      const item = movieItem(items[0]!, ctx(), true)!;
      assert.equal(item.title!.originallyAvailableAt, kept, given);
      assert.ok(IngestItem.safeParse(item).success, `${given}: the item is still one the core takes`);
    }
  });

  it('keeps every part of multi-part media, a part without duration unknown, and picks the larger frame first', () => {
    const container = read('section-all-movies-multipart.json', 'application/json');
    assert.deepEqual([container.size, container.totalSize, container.offset], [3, 341, 0], 'a paged answer');
    const movies = validateItems(container.Metadata).items;
    const careBears = movieItem(movies[0]!, ctx(), false)!;
    const version = careBears.assets[0]!;
    assert.deepEqual(
      [version.uri, version.durationMs, version.parts!.map((p) => [p.uri.split('/').pop(), p.size, p.durationMs])],
      [
        'file:///Movies/Care%20Bears%20Movie%20II%20A%20New%20Generation%20(1986)/Care%20Bears%20Movie%20II%20A%20New%20Generation%20(1986).part1.mkv',
        26_527,
        [
          ['Care%20Bears%20Movie%20II%20A%20New%20Generation%20(1986).part2.mkv', 389_591_971, null],
          ['Care%20Bears%20Movie%20II%20A%20New%20Generation%20(1986).part3.mkv', 389_591_971, null],
          ['Care%20Bears%20Movie%20II%20A%20New%20Generation%20(1986).part4.mkv', 389_591_973, null],
        ],
      ],
    );
    const indy = movieItem(movies[1]!, ctx(), false)!;
    assert.deepEqual(
      indy.assets.map((a) => [a.canonical, (a.parts ?? []).length + 1]),
      [
        [true, 1],
        [false, 2],
      ],
      'two versions: the 4K file first, then one in two parts',
    );
  });

  it('reads legacy agents without ids, Windows paths and sizes above 2^32', () => {
    const movies = validateItems(read('section-all-movies-legacy-none.json', 'application/json').Metadata).items;
    assert.deepEqual(idsOf(movies[1]!), { plexGuid: null, external: {} });
    const item = movieItem(movies[1]!, ctx(), false)!;
    assert.equal(
      item.assets[0]!.uri,
      'file:///P:/concerts/Metallica%20-%20Live%20At%20Tushino%20Air%20Field,%20Moscow,%20Russia%20(28-09-1991).mkv',
    );
    assert.equal(item.assets[0]!.size, 10_166_358_684);
  });

  it('reads a section-wide episode listing with Guid[]; an episode without updatedAt is versioned by addedAt', () => {
    const container = read('section-all-episodes-type4.json', 'application/json');
    const episodes = validateItems(container.Metadata).items;
    assert.deepEqual(
      episodes.map((e) => [e.ratingKey, e.grandparentRatingKey, versionOf(e)]),
      [
        ['45522', '45520', '1633811171|'],
        ['45524', '45520', '1644710590|'],
        ['48049', '45520', '1672202197|'],
      ],
    );
    assert.deepEqual(idsOf(episodes[0]!), {
      plexGuid: 'plex://episode/5f68d2a93109960041ef8aed',
      external: { imdb: 'tt13015952', tmdb: '2434012', tvdb: '7945991' },
    });
    assert.deepEqual(metadataOf(episodes[0]!, false), {
      contentRating: 'TV-MA',
      summary: episodes[0]!.summary,
      originallyAvailableAt: '2020-12-10',
    });
  });

  it('reads XML as Plex writes it: attributes as strings, tags as child elements', () => {
    const container = read('section-all-movie.xml', 'text/xml;charset=utf-8');
    const movie = validateItems(container.Metadata).items[0]!;
    assert.deepEqual(
      [movie.ratingKey, movie.title, movie.year, movie.duration, movie.Media[0]!.Part[0]!.size],
      ['1049', 'Zoolander', 2001, 5_129_000, 4_208_219_125],
    );
    assert.deepEqual(metadataOf(movie, true), {
      genres: ['Comedy'],
      contentRating: 'PG-13',
      summary: 'FunnyStuff',
      originallyAvailableAt: '2001-09-27',
      studio: 'Paramount Pictures',
    });
    assert.equal(movieItem(movie, ctx(), false)!.assets[0]!.uri, 'file:///O:/fatboy/Media/Ripped/Movies/Zoolander%20(2001).mkv');
  });

  it('reads sections and the server identity', () => {
    const sections = validateSections(read('sections.json', 'application/json').Directory);
    assert.deepEqual(
      sections.map((s) => [s.key, s.type, s.title, s.Location.map((l) => l.path)]),
      [
        ['7', 'movie', 'Kids Movies', ['/KidsMovies']],
        ['13', 'movie', 'Kids Movies NL', ['/KidsMoviesNL']],
        ['1', 'movie', 'Movies', ['/Movies']],
      ],
    );
    assert.equal(read('identity.json', 'application/json').machineIdentifier, '96f2fe7a78c9dc1f16a16bedbe90f98149be16b4');
  });

  it('refuses a bad item with its ratingKey and reason, and keeps the rest of the page', () => {
    const real = JSON.parse(fixture('section-all-episodes-type4.json')) as { MediaContainer: { Metadata: object[] } };
    const [good, a, b] = real.MediaContainer.Metadata as Array<Record<string, unknown>>;
    const { items, rejected } = validateItems([good, { ...a, title: ' ' }, { ...b, year: 19970, Media: [] }]);
    assert.deepEqual(
      items.map((i) => i.ratingKey),
      ['45522'],
    );
    assert.deepEqual(
      rejected.map((r) => r.ratingKey),
      ['45524', '48049'],
    );
    assert.match(rejected[0]!.reason, /title: no title/);
    assert.match(rejected[1]!.reason, /absurd year 19970/);
    assert.match(rejected[1]!.reason, /no Media/);
  });

  it('keeps numeric-looking titles as text and tells XML from JSON without a content type', () => {
    const xml =
      '<MediaContainer size="1"><Video ratingKey="7" type="movie" title="1984" year="1984"><Media><Part file="/m/1984.mkv" size="1"/></Media></Video></MediaContainer>';
    const item = validateItems(containerOf(parsePlexBody(xml, null))!.Metadata).items[0]!;
    assert.equal(item.title, '1984');
    assert.equal(item.year, 1984);
    assert.equal(containerOf(parsePlexBody('{"MediaContainer":{"size":0}}', null))!.size, 0);
  });

  it('parses every guid form Plex uses', () => {
    const cases: Array<[string, { provider: string; key: string } | null]> = [
      ['tmdb://603', { provider: 'tmdb', key: '603' }],
      ['tvdb://74205', { provider: 'tvdb', key: '74205' }],
      ['imdb://tt0185906', { provider: 'imdb', key: 'tt0185906' }],
      ['com.plexapp.agents.thetvdb://74205/1/1?lang=en', { provider: 'tvdb', key: '74205/1/1' }],
      ['com.plexapp.agents.imdb://tt0185906?lang=en', { provider: 'imdb', key: 'tt0185906' }],
      ['com.plexapp.agents.themoviedb://603?lang=en', { provider: 'tmdb', key: '603' }],
      ['local://12345', null],
      ['com.plexapp.agents.none://12345', null],
      ['plex://movie/5d776826880197001ec90ca5', null],
    ];
    for (const [guid, expected] of cases) assert.deepEqual(parseGuid(guid), expected, guid);
    assert.equal(idsOf({ guid: 'local://12345', Guid: [] }).plexGuid, null);
  });

  it('drops what cannot be stored and counts it by reason', () => {
    const stats = emptyMarkerStats();
    const item = validateItems([
      {
        ratingKey: '1',
        type: 'movie',
        title: 'x',
        Media: [{ Part: [{ file: '/x.mkv' }] }],
        Marker: [
          { type: 'intro', startTimeOffset: 5000, endTimeOffset: 1000 },
          { type: 'credits', startTimeOffset: 0, endTimeOffset: 200_000 },
          { type: 'commercial', startTimeOffset: 10 },
        ],
      },
    ]).items[0]!;
    assert.deepEqual(markersOf(item, 100_000, stats), []);
    assert.deepEqual(stats.dropped, { 'start after end': 1, 'past the duration': 1, 'missing offsets': 1 });
  });

  it('gives local files one canonical uri whatever the source wrote', () => {
    for (const form of [
      '/mnt/tv/Café x.mkv',
      'file:///mnt/tv/Caf%C3%A9%20x.mkv',
      'file://localhost/mnt/tv/Café x.mkv',
      '/mnt//tv/./Cafe\u0301 x.mkv',
    ])
      assert.equal(canonicalFileUri(form), 'file:///mnt/tv/Caf%C3%A9%20x.mkv', form);
    assert.equal(canonicalFileUri('D:\\Media\\TV\\x.mkv'), 'file:///D:/Media/TV/x.mkv');
    assert.equal(canonicalFileUri('http://host/x.mkv'), 'http://host/x.mkv');
  });
});

/**
 * Every field the test server sends that a real capture also has must have the capture's type
 * (string vs number vs boolean, list vs object), at every depth: the fake server must not be kinder
 * than Plex.
 */
function typeMismatches(fake: unknown, real: unknown, at = ''): string[] {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (real === undefined) return [];
  if (kind(fake) !== kind(real)) return [`${at}: ${kind(fake)} where Plex sends ${kind(real)}`];
  if (Array.isArray(fake)) {
    const sample = (real as unknown[])[0];
    return fake.flatMap((f, i) => typeMismatches(f, sample, `${at}[${i}]`));
  }
  if (kind(fake) !== 'object') return [];
  return Object.entries(fake as Record<string, unknown>).flatMap(([k, v]) =>
    typeMismatches(v, (real as Record<string, unknown>)[k], at ? `${at}.${k}` : k),
  );
}

describe('the test Plex server answers in the shapes real servers use', () => {
  let plex: FakePlex;
  before(async () => {
    plex = await startFakePlex(sampleLibrary());
  });
  after(() => plex.close());

  const get = async (path: string, accept = 'application/json') => {
    const response = await fetch(plex.url + path, {
      headers: { 'X-Plex-Token': plex.token, Accept: accept, 'X-Plex-Container-Start': '0', 'X-Plex-Container-Size': '50' },
    });
    return { type: response.headers.get('content-type'), body: await response.text() };
  };
  const captured = (name: string) => JSON.parse(fixture(name)) as { MediaContainer: Record<string, unknown> };

  it('JSON: the same field types as the captures', async () => {
    const cases: Array<[string, string]> = [
      ['/identity', 'identity.json'],
      ['/library/sections', 'sections.json'],
      ['/library/sections/2/all?includeGuids=1', 'section-all-movies-multipart.json'],
      ['/library/sections/1/all?includeGuids=1', 'section-all-shows-legacy.json'],
      ['/library/sections/1/all?type=4&includeGuids=1', 'section-all-episodes-type4.json'],
      ['/library/metadata/101?includeMarkers=1&includeChapters=1&includeGuids=1', 'metadata-episode-markers-chapters.json'],
      ['/library/metadata/100?includeGuids=1', 'metadata-show.json'],
      ['/library/metadata/200?includeMarkers=1&includeChapters=1&includeGuids=1', 'metadata-movie.json'],
    ];
    for (const [path, name] of cases) {
      const fake = JSON.parse((await get(path)).body) as unknown;
      assert.deepEqual(typeMismatches(fake, captured(name)), [], `${path} against ${name}`);
    }
    // Chapters and markers as the episode capture has them (the movie capture has none).
    const episode = JSON.parse((await get('/library/metadata/200?includeMarkers=1&includeChapters=1')).body) as unknown;
    assert.deepEqual(typeMismatches(episode, captured('metadata-episode-markers-chapters.json')), []);
  });

  it('XML by default, in the forms of the XML capture, read back the same as JSON', async () => {
    const xml = await get('/library/sections/2/all?includeGuids=1', '*/*');
    assert.match(xml.type!, /xml/);
    assert.match(xml.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<MediaContainer /);
    assert.match(xml.body, /<Video ratingKey="200" [^>]*year="1982"/);
    assert.match(xml.body, /<Genre [^>]*tag="Horror" \/>/);
    const json = await get('/library/sections/2/all?includeGuids=1');
    const fromXml = validateItems(containerOf(parsePlexBody(xml.body, xml.type))!.Metadata);
    const fromJson = validateItems(containerOf(parsePlexBody(json.body, json.type))!.Metadata);
    assert.deepEqual(fromXml, fromJson);
  });
});
