import { z } from 'zod';
import { badRequest } from '../errors.js';
import { fieldErrors, Id, PageInput } from '../schemas.js';
import { ingestItems } from '../services/ingest/core.js';
import { IngestItem, MAX_ITEMS_PER_CALL } from '../services/ingest/items.js';
import { JOB_STATES } from '../services/ingest/queue.js';
import { procedure, router } from '../trpc.js';

/**
 * Items are validated one by one so that a bad item is named by its index. All-or-nothing by
 * default: one bad item refuses the call; with `partial: true` the good items are written and
 * the bad ones come back in `rejected`.
 */
const ItemsInput = z.strictObject({
  // Typed for callers, validated item by item below so errors name the item.
  items: z.array(z.custom<z.input<typeof IngestItem>>()).min(1).max(MAX_ITEMS_PER_CALL),
  partial: z.boolean().default(false),
  collectionId: Id.optional(),
});

export const ingestRouter = router({
  items: procedure.input(ItemsInput).mutation(async ({ ctx, input }) => {
    const valid: IngestItem[] = [];
    const rejected: Array<{ index: number; errors: Array<{ path: string; message: string }> }> = [];
    input.items.forEach((raw, index) => {
      const parsed = IngestItem.safeParse(raw);
      if (parsed.success) valid.push(parsed.data);
      else rejected.push({ index, errors: fieldErrors(parsed.error.issues) });
    });
    if (rejected.length && !input.partial) {
      const first = rejected
        .slice(0, 5)
        .map((r) => `items.${r.index}: ${r.errors.map((e) => `${e.path || '(item)'} ${e.message}`).join(', ')}`);
      throw badRequest(`${rejected.length} invalid item(s), nothing written: ${first.join('; ')}`);
    }
    // One call, one batch, one transaction: a call that fails in the database writes nothing.
    const report = await ingestItems(ctx.db, valid, {
      batchSize: MAX_ITEMS_PER_CALL,
      ...(input.collectionId ? { collectionId: input.collectionId } : {}),
    });
    return { report, rejected };
  }),

  /** Pulls a whole enabled collection from its source through the job queue and waits for the end. */
  collection: procedure
    .input(z.strictObject({ collectionId: Id }))
    .mutation(async ({ ctx, input }) => ctx.queue.wait((await ctx.queue.enqueue(input.collectionId)).id)),

  /** Queues a collection ingest (or returns the one already queued or running); follow it with `ingest.status`. */
  start: procedure
    .input(z.strictObject({ collectionId: Id }))
    .mutation(({ ctx, input }) => ctx.queue.enqueue(input.collectionId)),

  /** State, stored progress and, once ended, the report or error of a job, from any replica. */
  status: procedure.input(z.strictObject({ jobId: Id })).query(({ ctx, input }) => ctx.queue.get(input.jobId)),

  /** Recent jobs first, optionally of one collection or in one state. */
  list: procedure
    .input(z.strictObject({ ...PageInput, collectionId: Id.optional(), state: z.enum(JOB_STATES).optional() }))
    .query(({ ctx, input }) => ctx.queue.list(input)),

  /** Cancels a queued or running job; a running one stops after its current batch (what it committed stays). */
  cancel: procedure.input(z.strictObject({ jobId: Id })).mutation(({ ctx, input }) => ctx.queue.cancel(input.jobId)),
});
