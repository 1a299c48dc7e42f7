import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlexMetadata, PlexSection } from '../../server/sources/plex/client.js';

/**
 * A local HTTP server answering like a Plex Media Server: JSON MediaContainers, the token in
 * X-Plex-Token, paging through X-Plex-Container-Start/-Size, plus failures on demand.
 */
export interface FakePlexLibrary {
  sections: PlexSection[];
  /** Shows and movies by section key. */
  items: Record<string, PlexMetadata[]>;
  /** Episodes by show ratingKey. */
  leaves: Record<string, PlexMetadata[]>;
}

export interface FakePlex {
  url: string;
  token: string;
  library: FakePlexLibrary;
  /** Requests seen, as `path?query` with the paging window. */
  requests: Array<{ path: string; start: number | null; size: number | null }>;
  /** Answer the next N requests with this status. */
  failNext(count: number, status: number): void;
  /** Answer the next N requests only after this delay. */
  slowNext(count: number, delayMs: number): void;
  close(): Promise<void>;
}

export async function startFakePlex(library: FakePlexLibrary, token = 'plex-secret-token', port = 0): Promise<FakePlex> {
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  let slow: { count: number; delayMs: number } = { count: 0, delayMs: 0 };
  const requests: FakePlex['requests'] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://plex');
    const start = req.headers['x-plex-container-start'];
    const size = req.headers['x-plex-container-size'];
    requests.push({ path: url.pathname, start: start ? Number(start) : null, size: size ? Number(size) : null });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-plex-token'] !== token) return send(401, { error: 'Unauthorized' });
    if (slow.count > 0) {
      slow.count--;
      const timer = setTimeout(() => send(200, { MediaContainer: { size: 0 } }), slow.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (failures.count > 0) {
      failures.count--;
      return send(failures.status, { error: 'injected failure' }, failures.status === 429 ? { 'retry-after': '0' } : {});
    }
    const page = (all: PlexMetadata[]) => {
      const from = start ? Number(start) : 0;
      const items = size ? all.slice(from, from + Number(size)) : all.slice(from);
      return { MediaContainer: { size: items.length, totalSize: all.length, offset: from, Metadata: items } };
    };
    let match: RegExpExecArray | null;
    if (url.pathname === '/library/sections') {
      return send(200, { MediaContainer: { size: library.sections.length, Directory: library.sections } });
    }
    if ((match = /^\/library\/sections\/([^/]+)\/all$/.exec(url.pathname))) {
      return send(200, page(library.items[match[1]!] ?? []));
    }
    if ((match = /^\/library\/metadata\/([^/]+)\/allLeaves$/.exec(url.pathname))) {
      return send(200, page(library.leaves[match[1]!] ?? []));
    }
    if ((match = /^\/library\/metadata\/([^/]+)$/.exec(url.pathname))) {
      const all = [...Object.values(library.items).flat(), ...Object.values(library.leaves).flat()];
      const item = all.find((m) => m.ratingKey === match![1]);
      return item ? send(200, { MediaContainer: { size: 1, Metadata: [item] } }) : send(404, {});
    }
    return send(404, { error: 'not found' });
  });
  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port: listening } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${listening}`,
    token,
    library,
    requests,
    failNext(count, status) {
      failures = { count, status };
    },
    slowNext(count, delayMs) {
      slow = { count, delayMs };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A small Windows-hosted Plex library: one show (2 seasons, 3 episodes, one with two versions) and one movie. */
export function sampleLibrary(): FakePlexLibrary {
  const media = (id: number, file: string, duration: number | undefined, codec = 'h264') => ({
    id,
    duration,
    videoCodec: codec,
    audioCodec: 'aac',
    container: 'mkv',
    Part: [{ id: id * 10, file, size: 1_000_000 + id, duration, container: 'mkv' }],
  });
  const episode = (
    ratingKey: string,
    season: number,
    index: number,
    title: string,
    versions: ReturnType<typeof media>[],
    extra: Partial<PlexMetadata> = {},
  ): PlexMetadata => ({
    ratingKey,
    key: `/library/metadata/${ratingKey}`,
    guid: `plex://episode/${ratingKey}`,
    type: 'episode',
    title,
    index,
    parentIndex: season,
    grandparentTitle: 'Cheers',
    grandparentRatingKey: '100',
    updatedAt: 1_700_000_000,
    Guid: [{ id: `tvdb://${ratingKey}0` }],
    Media: versions,
    Marker: [
      { type: 'intro', startTimeOffset: 1000, endTimeOffset: 30_000 },
      { type: 'credits', startTimeOffset: 1_400_000, endTimeOffset: 1_450_000 },
    ],
    Chapter: [{ tag: 'Act 1', index: 1, startTimeOffset: 0, endTimeOffset: 700_000 }],
    ...extra,
  });
  return {
    sections: [
      { key: '1', type: 'show', title: 'TV Shows', Location: [{ id: 1, path: 'D:\\Media\\TV' }] },
      { key: '2', type: 'movie', title: 'Movies', Location: [{ id: 2, path: 'D:\\Media\\Movies' }] },
      { key: '3', type: 'artist', title: 'Music', Location: [{ id: 3, path: 'D:\\Media\\Music' }] },
    ],
    items: {
      '1': [
        {
          ratingKey: '100',
          guid: 'plex://show/100',
          type: 'show',
          title: 'Cheers',
          year: 1982,
          updatedAt: 1_700_000_000,
          Guid: [{ id: 'tmdb://3943' }, { id: 'tvdb://77623' }, { id: 'imdb://tt0083399' }],
        },
      ],
      '2': [
        {
          ratingKey: '200',
          guid: 'plex://movie/200',
          type: 'movie',
          title: 'The Thing',
          year: 1982,
          updatedAt: 1_700_000_000,
          Guid: [{ id: 'tmdb://1091' }, { id: 'imdb://tt0084787' }],
          Media: [media(20, 'D:\\Media\\Movies\\The Thing (1982)\\The Thing (1982).mkv', 6_540_000)],
          Marker: [{ type: 'credits', startTimeOffset: 6_300_000, endTimeOffset: 6_540_000 }],
        },
      ],
    },
    leaves: {
      '100': [
        episode('101', 1, 1, 'Give Me a Ring Sometime', [
          media(1, 'D:\\Media\\TV\\Cheers\\Season 01\\Cheers - S01E01.mkv', 1_500_000),
          media(2, 'D:\\Media\\TV\\Cheers\\Season 01\\Cheers - S01E01 (broadcast).mkv', 1_520_000, 'mpeg2video'),
        ]),
        episode('102', 1, 2, "Sam's Women", [media(3, 'D:\\Media\\TV\\Cheers\\Season 01\\Cheers - S01E02.mkv', 1_480_000)]),
        episode('103', 2, 1, 'Power Play', [media(4, 'D:\\Media\\TV\\Cheers\\Season 02\\Cheers - S02E01.mkv', 1_490_000)]),
      ],
    },
  };
}
