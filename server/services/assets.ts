import type { Knex } from 'knex';
import { conflict, notFound } from '../errors.js';
import { Asset, EpisodeAsset } from '../models/index.js';
import { assertDurationCoversMarkers } from './assetUpdate.js';
import { byIdOf } from './crud.js';
import { paginate, sortKeys, type Page, type PageRequest } from './pagination.js';

export interface AssetInput {
  uri: string;
  size: number;
  durationMs?: number | null | undefined;
  videoCodec?: string | null | undefined;
  audioCodec?: string | null | undefined;
  container?: string | null | undefined;
  hashSha256?: string | null | undefined;
}

const ASSET_COLUMNS = {
  uri: 'uri',
  size: 'size',
  durationMs: 'duration_ms',
  videoCodec: 'video_codec',
  audioCodec: 'audio_codec',
  container: 'container',
  hashSha256: 'hash_sha256',
} as const satisfies Record<keyof AssetInput, string>;

/**
 * Upsert by uri. Only the fields the caller sent are overwritten on an existing asset, so
 * re-registering a file with fewer details does not erase what a probe found earlier.
 */
export async function registerAsset(db: Knex, input: AssetInput): Promise<{ asset: Asset; created: boolean }> {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(ASSET_COLUMNS)) {
    const value = input[key as keyof AssetInput];
    if (value !== undefined) row[column] = value;
  }
  if (input.durationMs != null) {
    // Re-registering may change the duration: it must still cover the asset's markers.
    return db.transaction(async (trx) => {
      const existing = await trx('assets').where({ uri: input.uri }).forUpdate().first('id');
      if (existing) await assertDurationCoversMarkers(trx, (existing as { id: string }).id, input.durationMs);
      return upsertAsset(trx, row);
    });
  }
  return upsertAsset(db, row);
}

async function upsertAsset(db: Knex, row: Record<string, unknown>): Promise<{ asset: Asset; created: boolean }> {
  const [result] = (await db('assets')
    .insert(row)
    .onConflict('uri')
    .merge(Object.keys(row).filter((c) => c !== 'uri'))
    .returning(['*', db.raw('(xmax = 0) AS created')])) as Array<Record<string, unknown>>;
  const { created, ...columns } = result!;
  return { asset: Asset.fromDatabaseJson(columns), created: created === true };
}

/** Locks the episode row so that concurrent canonical changes on one episode run one after another. */
async function lockEpisode(trx: Knex.Transaction, episodeId: string): Promise<void> {
  const episode = await trx('episodes').where({ id: episodeId }).forUpdate().first('id');
  if (!episode) throw notFound('episode', episodeId);
}

/** Makes `assetId` the one canonical asset of `episodeId` (the asset must be linked to it). */
export async function setCanonical(db: Knex, episodeId: string, assetId: string): Promise<Asset> {
  return db.transaction(async (trx) => {
    await lockEpisode(trx, episodeId);
    const link = await trx('episode_assets').where({ episode_id: episodeId, asset_id: assetId }).first('asset_id');
    if (!link) throw notFound('link between this episode and asset');
    await trx('assets')
      .update({ canonical: false })
      .where('canonical', true)
      .whereNot('id', assetId)
      .whereIn('id', trx('episode_assets').select('asset_id').where('episode_id', episodeId));
    await trx('assets').update({ canonical: true }).where('id', assetId);
    return Asset.query(trx).findById(assetId).throwIfNotFound();
  });
}

