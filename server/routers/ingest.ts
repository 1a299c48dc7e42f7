import { z } from 'zod';
import { IngestItem, MAX_ITEMS_PER_CALL } from '../domain/items.js';
import { Id, IngestItemsOut, IngestJobOut } from '../schemas.js';
import { getJob, runCollectionIngest, startCollectionIngest } from '../services/ingest/jobs.js';
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

export const ingestRouter = router({
  /** Normalized items in; all-or-nothing unless `partial: true` (then the bad ones come back in `rejected`). */
  items: procedure
    .input(ItemsInput)
    .output(IngestItemsOut)
    .mutation(({ ctx, input }) => pushItems(ctx.db, input)),

  /** Pulls a whole enabled collection from its source and waits for the report. */
  collection: procedure
    .input(CollectionInput)
    .output(IngestJobOut)
    .mutation(({ ctx, input }) => runCollectionIngest(ctx.db, input.collectionId)),

  /** Starts a collection ingest in the background; follow it with `ingest.status`. */
  start: procedure
    .input(CollectionInput)
    .output(IngestJobOut)
    .mutation(({ ctx, input }) => startCollectionIngest(ctx.db, input.collectionId)),

  /** Progress and, once done, the report of an ingest started here. */
  status: procedure
    .input(z.strictObject({ jobId: Id }))
    .output(IngestJobOut)
    .query(({ input }) => getJob(input.jobId)),

  /** How the folder scanner would read these paths (up to 500), touching nothing. */
  parsePaths: procedure
    .input(ParsePathsInput)
    .output(ParsePathsOut)
    .query(({ input }) => parsePaths(input)),
});
