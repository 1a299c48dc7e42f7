import type { PlexMetadata } from './api.js';

/**
 * Plex markers (intro, credits, commercial) and chapters as Retrovue markers, on the whole
 * version's timeline. Real servers end a chapter a millisecond or so past the media's duration:
 * an overshoot within `OVERSHOOT_TOLERANCE_MS` is clamped; anything else that cannot be stored is
 * dropped and counted by reason, never lost silently.
 */

export const OVERSHOOT_TOLERANCE_MS = 2_000;

export interface MarkerStats {
  clamped: number;
  dropped: Record<string, number>;
}

export interface MappedMarker {
  kind: string;
  startMs: number;
  endMs: number;
  payload: Record<string, string | number | boolean | null> | null;
}

export const emptyMarkerStats = (): MarkerStats => ({ clamped: 0, dropped: {} });

export function markersOf(item: PlexMetadata, durationMs: number | null, stats: MarkerStats): MappedMarker[] {
  const out: MappedMarker[] = [];
  const drop = (reason: string) => (stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1);
  const place = (kind: string, start: number | undefined, end: number | undefined, payload: MappedMarker['payload']) => {
    if (start === undefined || end === undefined) return drop('missing offsets');
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0) return drop('negative or fractional offsets');
    if (start > end) return drop('start after end');
    if (durationMs !== null && end > durationMs) {
      if (end - durationMs > OVERSHOOT_TOLERANCE_MS || start > durationMs) return drop('past the duration');
      end = durationMs;
      stats.clamped++;
    }
    out.push({ kind, startMs: start, endMs: end, payload });
  };
  for (const m of item.Marker)
    place(
      m.type.slice(0, 50),
      m.startTimeOffset,
      m.endTimeOffset,
      m.final ? { final: m.final === '1' || m.final === 'true' } : null,
    );
  for (const c of item.Chapter)
    place('chapter', c.startTimeOffset, c.endTimeOffset, { title: c.tag ?? null, index: c.index ?? null });
  return out;
}
