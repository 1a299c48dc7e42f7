import { z } from 'zod';
import { badRequest } from '../errors.js';
import { fieldErrors, Id } from '../schemas.js';
import { ingestItems } from '../services/ingest/core.js';
import { IngestItem, MAX_ITEMS_PER_CALL } from '../domain/items.js';
import { getJob, runCollectionIngest, startCollectionIngest } from '../services/ingest/jobs.js';
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

  /** Pulls a whole enabled collection from its source and waits for the report. */
  collection: procedure.input(z.strictObject({ collectionId: Id })).mutation(async ({ ctx, input }) => {
    const job = await runCollectionIngest(ctx.db, input.collectionId);
    return job;
  }),

  /** Starts a collection ingest in the background; follow it with `ingest.status`. */
  start: procedure
    .input(z.strictObject({ collectionId: Id }))
    .mutation(({ ctx, input }) => startCollectionIngest(ctx.db, input.collectionId)),

  /** Progress and, once done, the report of an ingest started here. */
  status: procedure.input(z.strictObject({ jobId: Id })).query(({ input }) => getJob(input.jobId)),
});
