import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local HTTP server answering as a real Plex Media Server does (shapes from responses captured
 * from real servers: test/fixtures/plex/, python-plexapi's and Tunarr's models, the community
 * OpenAPI spec's examples):
 * - XML unless the request asks for JSON (`Accept: application/json`); `ignoreAccept` answers XML anyway;
 * - `Guid[]` only with `includeGuids=1`; `Marker`/`Chapter` only on `/library/metadata/{ids}` with
 *   `includeMarkers=1`/`includeChapters=1`, never on listings (`all`, `allLeaves`);
 * - `totalSize`/`offset` only on paged answers (`X-Plex-Container-Start`/`-Size`);
 * - `/library/metadata/1,2,3` answers several items; `/library/sections/{id}/all?type=4` every episode;
 * - `/identity` names the server (`machineIdentifier`); `rekey()` renumbers every ratingKey, as a
 *   rebuilt Plex database does;
 * - section listings filter on `updatedAt>>=<epoch seconds>` (updated at or after);
 * - the notification stream at `/:/websockets/notifications` (token in `X-Plex-Token`, header or
 *   query): `addItem`/`addEpisode`/`changeItem`/`deleteItem` edit the library and send the library
 *   `timeline` entries real servers send (state 0 created then 5 processed; 5 on an update; 9 and
 *   `metadataState: 'deleted'` on a deletion); `dropConnections()` cuts every socket and
 *   `refuseConnections(true)` answers new ones 503 (a server restarting).
 */

export interface FakeGuid {
  id: string;
}
export interface FakePart {
  id?: number;
  key?: string;
  file: string;
  size?: number;
  duration?: number;
  container?: string;
}
export interface FakeMedia {
  id?: number;
  duration?: number;
  bitrate?: number;
  width?: number;
  height?: number;
  videoCodec?: string;
  audioCodec?: string;
  container?: string;
  Part: FakePart[];
}
export interface FakeMarker {
  id?: number;
  type: string;
  startTimeOffset: number;
  endTimeOffset: number;
  final?: boolean;
}
export interface FakeChapter {
  id?: number;
  tag?: string;
  index?: number;
  startTimeOffset: number;
  endTimeOffset: number;
}
/** One item as Plex stores it (everything; the server strips what each endpoint leaves out). */
export interface FakeItem {
  ratingKey: string;
  key?: string;
  guid?: string;
  type: string;
  title?: string;
  year?: number;
  index?: number;
  parentIndex?: number;
  grandparentTitle?: string;
  grandparentRatingKey?: string;
  grandparentGuid?: string;
  updatedAt?: number;
  addedAt?: number;
  duration?: number;
  editionTitle?: string;
  Guid?: FakeGuid[];
  Media?: FakeMedia[];
  Marker?: FakeMarker[];
  Chapter?: FakeChapter[];
  [extra: string]: unknown;
}
export interface FakeSection {
  key: string;
  type: string;
  title: string;
  uuid?: string;
  agent?: string;
  Location: Array<{ id: number; path: string }>;
}
export interface FakePlexLibrary {
  machineIdentifier: string;
  sections: FakeSection[];
  /** Shows and movies by section key. */
  items: Record<string, FakeItem[]>;
  /** Episodes by show ratingKey. */
  leaves: Record<string, FakeItem[]>;
}

export interface FakeRequest {
  path: string;
  query: Record<string, string>;
  start: number | null;
  size: number | null;
  json: boolean;
}

export interface FakePlex {
  url: string;
  token: string;
  library: FakePlexLibrary;
  requests: FakeRequest[];
  /** Answer XML whatever the Accept header says (as some servers and proxies do). */
  ignoreAccept: boolean;
  failNext(count: number, status: number): void;
  slowNext(count: number, delayMs: number): void;
  /** Delay every answer by this much (a slow server: long ingests to interrupt). */
  setLatency(delayMs: number): void;
  /** Every ratingKey moves by `offset` (a rebuilt database); guids and files stay. */
  rekey(offset: number): void;
  /** Notification sockets open now, and accepted since the start. */
  readonly sockets: number;
  readonly connections: number;
  /** Sends library timeline entries to every open socket (what the helpers below send). */
  notify(entries: FakeTimelineEntry[]): void;
  /** A movie or show added to a section (updatedAt now); `notify: false` changes it silently (the stream missed it). */
  addItem(sectionKey: string, item: FakeItem, options?: { notify?: boolean }): void;
  /** An episode added to a show. */
  addEpisode(showRatingKey: string, episode: FakeItem, options?: { notify?: boolean }): void;
  /** An item's fields changed (updatedAt moves on). */
  changeItem(ratingKey: string, patch: Partial<FakeItem>, options?: { notify?: boolean }): void;
  /** An item deleted (a show with its episodes). */
  deleteItem(ratingKey: string, options?: { notify?: boolean }): void;
  /** Cuts every notification socket (clients must reconnect). */
  dropConnections(): void;
  /** While true, new notification sockets are refused with 503. */
  refuseConnections(refuse: boolean): void;
  close(): Promise<void>;
}

/** A library timeline entry as Plex sends it on the notification stream. */
export interface FakeTimelineEntry {
  identifier: string;
  sectionID: string;
  itemID: string;
  type: number;
  title?: string;
  state: number;
  metadataState?: string;
  mediaState?: string;
  updatedAt: number;
}

const TYPE_NUMBER: Record<string, number> = { movie: 1, show: 2, season: 3, episode: 4 };

const LISTING_ONLY = new Set(['Marker', 'Chapter']);

/** Tags a listing carries at most of each kind (real listings show the first two `Genre`, `Country`, ... tags). */
const LISTING_TAGS = 2;

/**
 * What an endpoint shows of an item: Guid only when asked, Marker/Chapter only on full metadata
 * when asked, the first few `Genre` tags on listings (all of them on full metadata).
 */
function view(item: FakeItem, q: URLSearchParams, full: boolean): FakeItem {
  const out: FakeItem = { ...item };
  if (q.get('includeGuids') !== '1') delete out.Guid;
  if (!full && Array.isArray(item.Genre)) out.Genre = (item.Genre as unknown[]).slice(0, LISTING_TAGS);
  for (const field of LISTING_ONLY) delete out[field];
  if (full && q.get('includeMarkers') === '1' && item.Marker) out.Marker = item.Marker;
  if (full && q.get('includeChapters') === '1' && item.Chapter) out.Chapter = item.Chapter;
  return out;
}

const escapeXml = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One element: scalars become attributes, arrays of objects child elements named by their key. */
function element(name: string, value: Record<string, unknown>, indent = ''): string {
  const attrs: string[] = [];
  const children: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const child of v) children.push(element(k, child as Record<string, unknown>, indent + '  '));
    else if (typeof v === 'object') children.push(element(k, v as Record<string, unknown>, indent + '  '));
    else attrs.push(`${k}="${escapeXml(typeof v === 'boolean' ? (v ? '1' : '0') : String(v))}"`);
  }
  const open = `${indent}<${name}${attrs.length ? ' ' + attrs.join(' ') : ''}`;
  return children.length ? `${open}>\n${children.join('\n')}\n${indent}</${name}>` : `${open} />`;
}

