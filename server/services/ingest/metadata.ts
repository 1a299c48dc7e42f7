import type { IngestItem } from '../../domain/items.js';

/**
 * SQL pieces the ingest core uses to write titles' and episodes' metadata (genres, content rating,
 * summary, original date, studio/network). An item's absent field keeps what is stored (a source
 * never clears a field), and a field a person edited (listed in `locked_fields`) is never
 * overwritten by a sync.
 */

type Metadata = Pick<
  NonNullable<IngestItem['title']>,
  'genres' | 'contentRating' | 'summary' | 'originallyAvailableAt' | 'studio'
>;

const FIELDS = [
  { column: 'genres', field: 'genres', type: 'jsonb' },
  { column: 'content_rating', field: 'contentRating', type: 'text' },
  { column: 'summary', field: 'summary', type: 'text' },
  { column: 'originally_available_at', field: 'originallyAvailableAt', type: 'date' },
  { column: 'studio', field: 'studio', type: 'text' },
] as const;

/** Column names, for INSERT column lists and unnest aliases (`genres` arrives as a jsonb array). */
export const METADATA_COLUMNS = FIELDS.map((f) => f.column).join(', ');
/** The unnest parameter types, in METADATA_COLUMNS order. */
export const METADATA_PARAMS = FIELDS.map((f) => `?::${f.type}[]`).join(', ');

/** One binding array per field (null = not sent). Genres travel as JSON (unnest cannot take ragged arrays). */
export function metadataBindings(rows: Array<Metadata | undefined>): unknown[][] {
  return [
    rows.map((m) => (m?.genres?.length ? JSON.stringify(m.genres) : null)),
    rows.map((m) => m?.contentRating ?? null),
    rows.map((m) => m?.summary ?? null),
    rows.map((m) => m?.originallyAvailableAt ?? null),
    rows.map((m) => m?.studio ?? null),
  ];
}

/** The values to INSERT for a new row, from the unnest alias `src`. */
export const insertValues = (src: string): string =>
  FIELDS.map((f) =>
    f.column === 'genres'
      ? `ARRAY(SELECT jsonb_array_elements_text(coalesce(${src}.genres, '[]'::jsonb)))`
      : `${src}.${f.column}`,
  ).join(', ');

/** What the sync sent for a field: from the unnest alias (`input`) or from `excluded` (an empty genre list means not sent). */
const incoming = (src: string, column: string, from: 'input' | 'excluded'): string => {
  if (column !== 'genres') return `${src}.${column}`;
  return from === 'input'
    ? `(CASE WHEN ${src}.genres IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(${src}.genres)) END)`
    : `nullif(${src}.genres, '{}'::text[])`;
};

/** The stored row's metadata, as a comma list. */
export const storedValues = (stored: string): string => FIELDS.map((f) => `${stored}.${f.column}`).join(', ');

/** The metadata after this sync: locked fields as stored, others the incoming value when sent. */
const merged = (stored: string, src: string, from: 'input' | 'excluded'): string[] =>
  FIELDS.map(
    (f) =>
      `CASE WHEN '${f.field}' = ANY(${stored}.locked_fields) THEN ${stored}.${f.column} ` +
      `ELSE coalesce(${incoming(src, f.column, from)}, ${stored}.${f.column}) END`,
  );
export const mergedValues = (stored: string, src: string, from: 'input' | 'excluded'): string =>
  merged(stored, src, from).join(', ');

/** `col = merged, ...` for ON CONFLICT DO UPDATE. */
export const mergedAssignments = (stored: string): string =>
  merged(stored, 'excluded', 'excluded')
    .map((value, i) => `${FIELDS[i]!.column} = ${value}`)
    .join(', ');

/** An episode's name after this sync: a name a person edited stays. */
export const mergedName = (stored: string, incomingName: string): string =>
  `CASE WHEN 'name' = ANY(${stored}.locked_fields) THEN ${stored}.name ELSE coalesce(${incomingName}, ${stored}.name) END`;
