import { z } from 'zod';
import { CollectionGraph, CollectionOut, Id, includeOf, JsonRecord, Name, pageOf, PageInput } from '../schemas.js';
import { COLLECTION_INCLUDES, discover, getCollection, listCollections, updateCollection } from '../services/collections.js';
import { procedure, router } from '../trpc.js';

export const collectionsRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, sourceId: Id.optional(), enabled: z.boolean().optional() }))
    .output(pageOf(CollectionOut))
    .query(({ ctx, input }) => listCollections(ctx.db, input)),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(COLLECTION_INCLUDES) }))
    .output(CollectionGraph)
    .query(({ ctx, input }) => getCollection(ctx.db, input)),

  /** Asks the source for its libraries and upserts them; new collections start disabled. */
  discover: procedure
    .input(z.strictObject({ sourceId: Id }))
    .output(z.array(CollectionOut))
    .mutation(({ ctx, input }) => discover(ctx.db, input.sourceId)),

  update: procedure
    .input(
      z.strictObject({
        id: Id,
        name: Name.optional(),
        enabled: z.boolean().optional(),
        config: JsonRecord.nullable().optional(),
      }),
    )
    .output(CollectionOut)
    .mutation(({ ctx, input }) => updateCollection(ctx.db, input)),
});