export async function linkEpisode(
  db: Knex,
  { assetId, episodeId, canonical }: { assetId: string; episodeId: string; canonical?: boolean | undefined },
): Promise<Asset> {
  return db.transaction(async (trx) => {
    await lockEpisode(trx, episodeId);
    // Only a version (part 1) belongs to an episode; its parts 2..n follow it.
    const part = await trx('asset_parts').where({ asset_id: assetId }).first('version_id');
    if (part) throw conflict('the asset is part 2 or later of a version; link the version (part 1) instead');
    const inserted = await trx('episode_assets')
      .insert({ episode_id: episodeId, asset_id: assetId })
      .onConflict(['episode_id', 'asset_id'])
      .ignore()
      .returning('asset_id');
    if (inserted.length === 0) throw conflict('the asset is already linked to this episode');
    if (canonical) return setCanonical(trx, episodeId, assetId);
    return Asset.query(trx).findById(assetId).throwIfNotFound();
  });
}

export async function unlinkEpisode(db: Knex, { assetId, episodeId }: { assetId: string; episodeId: string }): Promise<Asset> {
  return db.transaction(async (trx) => {
    const removed = await EpisodeAsset.query(trx).delete().where({ episode_id: episodeId, asset_id: assetId });
    if (removed === 0) throw notFound('link between this episode and asset');
    // Canonical means "the primary version of its episode": an asset left with no episode is no one's primary.
    await trx('assets')
      .update({ canonical: false })
      .where({ id: assetId, canonical: true })
      .whereNotExists(trx('episode_assets').select(trx.raw('1')).where('asset_id', assetId));
    return Asset.query(trx).findById(assetId).throwIfNotFound();
  });
}

/** Newest discoveries last; the default order. */
const BY_DISCOVERY = sortKeys('assets', ['discovered_at', 'timestamptz']);
/** With a duration range, ordered by duration so the range is one index scan. */
const BY_DURATION = sortKeys('assets', ['duration_ms', 'int']);

export interface AssetFilters {
  canonical?: boolean | undefined;
  minDurationMs?: number | undefined;
  maxDurationMs?: number | undefined;
  videoCodec?: string | undefined;
  audioCodec?: string | undefined;
  container?: string | undefined;
  /** true: assets linked to no episode; false: linked ones. */
  unlinked?: boolean | undefined;
  discoveredSince?: Date | undefined;
}

/** Assets by discovery time, or by duration when a duration range is given (one index range scan). */
export async function listAssets(db: Knex, { cursor, limit, ...f }: PageRequest & AssetFilters): Promise<Page<Asset>> {
  const query = Asset.query(db);
  if (f.canonical !== undefined) query.where('assets.canonical', f.canonical);
  if (f.minDurationMs !== undefined) query.where('assets.duration_ms', '>=', f.minDurationMs);
  if (f.maxDurationMs !== undefined) query.where('assets.duration_ms', '<=', f.maxDurationMs);
  if (f.videoCodec) query.where('assets.video_codec', f.videoCodec);
  if (f.audioCodec) query.where('assets.audio_codec', f.audioCodec);
  if (f.container) query.where('assets.container', f.container);
  if (f.discoveredSince) query.where('assets.discovered_at', '>=', f.discoveredSince);
  if (f.unlinked !== undefined) {
    const links = db('episode_assets').select(db.raw('1')).whereRaw('episode_assets.asset_id = assets.id');
    // Parts 2..n of a version are linked through it, so never count as unlinked.
    const isPart = db('asset_parts').select(db.raw('1')).whereRaw('asset_parts.asset_id = assets.id');
    if (f.unlinked) query.whereNotExists(links).whereNotExists(isPart);
    else query.whereExists(links);
  }
  const byDuration = f.minDurationMs !== undefined || f.maxDurationMs !== undefined;
  return paginate(query, byDuration ? 'assets:duration' : 'assets', byDuration ? BY_DURATION : BY_DISCOVERY, { cursor, limit });
}

export const ASSET_INCLUDES = ['episodes', 'episodes.title', 'markers', 'reviews', 'providerRefs', 'parts'] as const;

const assets = byIdOf<Asset>(Asset, 'asset', ASSET_INCLUDES);
export const getAsset = assets.get;
// A duration may not shrink below the asset's markers (assetUpdate.ts).
export { updateAsset } from './assetUpdate.js';
export const deleteAsset = assets.remove;
