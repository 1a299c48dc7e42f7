import { z } from 'zod';
import { ReviewItem } from '../models/index.js';
import { Id, PageInput, ReviewOut, ReviewStatus } from '../schemas.js';
import { findOrThrow, shape, shapePage } from '../services/crud.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { rejectReview, resolveReview } from '../services/reviews.js';
import { procedure, router } from '../trpc.js';

/** Oldest first: the queue is worked in the order items arrived. */
const QUEUE_ORDER: SortKey[] = [
  { sql: 'review_queue.created_at', type: 'timestamptz' },
  { sql: 'review_queue.id', type: 'uuid' },
];

export const reviewsRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, status: ReviewStatus.optional(), assetId: Id.optional() }))
    .query(async ({ ctx, input }) => {
      const query = ReviewItem.query(ctx.db);
      if (input.status) query.where('review_queue.status', input.status);
      if (input.assetId) query.where('review_queue.asset_id', input.assetId);
      const scope = `reviews:${input.status ?? ''}:${input.assetId ?? ''}`;
      return shapePage(ReviewOut, await paginate(query, scope, QUEUE_ORDER, input));
    }),

  get: procedure
    .input(z.strictObject({ id: Id }))
    .query(async ({ ctx, input }) => shape(ReviewOut, await findOrThrow(ReviewItem, ctx.db, input.id, 'review item'))),

  enqueue: procedure
    .input(
      z.strictObject({
        assetId: Id,
        reason: z.string().trim().min(1).max(2000),
        confidence: z.number().min(0).max(1),
      }),
    )
    .mutation(async ({ ctx, input }) => shape(ReviewOut, await ReviewItem.query(ctx.db).insertAndFetch(input))),

  /** pending -> resolved; may link the asset to an episode (and make it canonical) in the same transaction. */
  resolve: procedure
    .input(z.strictObject({ id: Id, episodeId: Id.optional(), makeCanonical: z.boolean().optional() }))
    .mutation(async ({ ctx, input: { id, ...options } }) => shape(ReviewOut, await resolveReview(ctx.db, id, options))),

  /** pending -> rejected. */
  reject: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(async ({ ctx, input }) => shape(ReviewOut, await rejectReview(ctx.db, input.id))),
});
