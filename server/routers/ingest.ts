import { z } from 'zod';
import { IngestItem, MAX_ITEMS_PER_CALL } from '../domain/items.js';
import { Id, IngestItemsOut, IngestJobOut, IngestJobPageOut, JobKindIn, JobStateIn, PageInput } from '../schemas.js';
import { ParsePathsInput, ParsePathsOut, parsePaths } from '../services/ingest/parsePaths.js';
import { pushItems } from '../services/ingest/pushItems.js';
import { procedure, router } from '../trpc.js';

const ItemsInput = z.strictObject({
  // Typed for callers, validated item by item in the service so errors name the item.
  items: z.array(z.custom<z.input<typeof IngestItem>>()).min(1).max(MAX_ITEMS_PER_CALL),
  partial: z.boolean().default(false),
  collectionId: Id.optional(),
});
const CollectionInput = z.strictObject({ collectionId: Id });
const JobInput = z.strictObject({ jobId: Id });

export const ingestRouter = router({
  /** Normalized items in; all-or-nothing unless `partial: true` (then the bad ones come back in `rejected`). */
  items: procedure
    .input(ItemsInput)
    .output(IngestItemsOut)
    .mutation(({ ctx, input }) => pushItems(ctx.db, input)),

  /** Pulls a whole enabled collection through the job queue and waits for the end (a failure answers with its error). */
  collection: procedure
    .input(CollectionInput)
    .output(IngestJobOut)
    .mutation(({ ctx, input }) => ctx.queue.runAndWait(input.collectionId)),

  /** Queues a collection ingest, or returns the one already queued or running; follow it with `ingest.status`. */
  start: procedure
    .input(CollectionInput)
    .output(IngestJobOut)
    .mutation(({ ctx, input }) => ctx.queue.enqueue(input.collectionId)),

  /** State, stored progress and, once ended, the report or error of a job, from any replica. */
  status: procedure
    .input(JobInput)
    .output(IngestJobOut)
    .query(({ ctx, input }) => ctx.queue.get(input.jobId)),

  /** Recent jobs first (keyset paged): collection runs and live sync's targeted jobs (`kind`), optionally of one collection, state or kind. */
  list: procedure
    .input(
      z.strictObject({ ...PageInput, collectionId: Id.optional(), state: JobStateIn.optional(), kind: JobKindIn.optional() }),
    )
    .output(IngestJobPageOut)
    .query(({ ctx, input }) => ctx.queue.list(input)),

  /** Cancels a queued or running job; a running one stops after its current batch (what it committed stays). */
  cancel: procedure
    .input(JobInput)
    .output(IngestJobOut)
    .mutation(({ ctx, input }) => ctx.queue.cancel(input.jobId)),
  /** How the folder scanner would read these paths (up to 500), touching nothing. */
  parsePaths: procedure
    .input(ParsePathsInput)
    .output(ParsePathsOut)
    .query(({ input }) => parsePaths(input)),
});