/** A MediaContainer as Plex writes it in XML: shows and seasons are `Directory`, movies and episodes `Video`. */
function toXml(container: Record<string, unknown>): string {
  const { Metadata, Directory, ...attrs } = container as { Metadata?: FakeItem[]; Directory?: FakeSection[] };
  const children = [
    ...(Directory ?? []).map((d) => element('Directory', d as unknown as Record<string, unknown>, '  ')),
    ...(Metadata ?? []).map((m) =>
      element(m.type === 'show' || m.type === 'season' ? 'Directory' : 'Video', m as Record<string, unknown>, '  '),
    ),
  ];
  const open = element('MediaContainer', attrs).replace(/ \/>$/, '>');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${open}\n${children.join('\n')}\n</MediaContainer>\n`;
}

export async function startFakePlex(library: FakePlexLibrary, token = 'plex-secret-token', port = 0): Promise<FakePlex> {
  let failures = { count: 0, status: 500 };
  let slow = { count: 0, delayMs: 0 };
  const requests: FakeRequest[] = [];
  const state = { ignoreAccept: false };

  const allItems = () => [...Object.values(library.items).flat(), ...Object.values(library.leaves).flat()];
  const withLeafCount = (item: FakeItem): FakeItem =>
    item.type === 'show' ? { ...item, leafCount: library.leaves[item.ratingKey]?.length ?? 0 } : item;
  const episodeOf = (show: FakeItem, episode: FakeItem): FakeItem => ({
    ...episode,
    grandparentRatingKey: show.ratingKey,
    grandparentTitle: show.title,
    ...(show.guid ? { grandparentGuid: show.guid } : {}),
  });

  let latencyMs = 0;
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://plex');
    const q = url.searchParams;
    const start = req.headers['x-plex-container-start'];
    const size = req.headers['x-plex-container-size'];
    const json = !state.ignoreAccept && String(req.headers.accept ?? '').includes('application/json');
    requests.push({
      path: url.pathname,
      query: Object.fromEntries(q),
      start: start ? Number(start) : null,
      size: size ? Number(size) : null,
      json,
    });
    const send = (status: number, container: Record<string, unknown> | null, headers: Record<string, string> = {}) => {
      if (res.writableEnded || res.destroyed) return;
      if (container === null) {
        res.writeHead(status, { 'content-type': 'text/html', ...headers });
        return res.end(`<html><head><title>${status}</title></head><body><h1>${status}</h1></body></html>`);
      }
      res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/xml;charset=utf-8', ...headers });
      res.end(json ? JSON.stringify({ MediaContainer: container }) : toXml(container));
    };
    if (req.headers['x-plex-token'] !== token) return send(401, null);
    if (slow.count > 0) {
      slow.count--;
      const timer = setTimeout(() => send(200, { size: 0 }), slow.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (failures.count > 0) {
      failures.count--;
      return send(failures.status, null, failures.status === 429 ? { 'retry-after': '0' } : {});
    }
    // Paging fields only on paged answers, as real servers do. `shape` runs on the page's items only.
    const page = <T>(all: T[], shape: (item: T) => FakeItem, extra: Record<string, unknown> = {}) => {
      if (start === undefined && size === undefined) return { size: all.length, ...extra, Metadata: all.map(shape) };
      const from = start ? Number(start) : 0;
      const items = size ? all.slice(from, from + Number(size)) : all.slice(from);
      return { size: items.length, totalSize: all.length, offset: from, ...extra, Metadata: items.map(shape) };
    };
    let match: RegExpExecArray | null;
    if (url.pathname === '/identity')
      return send(200, {
        size: 0,
        claimed: true,
        machineIdentifier: library.machineIdentifier,
        version: '1.41.3.9314-a0bfb8370',
      });
    if (url.pathname === '/library/sections')
      return send(200, { size: library.sections.length, allowSync: false, title1: 'Plex Library', Directory: library.sections });
    if ((match = /^\/library\/sections\/([^/]+)\/all$/.exec(url.pathname))) {
      const section = library.sections.find((s) => s.key === match![1]);
      if (!section) return send(404, null);
      const items = library.items[section.key] ?? [];
      const type = q.get('type');
      const updatedSince = q.get('updatedAt>>');
      const fresh = (i: FakeItem) => updatedSince === null || (i.updatedAt ?? 0) >= Number(updatedSince);
      const extra = {
        librarySectionID: Number(section.key),
        librarySectionTitle: section.title,
        viewGroup: type === '4' ? 'episode' : section.type,
      };
      if (type === '4') {
        // Episodes are shaped only for the page sent (a 100k-episode library is listed page by page).
        const leaves = items
          .flatMap((show) => (library.leaves[show.ratingKey] ?? []).map((e) => [show, e] as const))
          .filter(([show, e]) => updatedSince === null || fresh(episodeOf(show, e)));
        return send(
          200,
          page(leaves, ([show, e]) => view(episodeOf(show, e), q, false), extra),
        );
      }
      return send(
        200,
        page(items.map(withLeafCount).filter(fresh), (i) => view(i, q, false), extra),
      );
    }
    if ((match = /^\/library\/metadata\/([^/]+)\/allLeaves$/.exec(url.pathname))) {
      const show = allItems().find((i) => i.ratingKey === match![1] && i.type === 'show');
      if (!show) return send(404, null);
      return send(
        200,
        page(library.leaves[show.ratingKey] ?? [], (e) => view(episodeOf(show, e), q, false)),
      );
    }
    if ((match = /^\/library\/metadata\/([\d,]+)$/.exec(url.pathname))) {
      const wanted = new Set(match[1]!.split(','));
      const found: FakeItem[] = [];
      for (const show of Object.values(library.items).flat()) {
        if (wanted.has(show.ratingKey)) found.push(withLeafCount(show));
        for (const e of library.leaves[show.ratingKey] ?? []) if (wanted.has(e.ratingKey)) found.push(episodeOf(show, e));
      }
      if (found.length === 0) return send(404, null);
      return send(200, { size: found.length, Metadata: found.map((i) => view(i, q, true)) });
    }
    return send(404, null);
  };
  const server = http.createServer((req, res) => {
    if (latencyMs <= 0) return answer(req, res);
    const timer = setTimeout(() => answer(req, res), latencyMs);
    res.on('close', () => clearTimeout(timer));
  });

  // The notification stream.
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const stream = { connections: 0, refuse: false };
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://plex');
    const given = req.headers['x-plex-token'] ?? url.searchParams.get('X-Plex-Token');
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/:/websockets/notifications') return refuse(404);
    if (given !== token) return refuse(401);
    if (stream.refuse) return refuse(503);
    wss.handleUpgrade(req, socket, head, (ws) => {
      stream.connections++;
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });
  const notify = (entries: FakeTimelineEntry[]) => {
    const message = JSON.stringify({ NotificationContainer: { type: 'timeline', size: entries.length, TimelineEntry: entries } });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  };
  // Strictly increasing: two edits in one second still read as two versions.
  let clock = 0;
  const now = () => (clock = Math.max(clock + 1, Math.floor(Date.now() / 1000)));
  const sectionOf = (ratingKey: string): { section: string; item: FakeItem; show?: FakeItem } | null => {
    for (const [section, items] of Object.entries(library.items))
      for (const item of items) {
        if (item.ratingKey === ratingKey) return { section, item };
        const episode = (library.leaves[item.ratingKey] ?? []).find((e) => e.ratingKey === ratingKey);
        if (episode) return { section, item: episode, show: item };
      }
    return null;
  };
  const entry = (section: string, item: FakeItem, state: number, metadataState?: string): FakeTimelineEntry => ({
    identifier: 'com.plexapp.plugins.library',
    sectionID: section,
    itemID: item.ratingKey,
    type: TYPE_NUMBER[item.type] ?? 0,
    ...(item.title ? { title: item.title } : {}),
    state,
    ...(metadataState ? { metadataState } : {}),
    updatedAt: item.updatedAt ?? now(),
  });

  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port: listening } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${listening}`,
    token,
    library,
    requests,
    get ignoreAccept() {
      return state.ignoreAccept;
    },
    set ignoreAccept(value: boolean) {
      state.ignoreAccept = value;
    },
    failNext(count, status) {
      failures = { count, status };
    },
    slowNext(count, delayMs) {
      slow = { count, delayMs };
    },
    setLatency(delayMs) {
      latencyMs = delayMs;
    },
    rekey(offset) {
      const move = (rk: string) => String(Number(rk) + offset);
      const leaves: FakePlexLibrary['leaves'] = {};
      for (const items of Object.values(library.items))
        for (const item of items) {
          leaves[move(item.ratingKey)] = (library.leaves[item.ratingKey] ?? []).map((e) => ({
            ...e,
            ratingKey: move(e.ratingKey),
            key: `/library/metadata/${move(e.ratingKey)}`,
          }));
          item.ratingKey = move(item.ratingKey);
          item.key = `/library/metadata/${item.ratingKey}`;
        }
      library.leaves = leaves;
    },
    get sockets() {
      return sockets.size;
    },
    get connections() {
      return stream.connections;
    },
    notify,
    addItem(sectionKey, item, { notify: send = true } = {}) {
      const added = { ...item, updatedAt: now(), addedAt: now() };
      (library.items[sectionKey] ??= []).push(added);
      if (added.type === 'show') library.leaves[added.ratingKey] ??= [];
      // Created, then (after matching and metadata) processed: the intermediate states are left out.
      if (send) notify([entry(sectionKey, added, 0, 'created'), entry(sectionKey, added, 5)]);
    },
    addEpisode(showRatingKey, episode, { notify: send = true } = {}) {
      const found = sectionOf(showRatingKey);
      if (!found) throw new Error(`no show ${showRatingKey}`);
      const added = { ...episode, updatedAt: now(), addedAt: now() };
      (library.leaves[showRatingKey] ??= []).push(added);
      if (send) notify([entry(found.section, added, 0, 'created'), entry(found.section, added, 5)]);
    },
    changeItem(ratingKey, patch, { notify: send = true } = {}) {
      const found = sectionOf(ratingKey);
      if (!found) throw new Error(`no item ${ratingKey}`);
      Object.assign(found.item, patch, { updatedAt: now() });
      if (send) notify([entry(found.section, found.item, 5)]);
    },
    deleteItem(ratingKey, { notify: send = true } = {}) {
      const found = sectionOf(ratingKey);
      if (!found) throw new Error(`no item ${ratingKey}`);
      const entries: FakeTimelineEntry[] = [];
      if (found.show)
        library.leaves[found.show.ratingKey] = library.leaves[found.show.ratingKey]!.filter((e) => e !== found.item);
      else {
        library.items[found.section] = library.items[found.section]!.filter((i) => i !== found.item);
        for (const e of library.leaves[ratingKey] ?? []) entries.push(entry(found.section, e, 9, 'deleted'));
        delete library.leaves[ratingKey];
      }
      entries.push(entry(found.section, found.item, 9, 'deleted'));
      if (send) notify(entries);
    },
    dropConnections() {
      for (const ws of sockets) ws.terminate();
    },
    refuseConnections(refuse) {
      stream.refuse = refuse;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const part = (id: number, file: string, size: number, duration?: number): FakePart => ({
  id,
  key: `/library/parts/${id}/1700000000/file.${file.split('.').pop()}`,
  file,
  size,
  ...(duration === undefined ? {} : { duration }),
  container: file.split('.').pop()!,
});
const media = (id: number, parts: FakePart[], extra: Partial<FakeMedia> = {}): FakeMedia => ({
  id,
  duration: parts.reduce((n, p) => n + (p.duration ?? 0), 0) || undefined,
  bitrate: 2000,
  width: 1440,
  height: 1080,
  videoCodec: 'h264',
  audioCodec: 'aac',
  container: parts[0]!.container!,
  Part: parts,
  ...extra,
});

/** A `Genre` tag list as Plex sends it (`{ id, filter, tag }`). */
const genres = (...tags: string[]) => tags.map((tag, i) => ({ id: 100 + i, filter: `genre=${100 + i}`, tag }));

/**
 * A Windows-hosted server with the shapes real libraries have: a show matched by the new agent
 * (`plex://` guids, `Guid[]`), a show from the legacy TVDB agent (ids only in `guid`, unicode
 * title), the same show again in a 4K library (`withUhdLibrary`), a film in two parts (one part without duration,
 * sizes above 2^32), films from the legacy IMDb/TMDb agents, markers (intro, credits, commercial)
 * and chapters, one ending 1 ms past its media's duration.
 */
export function sampleLibrary(): FakePlexLibrary {
  const episode = (
    ratingKey: string,
    season: number,
    index: number,
    title: string,
    versions: FakeMedia[],
    extra: Partial<FakeItem> = {},
  ): FakeItem => ({
    ratingKey,
    key: `/library/metadata/${ratingKey}`,
    guid: `plex://episode/5d9c1276e9d5a1001f4f${ratingKey.padStart(4, '0')}`,
    type: 'episode',
    title,
    index,
    parentIndex: season,
    year: 1982,
    updatedAt: 1_700_000_000,
    addedAt: 1_690_000_000,
    contentRating: 'TV-PG',
    summary: `${title}: an episode of Cheers.`,
    originallyAvailableAt: `1982-10-${String(index).padStart(2, '0')}`,
    duration: versions[0]!.duration,
    Guid: [{ id: `imdb://tt0${ratingKey}000` }, { id: `tmdb://${ratingKey}00` }, { id: `tvdb://${ratingKey}0` }],
    Media: versions,
    Marker: [
      { id: Number(ratingKey) * 10, type: 'intro', startTimeOffset: 1000, endTimeOffset: 30_000 },
      { id: Number(ratingKey) * 10 + 1, type: 'credits', startTimeOffset: 1_400_000, endTimeOffset: 1_450_000, final: true },
    ],
    Chapter: [{ id: Number(ratingKey), tag: 'Act 1', index: 1, startTimeOffset: 0, endTimeOffset: 700_000 }],
    ...extra,
  });
  const cheers = (ratingKey: string): FakeItem => ({
    ratingKey,
    key: `/library/metadata/${ratingKey}/children`,
    guid: 'plex://show/5d9c086c46115600200aa2fe',
    type: 'show',
    title: 'Cheers',
    studio: 'NBC',
    contentRating: 'TV-PG',
    summary: 'Sam Malone, a former baseball player, runs a Boston bar.',
    year: 1982,
    originallyAvailableAt: '1982-09-30',
    addedAt: 1_690_000_000,
    updatedAt: 1_700_000_000,
    // Three genres: listings show the first two, the show's own metadata all three.
    Genre: genres('Comedy', 'Romance', 'Sitcom'),
    Guid: [{ id: 'imdb://tt0083399' }, { id: 'tmdb://3943' }, { id: 'tvdb://77623' }],
  });
  const tv = 'D:\\Media\\TV\\Cheers\\';
  return {
    machineIdentifier: '8d3a1fbc9e2b4c07a5f6e1d2c3b4a5968778695a',
    sections: [
      { key: '1', type: 'show', title: 'TV Shows', agent: 'tv.plex.agents.series', Location: [{ id: 1, path: 'D:\\Media\\TV' }] },
      {
        key: '2',
        type: 'movie',
        title: 'Movies',
        agent: 'tv.plex.agents.movie',
        Location: [{ id: 2, path: 'D:\\Media\\Movies' }],
      },
      {
        key: '3',
        type: 'artist',
        title: 'Music',
        agent: 'tv.plex.agents.music',
        Location: [{ id: 3, path: 'D:\\Media\\Music' }],
      },
    ],
    items: {
      '1': [
        cheers('100'),
        {
          ratingKey: '150',
          key: '/library/metadata/150/children',
          guid: 'com.plexapp.agents.thetvdb://76703?lang=en',
          type: 'show',
          title: 'Pokémon',
          year: 1997,
          updatedAt: 1_600_000_000,
        },
      ],
      '2': [
        {
          ratingKey: '200',
          key: '/library/metadata/200',
          guid: 'plex://movie/5d776826880197001ec90ca5',
          type: 'movie',
          title: 'The Thing',
          studio: 'Universal Pictures',
          contentRating: 'R',
          summary: 'A research team in Antarctica is hunted by a shape-shifting alien.',
          year: 1982,
          originallyAvailableAt: '1982-06-25',
          addedAt: 1_690_000_000,
          updatedAt: 1_700_000_000,
          Genre: genres('Horror', 'Science Fiction', 'Mystery'),
          duration: 6_540_000,
          Guid: [{ id: 'imdb://tt0084787' }, { id: 'tmdb://1091' }, { id: 'tvdb://1181' }],
          Media: [media(20, [part(201, 'D:\\Media\\Movies\\The Thing (1982)\\The Thing (1982).mkv', 9_876_543_210, 6_540_000)])],
          Marker: [{ id: 2001, type: 'credits', startTimeOffset: 6_300_000, endTimeOffset: 6_540_000, final: true }],
          Chapter: [
            { id: 1, tag: 'Outpost 31', index: 1, startTimeOffset: 0, endTimeOffset: 3_000_000 },
            // Real servers end the last chapter a millisecond past the media's duration.
            { id: 2, tag: 'The Test', index: 2, startTimeOffset: 3_000_000, endTimeOffset: 6_540_001 },
          ],
        },
        {
          ratingKey: '210',
          key: '/library/metadata/210',
          guid: 'com.plexapp.agents.imdb://tt0056172?lang=en',
          type: 'movie',
          title: 'Lawrence of Arabia',
          year: 1962,
          updatedAt: 1_650_000_000,
          duration: 13_380_000,
          editionTitle: 'Restored',
          Media: [
            media(
              21,
              [
                part(211, 'D:\\Media\\Movies\\Lawrence of Arabia (1962)\\Lawrence of Arabia - cd1.avi', 4_700_000_000, 7_000_000),
                // Some parts carry no duration: the media's total tells it.
                part(212, 'D:\\Media\\Movies\\Lawrence of Arabia (1962)\\Lawrence of Arabia - cd2.avi', 3_900_000_000),
              ],
              { duration: 13_380_000, container: 'avi', videoCodec: 'mpeg4', audioCodec: 'mp3' },
            ),
          ],
          Marker: [{ id: 2101, type: 'commercial', startTimeOffset: 6_990_000, endTimeOffset: 7_010_000 }],
        },
        {
          ratingKey: '220',
          key: '/library/metadata/220',
          guid: 'com.plexapp.agents.themoviedb://194?lang=en',
          type: 'movie',
          title: 'Le Fabuleux Destin d’Amélie Poulain',
          year: 2001,
          updatedAt: 1_650_000_000,
          duration: 7_320_000,
          Media: [media(22, [part(221, 'D:\\Media\\Movies\\Amélie (2001)\\Amélie (2001).mp4', 2_000_000_000, 7_320_000)])],
        },
      ],
    },
    leaves: {
      '100': [
        episode('101', 1, 1, 'Give Me a Ring Sometime', [
          media(1, [part(11, `${tv}Season 01\\Cheers - S01E01.mkv`, 1_000_001, 1_500_000)], { width: 1920, height: 1080 }),
          media(2, [part(12, `${tv}Season 01\\Cheers - S01E01 (broadcast).mkv`, 1_000_002, 1_520_000)], {
            videoCodec: 'mpeg2video',
            width: 720,
            height: 480,
          }),
        ]),
        episode('102', 1, 2, "Sam's Women", [media(3, [part(13, `${tv}Season 01\\Cheers - S01E02.mkv`, 1_000_003, 1_480_000)])]),
        episode('103', 2, 1, 'Power Play', [media(4, [part(14, `${tv}Season 02\\Cheers - S02E01.mkv`, 1_000_004, 1_490_000)])]),
      ],
      '150': [
        episode(
          '151',
          1,
          1,
          'Pokémon – Ich wähle dich!',
          [media(5, [part(15, 'D:\\Media\\TV\\Pokémon\\Staffel 1\\Pokémon - S01E01.mkv', 300_000_000, 1_320_000)])],
          {
            guid: 'com.plexapp.agents.thetvdb://76703/1/1?lang=en',
            Guid: undefined,
            Marker: undefined,
            Chapter: undefined,
            year: 1997,
          },
        ),
      ],
    },
  };
}

/** The sample library with a second, 4K library holding the same show (same guid, its own ratingKeys and files). */
export function withUhdLibrary(library: FakePlexLibrary): FakePlexLibrary {
  const cheers = library.items['1']!.find((i) => i.title === 'Cheers')!;
  library.sections.push({
    key: '4',
    type: 'show',
    title: 'TV 4K',
    agent: 'tv.plex.agents.series',
    Location: [{ id: 4, path: 'E:\\UHD\\TV' }],
  });
  library.items['4'] = [{ ...cheers, ratingKey: '300', key: '/library/metadata/300/children' }];
  const pilot = library.leaves[cheers.ratingKey]![0]!;
  library.leaves['300'] = [
    {
      ...pilot,
      ratingKey: '301',
      key: '/library/metadata/301',
      Media: [
        {
          id: 31,
          duration: 1_500_100,
          width: 3840,
          height: 2160,
          videoCodec: 'hevc',
          audioCodec: 'eac3',
          container: 'mkv',
          Part: [
            {
              id: 311,
              file: 'E:\\UHD\\TV\\Cheers\\Season 01\\Cheers - S01E01 [2160p].mkv',
              size: 8_000_000_000,
              duration: 1_500_100,
              container: 'mkv',
            },
          ],
        },
      ],
    },
  ];
  return library;
}
