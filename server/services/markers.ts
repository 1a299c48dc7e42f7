import type { Knex } from 'knex';
import { badRequest, notFound } from '../errors.js';
import { Marker, type JsonObject } from '../models/index.js';
import { byIdOf, definedOnly } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';

export interface MarkerInput {
  kind: string;
  startMs: number;
  endMs: number;
  payload?: JsonObject | null | undefined;
}

/**
 * Locks the asset and returns its duration, so markers are checked against a stable value. A swap of
 * the whole set locks it exclusively: concurrent swaps then run one after another and the last wins whole.
 */
async function assetDuration(trx: Knex.Transaction, assetId: string, exclusive = false): Promise<number | null> {
  const query = trx('assets').where({ id: assetId });
  const asset = await (exclusive ? query.forUpdate() : query.forShare()).first('duration_ms');
  if (!asset) throw notFound('asset', assetId);
  return (asset as { duration_ms: number | null }).duration_ms;
}

function checkMarker(marker: Pick<MarkerInput, 'startMs' | 'endMs'>, durationMs: number | null, label = 'marker'): void {
  if (marker.startMs > marker.endMs) throw badRequest(`${label}: startMs must not be after endMs`);
  if (durationMs !== null && marker.endMs > durationMs)
    throw badRequest(`${label}: endMs ${marker.endMs} is past the asset's duration (${durationMs} ms)`);
}

export async function createMarker(db: Knex, assetId: string, input: MarkerInput): Promise<Marker> {
  return db.transaction(async (trx) => {
    checkMarker(input, await assetDuration(trx, assetId));
    return Marker.query(trx).insertAndFetch({ assetId, ...input });
  });
}

export async function updateMarker(db: Knex, id: string, patch: Partial<MarkerInput>): Promise<Marker> {
  return db.transaction(async (trx) => {
    const current = await Marker.query(trx).findById(id).forUpdate();
    if (!current) throw notFound('marker', id);
    const next = { startMs: patch.startMs ?? current.startMs, endMs: patch.endMs ?? current.endMs };
    checkMarker(next, await assetDuration(trx, current.assetId));
    const defined = definedOnly(patch);
    return Object.keys(defined).length === 0 ? current : current.$query(trx).patchAndFetch(defined);
  });
}

/** Swaps all of an asset's markers for a new set, atomically: either all are replaced or none. */
export async function replaceMarkers(db: Knex, assetId: string, markers: MarkerInput[]): Promise<Marker[]> {
  return db.transaction(async (trx) => {
    const durationMs = await assetDuration(trx, assetId, true);
    markers.forEach((m, i) => checkMarker(m, durationMs, `markers.${i}`));
    await trx('markers').where({ asset_id: assetId }).delete();
    if (markers.length === 0) return [];
    await trx('markers').insert(
      markers.map((m) => ({
        asset_id: assetId,
        kind: m.kind,
        start_ms: m.startMs,
        end_ms: m.endMs,
        payload: m.payload == null ? null : JSON.stringify(m.payload),
      })),
    );
    return Marker.query(trx).where('asset_id', assetId).modify('ordered');
  });
}

const ON_TIMELINE: SortKey[] = [
  { sql: 'markers.start_ms', type: 'int' },
  { sql: 'markers.id', type: 'uuid' },
];
const BY_ID: SortKey[] = [{ sql: 'markers.id', type: 'uuid' }];

/** By asset: in timeline order. Without an asset: by id. */
export async function listMarkers(
  db: Knex,
  { assetId, kind, ...page }: PageRequest & { assetId?: string | undefined; kind?: string | undefined },
): Promise<Page<Marker>> {
  const query = Marker.query(db);
  if (assetId) query.where('markers.asset_id', assetId);
  if (kind) query.where('markers.kind', kind);
  return paginate(query, `markers:${assetId ?? ''}:${kind ?? ''}`, assetId ? ON_TIMELINE : BY_ID, page);
}

export const deleteMarker = byIdOf<Marker>(Marker, 'marker').remove;
