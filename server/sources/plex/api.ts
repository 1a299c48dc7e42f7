import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { CalendarDate } from '../../domain/fields.js';

/**
 * What a Plex Media Server sends, validated at the boundary. Real servers answer XML unless
 * asked for JSON (and some proxies ignore `Accept`), so both are read into the same shape:
 * XML attributes become fields (numbers arrive as strings and are coerced here), and the
 * `Video`/`Directory` elements of a listing become `Metadata` as in JSON. A container is checked
 * loosely and each item on its own, so one bad item is reported, never fatal.
 */

/** A number Plex may send as a number (JSON) or a string (XML attribute); absent or empty is undefined. */
const num = z.preprocess(
  (v) => (v === '' || v === null || v === undefined ? undefined : typeof v === 'string' ? Number(v) : v),
  z.number().finite().optional(),
);
const str = z.preprocess((v) => (v === null || v === undefined ? undefined : String(v)), z.string().optional());
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]), z.array(item));

export const PlexGuid = z.object({ id: z.string().min(1) });
export const PlexPart = z.object({
  id: num,
  file: z.string().min(1),
  /** Bytes: films above 4 GiB are common, so no 32-bit assumptions. */
  size: num,
  /** Some parts carry none. */
  duration: num,
  container: str,
});
export const PlexMedia = z.object({
  id: num,
  duration: num,
  videoCodec: str,
  audioCodec: str,
  container: str,
  bitrate: num,
  width: num,
  height: num,
  editionTitle: str,
  Part: list(PlexPart),
});
export const PlexMarker = z.object({ id: num, type: z.string().min(1), startTimeOffset: num, endTimeOffset: num, final: str });
export const PlexChapter = z.object({ id: num, tag: str, index: num, startTimeOffset: num, endTimeOffset: num });
/** A tag (`Genre`, ...): `{ id, filter, tag }` in JSON, `<Genre id=".." tag=".."/>` in XML. */
export const PlexTag = z.object({ tag: str });
/**
 * `YYYY-MM-DD` as Plex writes `originallyAvailableAt`, a real calendar day as the item schema wants
 * it; anything else (`2005-02-30` included, which Date.parse accepts) is ignored, never fatal.
 */
const date = z.preprocess((v) => {
  const s = typeof v === 'string' ? v.trim().slice(0, 10) : '';
  return CalendarDate.safeParse(s).success ? s : undefined;
}, z.string().optional());

const LEAF_TYPES = new Set(['movie', 'episode']);
/** A year outside this range is a data error (a typo, a timestamp), not a film from the future. */
const YEARS = { min: 1800, max: 2200 };

export const PlexMetadata = z
  .object({
    ratingKey: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1)),
    key: str,
    guid: str,
    type: z.string().min(1),
    title: z.string().trim().min(1, 'no title'),
    year: num,
    index: num,
    parentIndex: num,
    grandparentTitle: str,
    grandparentRatingKey: str,
    grandparentGuid: str,
    updatedAt: num,
    /** Real servers leave `updatedAt` out on items never refreshed (see the type=4 capture). */
    addedAt: num,
    leafCount: num,
    duration: num,
    editionTitle: str,
    /** Scheduler metadata. Listings carry the first few `Genre` tags only; the item's own metadata all of them. */
    contentRating: str,
    summary: str,
    originallyAvailableAt: date,
    studio: str,
    Genre: list(PlexTag),
    Guid: list(PlexGuid),
    Media: list(PlexMedia),
    Marker: list(PlexMarker),
    Chapter: list(PlexChapter),
  })
  .superRefine((item, ctx) => {
    if (item.year !== undefined && (!Number.isInteger(item.year) || item.year < YEARS.min || item.year > YEARS.max))
      ctx.addIssue({ code: 'custom', path: ['year'], message: `absurd year ${item.year}` });
    if (LEAF_TYPES.has(item.type) && !item.Media.some((m) => m.Part.length > 0))
      ctx.addIssue({ code: 'custom', path: ['Media'], message: 'no Media with a file' });
  });
