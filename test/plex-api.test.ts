import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalFileUri } from '../server/domain/fileUri.js';
import { containerOf, parsePlexBody, validateItems, validateSections } from '../server/sources/plex/api.js';
import { idsOf, parseGuid } from '../server/sources/plex/guids.js';
import { emptyMarkerStats, markersOf } from '../server/sources/plex/markers.js';

const fixture = (name: string) => fs.readFileSync(path.resolve(import.meta.dirname, 'fixtures', 'plex', name), 'utf8');
const read = (name: string, type: string) => containerOf(parsePlexBody(fixture(name), type))!;

describe('Plex responses at the boundary', () => {
  it('reads an item in full from XML: several parts, sizes above 2^32, markers and chapters', () => {
    const container = read('metadata-multipart-movie.xml', 'text/xml;charset=utf-8');
    assert.equal(container.totalSize, undefined, 'no paging fields on an unpaged answer');
    const { items, rejected } = validateItems(container.Metadata);
    assert.deepEqual(rejected, []);
    const movie = items[0]!;
    assert.deepEqual(
      [movie.ratingKey, movie.title, movie.year, movie.editionTitle],
      ['210', 'Lawrence of Arabia', 1962, 'Restored'],
    );
    assert.deepEqual(
      movie.Media[0]!.Part.map((p) => [p.file, p.size, p.duration]),
      [
        ['D:\\Media\\Movies\\Lawrence of Arabia (1962)\\Lawrence of Arabia - cd1.avi', 4_700_000_000, 7_000_000],
        ['D:\\Media\\Movies\\Lawrence of Arabia (1962)\\Lawrence of Arabia - cd2.avi', 3_900_000_000, undefined],
      ],
    );
    assert.deepEqual(idsOf(movie).external, { imdb: 'tt0056172' });
    const stats = emptyMarkerStats();
    const markers = markersOf(movie, 13_380_000, stats);
    assert.deepEqual(
      markers.map((m) => [m.kind, m.startMs, m.endMs]),
      [
        ['commercial', 6_990_000, 7_010_000],
        ['credits', 13_200_000, 13_380_000],
        ['chapter', 0, 7_000_000],
        ['chapter', 7_000_000, 13_380_000],
      ],
    );
    assert.equal(stats.clamped, 1, 'the chapter ending 1 ms past the film');
  });

  it('reads a legacy-agent listing and refuses its bad item with ratingKey and reason', () => {
    const container = read('allLeaves-legacy-agent.xml', 'text/xml');
    assert.deepEqual([container.totalSize, container.offset], [2, 0]);
    const { items, rejected } = validateItems(container.Metadata);
    assert.equal(items.length, 1);
    assert.equal(items[0]!.title, 'Pokémon – Ich wähle dich!');
    assert.deepEqual(idsOf(items[0]!), { plexGuid: 'com.plexapp.agents.thetvdb://76703/1/1', external: { tvdb: '76703/1/1' } });
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.ratingKey, '152');
    assert.match(rejected[0]!.reason, /title/);
    assert.match(rejected[0]!.reason, /absurd year 19970/);
    assert.match(rejected[0]!.reason, /no Media/);
  });

  it('reads sections from XML and a JSON listing with its Guid[]', () => {
    const sections = validateSections(read('sections.xml', 'text/xml').Directory);
    assert.deepEqual(
      sections.map((s) => [s.key, s.type, s.Location.map((l) => l.path)]),
      [
        ['1', 'show', ['D:\\Media\\TV', '\\\\nas\\tv']],
        ['2', 'movie', ['D:\\Media\\Movies']],
        ['3', 'artist', ['D:\\Media\\Music']],
      ],
    );
    const shows = validateItems(read('section-all-shows.json', 'application/json').Metadata).items;
    assert.deepEqual(
      shows.map((s) => [s.title, s.leafCount, idsOf(s)]),
      [
        [
          'Cheers',
          275,
          { plexGuid: 'plex://show/5d9c086c46115600200aa2fe', external: { imdb: 'tt0083399', tmdb: '3943', tvdb: '77623' } },
        ],
        ['Pokémon', 1, { plexGuid: 'com.plexapp.agents.thetvdb://76703', external: { tvdb: '76703' } }],
      ],
    );
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
