import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MediaBrowserDialect } from '../../server/sources/jellyfin/config.js';

/**
 * A local HTTP server answering like Jellyfin or Emby (one dialect per instance). Shapes follow
 * Jellyfin's OpenAPI document (BaseItemDto, MediaSourceInfo, VirtualFolderInfo, MediaSegmentDto) and
 * real responses: PascalCase keys, 100 ns ticks, Jellyfin's 32-hex ids and 7-digit fraction dates,
 * Emby's numeric ids, `mediasource_<id>` and intro/credits as chapter `MarkerType`s. Optional fields
 * (Path, MediaSources, ProviderIds, Chapters, Etag, DateLastSaved) are sent only when `Fields` asks for
 * them, as the real servers do. Paging by StartIndex/Limit; auth failures, slowness and errors on demand.
 */

export type FakeItem = Record<string, unknown> & { Id?: unknown; Type?: unknown };

export interface FakeMediaBrowserLibrary {
  folders: Array<Record<string, unknown>>;
  /** Every item, with the library (folder ItemId) it belongs to. */
  items: Array<{ library: string; item: FakeItem }>;
  /** Jellyfin media segments by item id. */
  segments: Record<string, Array<{ Type: string; StartTicks: number; EndTicks: number }>>;
}

export interface FakeRequest {
  path: string;
  query: Record<string, string>;
  /** How the key arrived: Jellyfin's Authorization header, Emby's X-Emby-Token, or in the URL (never wanted). */
  auth: 'authorization' | 'x-emby-token' | 'query' | 'none';
}

export interface FakeMediaBrowser {
  dialect: MediaBrowserDialect;
  url: string;
  apiKey: string;
  library: FakeMediaBrowserLibrary;
  requests: FakeRequest[];
  /** Answer the next N requests with this status. */
  failNext(count: number, status: number): void;
  /** Answer the next N requests only after this delay. */
  slowNext(count: number, delayMs: number): void;
  /** Answer the next request with this body instead (a proxy's HTML page, a truncated document). */
  replaceNext(body: string): void;
  /** Find an item by name (for tests that change the library). */
  item(name: string): FakeItem;
  close(): Promise<void>;
}

const ITEM_FIELDS = ['Path', 'MediaSources', 'ProviderIds', 'Chapters', 'Etag', 'DateLastSaved', 'DateCreated'];

/** Names Jellyfin's `ItemFields` and `ItemSortBy` enums accept (a subset of each, from its OpenAPI document): others get a 400. */
const JELLYFIN_FIELDS = new Set([
  ...ITEM_FIELDS,
  'ParentId',
  'Genres',
  'Overview',
  'People',
  'Studios',
  'Tags',
  'SortName',
  'MediaStreams',
  'ChildCount',
  'RecursiveItemCount',
  'DateLastRefreshed',
  'DateLastMediaAdded',
  'OriginalTitle',
  'ExternalUrls',
  'Width',
  'Height',
]);
const JELLYFIN_SORT_BY = new Set([
  'Default',
  'SortName',
  'Name',
  'DateCreated',
  'PremiereDate',
  'ProductionYear',
  'SeriesSortName',
  'ParentIndexNumber',
  'IndexNumber',
  'Runtime',
  'Random',
  'IsFolder',
]);

/** Jellyfin binds these query values to enums and answers 400 for a name it does not know. */
function unknownEnumValue(params: URLSearchParams): string | null {
  const listed = (name: string) =>
    (params.get(name) ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  return listed('Fields').find((f) => !JELLYFIN_FIELDS.has(f)) ?? listed('SortBy').find((s) => !JELLYFIN_SORT_BY.has(s)) ?? null;
}

function keyOf(req: http.IncomingMessage, url: URL): { key: string | null; auth: FakeRequest['auth'] } {
  const authorization = req.headers.authorization;
  const token = authorization && /Token="([^"]*)"/i.exec(authorization)?.[1];
  if (token) return { key: token, auth: 'authorization' };
  const emby = req.headers['x-emby-token'];
  if (typeof emby === 'string') return { key: emby, auth: 'x-emby-token' };
  const query = url.searchParams.get('api_key') ?? url.searchParams.get('ApiKey');
  if (query) return { key: query, auth: 'query' };
  return { key: null, auth: 'none' };
}

