import WebSocket from 'ws';
import { z } from 'zod';
import type { ListenInput, LiveListener } from '../port.js';
import type { PlexSourceConfig } from './config.js';

/**
 * Plex's notification stream (`/:/websockets/notifications`, the token in `X-Plex-Token`), as
 * python-plexapi's AlertListener and Plex clients read it: JSON messages
 * `{ NotificationContainer: { type: 'timeline', size, TimelineEntry: [...] } }`. A library timeline
 * entry (`identifier: com.plexapp.plugins.library`) names its section (`sectionID`), the item
 * (`itemID`, its ratingKey), its `type` (1 movie, 2 show, 3 season, 4 episode) and its `state`:
 * 0 created, 1 progress, 2 matching, 3 downloading metadata, 4 processing metadata, 5 processed,
 * 9 deleted (also `metadataState: 'deleted'`). A library without an agent ends at state 1.
 * Other notification types (activity, playing, status...) are ignored.
 */

const idish = z.union([z.string(), z.number()]).transform(String);
const TimelineEntry = z.looseObject({
  identifier: z.string().optional(),
  sectionID: idish.optional(),
  itemID: idish,
  type: z.coerce.number().optional(),
  state: z.coerce.number().optional(),
  metadataState: z.string().optional(),
});
const Message = z.looseObject({
  NotificationContainer: z.looseObject({ type: z.string(), TimelineEntry: z.array(z.unknown()).optional() }),
});

/** Item types a movie or show library holds. */
const VIDEO_TYPES = new Set([1, 2, 3, 4]);
/** Intermediate states (matching, downloading, processing): the item is re-announced when they end. */
const INTERMEDIATE = new Set([2, 3, 4]);

export interface TimelineChange {
  sectionId: string;
  ratingKey: string;
  type: number;
  deleted: boolean;
}

/** The library changes one message announces (anything else, or anything malformed, is none). */
export function parseNotification(text: string): TimelineChange[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const message = Message.safeParse(body);
  if (!message.success || message.data.NotificationContainer.type !== 'timeline') return [];
  const changes: TimelineChange[] = [];
  for (const raw of message.data.NotificationContainer.TimelineEntry ?? []) {
    const entry = TimelineEntry.safeParse(raw);
    if (!entry.success) continue;
    const e = entry.data;
    if (e.identifier !== undefined && e.identifier !== 'com.plexapp.plugins.library') continue;
    if (e.sectionID === undefined || e.type === undefined || !VIDEO_TYPES.has(e.type)) continue;
    if (e.state !== undefined && INTERMEDIATE.has(e.state)) continue;
    const deleted = e.state === 9 || e.metadataState === 'deleted';
    changes.push({ sectionId: e.sectionID, ratingKey: e.itemID, type: e.type, deleted });
  }
  return changes;
}

/** The notifications URL of a server (`http` -> `ws`, `https` -> `wss`). */
export const notificationsUrl = (baseUrl: string): string =>
  `${baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/:/websockets/notifications`;

/** Exponential backoff with equal jitter: half the capped delay, plus up to as much again at random. */
export function backoffDelay(attempt: number, minMs: number, maxMs: number): number {
  const capped = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + Math.random() * (capped / 2));
}

const PING_MS = 30_000;

/**
 * Holds one server's stream open for the given sections (collections of one source), reconnecting
 * with exponential backoff and jitter; every library change of one of those sections reaches
 * `onChange`, anything else is dropped here.
 */
export function listenPlex(input: ListenInput<PlexSourceConfig>): LiveListener {
  const { config, onChange, onState, options } = input;
  const bySection = new Map(input.collections.map((c) => [c.externalId, c.id]));
  let socket: WebSocket | null = null;
  let closed = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | null = null;
  let ping: NodeJS.Timeout | null = null;

  const connect = () => {
    if (closed) return;
    onState('connecting', { attempt });
    const ws = new WebSocket(notificationsUrl(config.baseUrl), {
      headers: {
        'X-Plex-Token': config.token,
        'X-Plex-Product': 'Retrovue',
        'X-Plex-Client-Identifier': 'retrovue-library',
      },
      handshakeTimeout: config.timeoutMs ?? 15_000,
    });
    socket = ws;
    let alive = true;
    let failure: string | undefined;
    ws.on('open', () => {
      attempt = 0;
      onState('open', {});
      ping = setInterval(() => {
        if (!alive) return ws.terminate(); // no pong since the last ping: the connection is dead
        alive = false;
        ws.ping();
      }, PING_MS);
      ping.unref();
    });
    ws.on('pong', () => (alive = true));
    ws.on('message', (data) => {
      for (const change of parseNotification(data.toString())) {
        const collectionId = bySection.get(change.sectionId);
        if (collectionId) onChange({ collectionId, key: change.ratingKey, deleted: change.deleted });
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      failure = `Plex answered the notifications request with HTTP ${res.statusCode}`;
      ws.terminate();
    });
    ws.on('error', (err) => (failure ??= err.message));
    ws.on('close', () => {
      if (ping) clearInterval(ping);
      ping = null;
      if (socket === ws) socket = null;
      if (closed) return onState('closed', {});
      const retryInMs = backoffDelay(attempt++, options.backoffMinMs, options.backoffMaxMs);
      onState('closed', { ...(failure ? { error: failure } : {}), retryInMs, attempt });
      retry = setTimeout(connect, retryInMs);
      retry.unref();
    });
  };
  connect();

  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const ws = socket;
      if (!ws || ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.terminate();
      });
    },
  };
}
