import type { Knex } from 'knex';
import { conflict, notFound } from '../errors.js';
import { ReviewItem, type ReviewStatus } from '../models/index.js';
import { linkEpisode, setCanonical } from './assets.js';
import { byIdOf } from './crud.js';
import { paginate, type Page, type PageRequest, type SortKey } from './pagination.js';

/**
 * Moves a pending review item to `resolved` or `rejected` and stamps `resolved_at`.
 * The conditional update is the state machine: of two concurrent moves exactly one wins,
 * the other sees no pending row and gets CONFLICT.
 */
async function leavePending(trx: Knex.Transaction, id: string, status: Exclude<ReviewStatus, 'pending'>): Promise<ReviewItem> {
  const [row] = await trx('review_queue')
    .update({ status, resolved_at: trx.fn.now() })
    .where({ id, status: 'pending' })
    .returning('*');
  if (row) return ReviewItem.fromDatabaseJson(row as Record<string, unknown>);
  const existing = await trx('review_queue').where({ id }).first('status');
  if (!existing) throw notFound('review item', id);
  throw conflict(`review item is already ${(existing as { status: string }).status}; only pending items can move`);
}

export interface ResolveOptions {
  /** Link the reviewed asset to this episode as part of the resolution. */
  episodeId?: string | undefined;
  /** Also make the asset the episode's canonical version. */
  makeCanonical?: boolean | undefined;
}

export async function resolveReview(db: Knex, id: string, { episodeId, makeCanonical }: ResolveOptions): Promise<ReviewItem> {
  return db.transaction(async (trx) => {
    const item = await leavePending(trx, id, 'resolved');
    if (episodeId) {
      const linked = await trx('episode_assets').where({ episode_id: episodeId, asset_id: item.assetId }).first('asset_id');
      if (!linked) await linkEpisode(trx, { assetId: item.assetId, episodeId });
      if (makeCanonical) await setCanonical(trx, episodeId, item.assetId);
    }
    return item;
  });
}

export async function rejectReview(db: Knex, id: string): Promise<ReviewItem> {
  return db.transaction((trx) => leavePending(trx, id, 'rejected'));
}

/** Oldest first: the queue is worked in the order items arrived. */
const QUEUE_ORDER: SortKey[] = [
  { sql: 'review_queue.created_at', type: 'timestamptz' },
  { sql: 'review_queue.id', type: 'uuid' },
];

export async function listReviews(
  db: Knex,
  { status, assetId, ...page }: PageRequest & { status?: ReviewStatus | undefined; assetId?: string | undefined },
): Promise<Page<ReviewItem>> {
  const query = ReviewItem.query(db);
  if (status) query.where('review_queue.status', status);
  if (assetId) query.where('review_queue.asset_id', assetId);
  return paginate(query, `reviews:${status ?? ''}:${assetId ?? ''}`, QUEUE_ORDER, page);
}

export const getReview = byIdOf<ReviewItem>(ReviewItem, 'review item').get;

export const enqueueReview = async (
  db: Knex,
  input: { assetId: string; reason: string; confidence: number },
): Promise<ReviewItem> => ReviewItem.query(db).insertAndFetch(input);