export type PlexMetadata = z.infer<typeof PlexMetadata>;
export type PlexMedia = z.infer<typeof PlexMedia>;
export type PlexPart = z.infer<typeof PlexPart>;

export const PlexSection = z.object({
  key: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1)),
  type: str,
  title: str,
  uuid: str,
  updatedAt: num,
  Location: list(z.object({ id: num, path: z.string() })),
});
export type PlexSection = z.infer<typeof PlexSection>;

/** The container around every answer: paging fields (only on paged answers) and raw children. */
export const PlexContainer = z.object({
  size: num,
  totalSize: num,
  offset: num,
  machineIdentifier: str,
  Metadata: z.array(z.unknown()).default([]),
  Directory: z.array(z.unknown()).default([]),
});
export type PlexContainer = z.infer<typeof PlexContainer>;

/** An item the boundary refused, named as Plex names it. */
export interface RejectedPlexItem {
  ratingKey: string;
  reason: string;
}

const CHILD_ELEMENTS = [
  'Video',
  'Directory',
  'Media',
  'Part',
  'Guid',
  'Marker',
  'Chapter',
  'Location',
  'Stream',
  'Genre',
  'Role',
];
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Values stay strings (a title like "1984" must not become a number); zod coerces numeric fields.
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => CHILD_ELEMENTS.includes(name),
});

/**
 * Reads a Plex answer body, XML or JSON (by content type, else by its first character), into
 * the JSON shape: `{ MediaContainer: { ...attributes, Metadata: [...], Directory: [...] } }`.
 */
export function parsePlexBody(body: string, contentType: string | null): unknown {
  const text = body.trimStart();
  const isJson = contentType?.includes('json') ?? (text.startsWith('{') || text.startsWith('['));
  if (isJson || (!contentType?.includes('xml') && text.startsWith('{'))) return JSON.parse(text);
  const doc = xml.parse(text) as { MediaContainer?: Record<string, unknown> };
  const container = doc.MediaContainer;
  if (!container || typeof container !== 'object') throw new SyntaxError('no MediaContainer');
  const { Video = [], Directory = [], ...rest } = container as { Video?: unknown[]; Directory?: unknown[] };
  // In XML a show (or season) is a <Directory> with a ratingKey; a library section is one without.
  const isItem = (d: unknown) => typeof d === 'object' && d !== null && 'ratingKey' in d;
  return {
    MediaContainer: {
      ...rest,
      Metadata: [...(Video as unknown[]), ...(Directory as unknown[]).filter(isItem)],
      Directory: (Directory as unknown[]).filter((d) => !isItem(d)),
    },
  };
}

/** The container of a parsed body; anything without one is a protocol error. */
export function containerOf(body: unknown): PlexContainer | null {
  const parsed = z.object({ MediaContainer: PlexContainer }).safeParse(body);
  return parsed.success ? parsed.data.MediaContainer : null;
}

/** Validates each item on its own: the good ones, and the others with their ratingKey and reason. */
export function validateItems(raw: unknown[]): { items: PlexMetadata[]; rejected: RejectedPlexItem[] } {
  const items: PlexMetadata[] = [];
  const rejected: RejectedPlexItem[] = [];
  for (const entry of raw) {
    const parsed = PlexMetadata.safeParse(entry);
    if (parsed.success) items.push(parsed.data);
    else {
      const ratingKey = String((entry as { ratingKey?: unknown } | null)?.ratingKey ?? '(none)');
      const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'item'}: ${i.message}`).join('; ');
      rejected.push({ ratingKey, reason });
    }
  }
  return { items, rejected };
}

export function validateSections(raw: unknown[]): PlexSection[] {
  return raw.flatMap((entry) => {
    const parsed = PlexSection.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}
