import { z } from 'zod';
import { Id, pageOf, PageInput, ReviewOut, ReviewStatus } from '../schemas.js';
import { enqueueReview, getReview, listReviews, rejectReview, resolveReview } from '../services/reviews.js';
import { procedure, router } from '../trpc.js';

export const reviewsRouter = router({
  /** Oldest first. */
  list: procedure
    .input(z.strictObject({ ...PageInput, status: ReviewStatus.optional(), assetId: Id.optional() }))
    .output(pageOf(ReviewOut))
    .query(({ ctx, input }) => listReviews(ctx.db, input)),

  get: procedure
    .input(z.strictObject({ id: Id }))
    .output(ReviewOut)
    .query(({ ctx, input }) => getReview(ctx.db, input)),

  enqueue: procedure
    .input(z.strictObject({ assetId: Id, reason: z.string().trim().min(1).max(2000), confidence: z.number().min(0).max(1) }))
    .output(ReviewOut)
    .mutation(({ ctx, input }) => enqueueReview(ctx.db, input)),

  /** pending -> resolved; may link the asset to an episode (and make it canonical) in the same transaction. */
  resolve: procedure
    .input(z.strictObject({ id: Id, episodeId: Id.optional(), makeCanonical: z.boolean().optional() }))
    .output(ReviewOut)
    .mutation(({ ctx, input: { id, ...options } }) => resolveReview(ctx.db, id, options)),

  /** pending -> rejected. */
  reject: procedure
    .input(z.strictObject({ id: Id }))
    .output(ReviewOut)
    .mutation(({ ctx, input }) => rejectReview(ctx.db, input.id)),
});
