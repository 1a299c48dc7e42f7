/** The bench's Plex library: SHOWS shows x 100 episodes and MOVIES movies, with markers, chapters and metadata. */
import type { FakeItem, FakePlexLibrary } from '../test/support/fakePlex.js';

export function benchLibrary(SHOWS: number, MOVIES: number): FakePlexLibrary {
  const lib: FakePlexLibrary = {
    machineIdentifier: 'bench0000000000000000000000000000000000',
    sections: [
      { key: '1', type: 'show', title: 'TV', Location: [{ id: 1, path: 'D:\\TV' }] },
      { key: '2', type: 'movie', title: 'Movies', Location: [{ id: 2, path: 'D:\\Movies' }] },
    ],
    items: { '1': [], '2': [] },
    leaves: {},
  };
  let rk = 1;
  const markers = (duration: number) => ({
    Marker: [
      { type: 'intro', startTimeOffset: 5000, endTimeOffset: 35_000 },
      { type: 'credits', startTimeOffset: duration - 40_000, endTimeOffset: duration },
    ],
    Chapter: [{ tag: 'Part 1', index: 1, startTimeOffset: 0, endTimeOffset: duration + 1 }],
  });
  // Scheduler metadata as real servers send it (listings show the first two genres only).
  const GENRES = ['Comedy', 'Drama', 'Crime', 'Family', 'Western'];
  const meta = (n: number) => ({
    Genre: [0, 1, 2].map((k) => ({ id: 100 + ((n + k) % 5), filter: `genre=${100 + ((n + k) % 5)}`, tag: GENRES[(n + k) % 5]! })),
    contentRating: n % 2 ? 'TV-PG' : 'PG-13',
    summary: `Summary of item ${n}.`,
    originallyAvailableAt: `${1950 + (n % 70)}-09-30`,
  });
  const file = (path: string, duration: number, id: number) => [
    {
      id,
      duration,
      videoCodec: 'h264',
      audioCodec: 'aac',
      container: 'mkv',
      Part: [{ id, file: path, size: 5_000_000_000 + id, duration }],
    },
  ];
  for (let s = 1; s <= SHOWS; s++) {
    const show: FakeItem = {
      ratingKey: String(rk++),
      guid: `plex://show/bench${s}`,
      type: 'show',
      title: `Bench Show ${s}`,
      year: 1950 + (s % 70),
      updatedAt: 1_700_000_000,
      Guid: [{ id: `tvdb://${s}` }],
      ...meta(s),
      studio: 'NBC',
    };
    lib.items['1']!.push(show);
    const leaves: FakeItem[] = [];
    for (let season = 1; season <= 5; season++)
      for (let e = 1; e <= 20; e++) {
        const id = rk++;
        const duration = 1_320_000 + e * 1000;
        leaves.push({
          ratingKey: String(id),
          guid: `plex://episode/bench${id}`,
          type: 'episode',
          title: `Episode ${e}`,
          index: e,
          parentIndex: season,
          updatedAt: 1_700_000_000,
          duration,
          Guid: [{ id: `tvdb://${id}` }],
          contentRating: 'TV-PG',
          summary: `Episode ${e} of season ${season}.`,
          originallyAvailableAt: `${1950 + (s % 70)}-0${season}-${String(e).padStart(2, '0')}`,
          Media: file(`D:\\TV\\Bench Show ${s}\\Season ${season}\\S${season}E${e}.mkv`, duration, id),
          ...markers(duration),
        });
      }
    lib.leaves[show.ratingKey] = leaves;
  }
  for (let m = 1; m <= MOVIES; m++) {
    const id = rk++;
    const duration = 5_400_000 + m;
    lib.items['2']!.push({
      ratingKey: String(id),
      guid: `plex://movie/bench${m}`,
      type: 'movie',
      title: `Bench Movie ${m}`,
      year: 1950 + (m % 70),
      updatedAt: 1_700_000_000,
      duration,
      Guid: [{ id: `tmdb://${m}` }],
      ...meta(m),
      studio: 'Universal Pictures',
      Media: file(`D:\\Movies\\Bench Movie ${m}.mkv`, duration, id),
      ...markers(duration),
    });
  }
  return lib;
}

/** The "1% touched" edit: every 100th show gets a changed episode (new intro marker), every 100th movie a new updatedAt. */
export function touchLibrary(lib: FakePlexLibrary): void {
  for (const show of lib.items['1']!.filter((_, i) => i % 100 === 0)) {
    show.updatedAt = 1_800_000_000;
    const leaf = lib.leaves[show.ratingKey]![0]!;
    leaf.updatedAt = 1_800_000_000;
    leaf.Marker = [{ type: 'intro', startTimeOffset: 6000, endTimeOffset: 36_000 }];
  }
  for (const movie of lib.items['2']!.filter((_, i) => i % 100 === 0)) movie.updatedAt = 1_800_000_000;
}