export interface FakeOptions {
  library?: FakeMediaBrowserLibrary;
  apiKey?: string;
  port?: number;
  /** Jellyfin before 10.10 has no `/MediaSegments` (404). */
  mediaSegments?: boolean;
}

export async function startFakeMediaBrowser(dialect: MediaBrowserDialect, options: FakeOptions = {}): Promise<FakeMediaBrowser> {
  const library = options.library ?? sampleLibrary(dialect);
  const apiKey = options.apiKey ?? `${dialect}-secret-key`;
  const hasSegments = dialect === 'jellyfin' && options.mediaSegments !== false;
  let failures = { count: 0, status: 500 };
  let slow = { count: 0, delayMs: 0 };
  let replacement: string | null = null;
  const requests: FakeRequest[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://media');
    const { key, auth } = keyOf(req, url);
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), auth });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.writableEnded || res.destroyed) return;
      if (body === undefined) {
        res.writeHead(status, headers);
        return res.end();
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    // Jellyfin answers a bad key with an empty 401; Emby with a plain-text one.
    const accepted = dialect === 'jellyfin' ? auth === 'authorization' || auth === 'x-emby-token' : auth !== 'none';
    if (!accepted || key !== apiKey) {
      if (dialect === 'emby') {
        res.writeHead(401, { 'content-type': 'text/plain' });
        return res.end('Access token is invalid or expired.');
      }
      return send(401, undefined);
    }
    if (slow.count > 0) {
      slow.count--;
      const timer = setTimeout(() => send(200, { Items: [], TotalRecordCount: 0, StartIndex: 0 }), slow.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (replacement !== null) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(replacement);
      replacement = null;
      return;
    }
    if (failures.count > 0) {
      failures.count--;
      return send(failures.status, undefined, failures.status === 429 ? { 'retry-after': '0' } : {});
    }
    const path = url.pathname.replace(/^\/emby(?=\/)/i, '');
    if (path === '/Library/VirtualFolders') return send(200, library.folders);
    if (path === '/Items') {
      const unknown = dialect === 'jellyfin' ? unknownEnumValue(url.searchParams) : null;
      if (unknown)
        return send(400, {
          title: 'One or more validation errors occurred.',
          status: 400,
          errors: { [unknown]: [`The value '${unknown}' is not valid.`] },
        });
      return send(200, itemsPage(library, url.searchParams));
    }
    const segment = /^\/MediaSegments\/([^/]+)$/.exec(path);
    if (segment && hasSegments) {
      const items = library.segments[decodeURIComponent(segment[1]!)] ?? [];
      const itemId = decodeURIComponent(segment[1]!);
      return send(200, {
        Items: items.map((s, i) => ({ Id: `${itemId.slice(0, 24)}${String(i).padStart(8, '0')}`, ItemId: itemId, ...s })),
        TotalRecordCount: items.length,
        StartIndex: 0,
      });
    }
    return send(404, undefined);
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    dialect,
    url: `http://127.0.0.1:${bound}`,
    apiKey,
    library,
    requests,
    failNext: (count, status) => void (failures = { count, status }),
    slowNext: (count, delayMs) => void (slow = { count, delayMs }),
    replaceNext: (body) => void (replacement = body),
    item: (name) => {
      const found = library.items.find((i) => i.item.Name === name);
      if (!found) throw new Error(`no fake item named ${name}`);
      return found.item;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function itemsPage(library: FakeMediaBrowserLibrary, params: URLSearchParams) {
  const parentId = params.get('ParentId');
  const types = new Set((params.get('IncludeItemTypes') ?? '').split(',').filter(Boolean));
  const fields = new Set((params.get('Fields') ?? '').split(',').map((f) => f.trim().toLowerCase()));
  const start = Number(params.get('StartIndex') ?? 0);
  const limit = params.has('Limit') ? Number(params.get('Limit')) : Infinity;
  const all = library.items
    .filter((i) => (!parentId || i.library === parentId) && (types.size === 0 || types.has(String(i.item.Type))))
    .map((i) => i.item);
  const page = all.slice(start, start + limit).map((item) => {
    const shown: FakeItem = { ...item };
    for (const field of ITEM_FIELDS) if (!fields.has(field.toLowerCase())) delete shown[field];
    return shown;
  });
  return { Items: page, TotalRecordCount: all.length, StartIndex: start };
}

// ---------------------------------------------------------------------------------------------
// the sample library, in either dialect

const TICKS = 10_000; // per millisecond

interface Version {
  path: string;
  ms: number | null;
  size: number;
  video: string;
  width: number;
  height: number;
  container?: string;
}

/** Ids as each server makes them: Jellyfin 32 lowercase hex digits, Emby small integers. */
function idMaker(dialect: MediaBrowserDialect) {
  let n = 0;
  return (seed: string) => {
    n++;
    if (dialect === 'emby') return String(1000 + n);
    const hex = Buffer.from(`${seed}:${n}`).toString('hex').padEnd(32, '0');
    return hex.slice(0, 32);
  };
}

export function sampleLibrary(dialect: MediaBrowserDialect): FakeMediaBrowserLibrary {
  const id = idMaker(dialect);
  const jellyfin = dialect === 'jellyfin';
  const date = (day: number) => (jellyfin ? `2024-05-${String(day).padStart(2, '0')}T10:00:00.0000000Z` : undefined);
  const tvId = id('tv');
  const moviesId = id('movies');
  const musicId = id('music');
  const serverId = jellyfin ? 'a1b2c3d4e5f60718293a4b5c6d7e8f90' : 'b7e5b9f0c2a94d3e8a1f6c0d2e4b6a8c';

  const mediaSource = (itemId: string, v: Version, primary: boolean) => ({
    Protocol: 'File',
    Id: jellyfin ? (primary ? itemId : id('source')) : `mediasource_${primary ? itemId : id('source')}`,
    Path: v.path,
    Type: 'Default',
    Container: v.container ?? 'mkv',
    Size: v.size,
    Name: v.path
      .split(/[\\/]/)
      .pop()!
      .replace(/\.\w+$/, ''),
    IsRemote: false,
    ...(v.ms === null ? {} : { RunTimeTicks: v.ms * TICKS }),
    SupportsTranscoding: true,
    SupportsDirectStream: true,
    SupportsDirectPlay: true,
    MediaStreams: [
      {
        Codec: v.video,
        Type: 'Video',
        Index: 0,
        IsDefault: true,
        Width: v.width,
        Height: v.height,
        BitRate: 4_000_000,
        IsInterlaced: false,
      },
      { Codec: 'aac', Type: 'Audio', Index: 1, IsDefault: true, Channels: 2, SampleRate: 48000, Language: 'eng' },
      { Codec: 'subrip', Type: 'Subtitle', Index: 2, IsDefault: false, IsExternal: false },
    ],
    Bitrate: v.width * 2000,
  });

  /** Chapters; Emby also marks intro and credits as chapters with a MarkerType. */
  const chapters = (list: Array<[number, string]>, intro?: [number, number], creditsAt?: number) => [
    ...list.map(([ms, name], i) => ({
      StartPositionTicks: ms * TICKS,
      Name: name,
      ...(jellyfin ? { ImageDateModified: '0001-01-01T00:00:00.0000000Z' } : { MarkerType: 'Chapter', ChapterIndex: i }),
    })),
    ...(!jellyfin && intro
      ? [
          { StartPositionTicks: intro[0] * TICKS, Name: 'Intro', MarkerType: 'IntroStart', ChapterIndex: list.length },
          { StartPositionTicks: intro[1] * TICKS, Name: 'Intro End', MarkerType: 'IntroEnd', ChapterIndex: list.length + 1 },
        ]
      : []),
    ...(!jellyfin && creditsAt != null
      ? [{ StartPositionTicks: creditsAt * TICKS, Name: 'Credits', MarkerType: 'CreditsStart', ChapterIndex: list.length + 2 }]
      : []),
  ];

  const seriesId = id('series');
  const items: FakeMediaBrowserLibrary['items'] = [];
  const segments: FakeMediaBrowserLibrary['segments'] = {};
  items.push({
    library: tvId,
    item: {
      Name: 'Cheers',
      ServerId: serverId,
      Id: seriesId,
      Etag: 'a4f1c5de0b6f2a71e2c9d8b7a6f5e4d3',
      DateCreated: '2023-01-01T00:00:00.0000000Z',
      ...(jellyfin ? { DateLastSaved: date(1) } : {}),
      Path: 'D:\\Media\\TV\\Cheers',
      ProductionYear: 1982,
      ProviderIds: { Tmdb: '3943', Tvdb: '77623', Imdb: 'tt0083399' },
      IsFolder: true,
      Type: 'Series',
      LocationType: 'FileSystem',
      MediaType: 'Unknown',
    },
  });

  const episode = (
    season: number,
    index: number,
    name: string,
    versions: Version[],
    extra: FakeItem = {},
    marks: { chapters?: Array<[number, string]>; intro?: [number, number]; creditsAt?: number } = {},
  ) => {
    const itemId = id('episode');
    const primary = versions[0]!;
    items.push({
      library: tvId,
      item: {
        Name: name,
        ServerId: serverId,
        Id: itemId,
        Etag: `e${itemId.slice(-6)}0000000000000000000000001`,
        DateCreated: '2023-01-02T00:00:00.0000000Z',
        ...(jellyfin ? { DateLastSaved: date(2) } : {}),
        Container: primary.container ?? 'mkv',
        MediaSources: versions.map((v, i) => mediaSource(itemId, v, i === 0)),
        Path: primary.path,
        ...(primary.ms === null ? {} : { RunTimeTicks: primary.ms * TICKS }),
        ProductionYear: 1982,
        IndexNumber: index,
        ParentIndexNumber: season,
        ProviderIds: { Tvdb: `${77623}${season}${String(index).padStart(2, '0')}` },
        IsFolder: false,
        Type: 'Episode',
        SeriesName: 'Cheers',
        SeriesId: seriesId,
        SeasonName: `Season ${season}`,
        LocationType: 'FileSystem',
        MediaType: 'Video',
        Chapters: chapters(marks.chapters ?? [], marks.intro, marks.creditsAt),
        ...extra,
      },
    });
    if (jellyfin && marks.intro)
      segments[itemId] = [
        { Type: 'Intro', StartTicks: marks.intro[0] * TICKS, EndTicks: marks.intro[1] * TICKS },
        ...(marks.creditsAt != null && primary.ms != null
          ? [{ Type: 'Outro', StartTicks: marks.creditsAt * TICKS, EndTicks: primary.ms * TICKS }]
          : []),
      ];
    return itemId;
  };

  const tv = (season: number, file: string) => `D:\\Media\\TV\\Cheers\\Season ${String(season).padStart(2, '0')}\\${file}`;
  const hd = { video: 'h264', width: 1920, height: 1080 };
  episode(
    1,
    1,
    'Give Me a Ring Sometime',
    [{ path: tv(1, 'Cheers - S01E01.mkv'), ms: 1_500_000, size: 734_003_200, ...hd }],
    {},
    {
      chapters: [
        [0, 'Opening'],
        [600_000, 'Act 1'],
      ],
      intro: [1_000, 30_000],
      creditsAt: 1_440_000,
    },
  );
  // One file holding two episodes: IndexNumber 2, IndexNumberEnd 3.
  episode(
    1,
    2,
    "Sam's Women / The Tortelli Tort",
    [{ path: tv(1, 'Cheers - S01E02-E03.mkv'), ms: 2_960_000, size: 1_400_000_000, ...hd }],
    {
      IndexNumberEnd: 3,
    },
  );
  episode(2, 1, 'Power Play', [{ path: tv(2, 'Cheers - S02E01.mkv'), ms: 1_490_000, size: 720_000_000, ...hd }]);
  // Not yet probed by the server: no runtime anywhere.
  episode(2, 2, 'Little Sister, Don’t Cha', [{ path: tv(2, 'Cheers - S02E02.mkv'), ms: null, size: 700_000_000, ...hd }]);
  // A damaged record: negative ticks (the server's database holds anything); reported, never fatal.
  episode(2, 3, 'Personal Business', [{ path: tv(2, 'Cheers - S02E03.mkv'), ms: 1_470_000, size: 700_000_000, ...hd }], {
    RunTimeTicks: -1,
  });

  const movieId = id('movie');
  items.push({
    library: moviesId,
    item: {
      Name: 'The Thing',
      ServerId: serverId,
      Id: movieId,
      Etag: '5f0e1d2c3b4a59687766554433221100',
      DateCreated: '2023-01-03T00:00:00.0000000Z',
      ...(jellyfin ? { DateLastSaved: date(3) } : {}),
      Container: 'mkv',
      // Two versions of one film: Jellyfin and Emby group them as MediaSources of one item.
      MediaSources: [
        mediaSource(
          movieId,
          {
            path: '/media/movies/The Thing (1982)/The Thing (1982) - 480p.mkv',
            ms: 6_520_000,
            size: 1_200_000_000,
            video: 'mpeg2video',
            width: 720,
            height: 480,
          },
          false,
        ),
        mediaSource(
          movieId,
          {
            path: '/media/movies/The Thing (1982)/The Thing (1982) - 1080p.mp4',
            ms: 6_540_000,
            size: 8_000_000_000,
            container: 'mov,mp4,m4a,3gp,3g2,mj2',
            ...hd,
          },
          true,
        ),
      ],
      Path: '/media/movies/The Thing (1982)/The Thing (1982) - 1080p.mp4',
      RunTimeTicks: 6_540_000 * TICKS,
      ProductionYear: 1982,
      ProviderIds: { Tmdb: '1091', Imdb: 'tt0084787' },
      IsFolder: false,
      Type: 'Movie',
      LocationType: 'FileSystem',
      MediaType: 'Video',
      Chapters: chapters([[0, 'Chapter 1']], undefined, 6_300_000),
    },
  });
  if (jellyfin) segments[movieId] = [{ Type: 'Outro', StartTicks: 6_300_000 * TICKS, EndTicks: 6_540_000 * TICKS }];

  const folder = (name: string, itemId: string, type: string, location: string) => ({
    Name: name,
    Locations: [location],
    CollectionType: type,
    LibraryOptions: { EnableRealtimeMonitor: true, PathInfos: [{ Path: location }] },
    ItemId: itemId,
    ...(jellyfin
      ? { PrimaryImageItemId: itemId, RefreshStatus: 'Idle' }
      : { Id: itemId, Guid: `${itemId}-guid`, PrimaryImageItemId: itemId }),
  });
  return {
    folders: [
      folder('Shows', tvId, 'tvshows', 'D:\\Media\\TV'),
      folder('Movies', moviesId, 'movies', '/media/movies'),
      folder('Music', musicId, 'music', '/media/music'),
    ],
    items,
    segments,
  };
}

/** A large library for the benchmark: `shows` series of `episodes` one-file episodes each (10 per season). */
export function syntheticLibrary(dialect: MediaBrowserDialect, shows: number, episodes: number): FakeMediaBrowserLibrary {
  const id = idMaker(dialect);
  const tvId = id('tv');
  const items: FakeMediaBrowserLibrary['items'] = [];
  for (let s = 1; s <= shows; s++) {
    const seriesId = id('series');
    const name = `Synthetic Show ${String(s).padStart(5, '0')}`;
    items.push({
      library: tvId,
      item: {
        Name: name,
        Id: seriesId,
        Etag: `s${s}`,
        ProductionYear: 1950 + (s % 70),
        ProviderIds: { Tvdb: String(100000 + s) },
        Type: 'Series',
      },
    });
    for (let e = 1; e <= episodes; e++) {
      const itemId = id('episode');
      const [season, index] = [Math.ceil(e / 10), ((e - 1) % 10) + 1];
      const file = `/media/tv/${name}/Season ${season}/${name} - S${season}E${index}.mkv`;
      items.push({
        library: tvId,
        item: {
          Name: `Episode ${e}`,
          Id: itemId,
          Etag: `e${e}`,
          Type: 'Episode',
          SeriesId: seriesId,
          SeriesName: name,
          ParentIndexNumber: season,
          IndexNumber: index,
          RunTimeTicks: 1_320_000 * TICKS,
          Path: file,
          ProviderIds: { Tvdb: `${100000 + s}-${e}` },
          MediaSources: [
            {
              Protocol: 'File',
              Id: itemId,
              Path: file,
              Container: 'mkv',
              Size: 100_000_000 + e,
              RunTimeTicks: 1_320_000 * TICKS,
              MediaStreams: [
                { Codec: 'h264', Type: 'Video', Index: 0, IsDefault: true, Width: 1280, Height: 720 },
                { Codec: 'aac', Type: 'Audio', Index: 1, IsDefault: true },
              ],
            },
          ],
          Chapters: [{ StartPositionTicks: 0, Name: 'Start' }],
        },
      });
    }
  }
  const folder = { Name: 'Synthetic TV', Locations: ['/media/tv'], CollectionType: 'tvshows', ItemId: tvId };
  return { folders: [folder], items, segments: {} };
}
