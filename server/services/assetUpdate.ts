import type { Knex } from 'knex';
import { badRequest, notFound } from '../errors.js';
import { Asset } from '../models/index.js';
import type { AssetInput } from './assets.js';
import { definedOnly } from './crud.js';

/**
 * A duration may not end before the asset's markers do (the rule markers.create enforces from the
 * other side). Call with the asset row locked, so no marker is added in between.
 */
export async function assertDurationCoversMarkers(
  trx: Knex.Transaction,
  assetId: string,
  durationMs: number | null | undefined,
): Promise<void> {
  if (durationMs === null || durationMs === undefined) return;
  const row = (await trx('markers').where({ asset_id: assetId }).max({ end: 'end_ms' }).first()) as
    { end: number | null } | undefined;
  const lastEnd = row?.end === null || row?.end === undefined ? null : Number(row.end);
  if (lastEnd !== null && lastEnd > durationMs)
    throw badRequest(`durationMs ${durationMs} is shorter than the asset's markers (the last ends at ${lastEnd} ms)`);
}

export async function updateAsset(db: Knex, { id, ...patch }: { id: string } & Partial<AssetInput>): Promise<Asset> {
  return db.transaction(async (trx) => {
    const current = await Asset.query(trx).findById(id).forUpdate();
    if (!current) throw notFound('asset', id);
    await assertDurationCoversMarkers(trx, id, patch.durationMs);
    const defined = definedOnly(patch);
    return Object.keys(defined).length === 0 ? current : current.$query(trx).patchAndFetch(defined);
  });
}
