import { z } from 'zod';
import { SourceCollection } from '../models/index.js';
import { CollectionGraph, CollectionOut, Id, includeOf, JsonRecord, Name, PageInput } from '../schemas.js';
import { findOrThrow, shape, shapePage } from '../services/crud.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { discover, redactSource } from '../services/sources.js';
import { updateCollection } from '../services/collectionUpdate.js';
import { procedure, router } from '../trpc.js';

const COLLECTION_INCLUDES = ['source', 'pathMappings'] as const;
const BY_NAME: SortKey[] = [
  { sql: 'source_collections.name', type: 'text' },
  { sql: 'source_collections.id', type: 'uuid' },
];

export const collectionsRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, sourceId: Id.optional(), enabled: z.boolean().optional() }))
    .query(async ({ ctx, input }) => {
      const query = SourceCollection.query(ctx.db);
      if (input.sourceId) query.where('source_collections.source_id', input.sourceId);
      if (input.enabled !== undefined) query.where('source_collections.enabled', input.enabled);
      const scope = `collections:${input.sourceId ?? ''}:${input.enabled ?? ''}`;
      return shapePage(CollectionOut, await paginate(query, scope, BY_NAME, input));
    }),

  get: procedure.input(z.strictObject({ id: Id, include: includeOf(COLLECTION_INCLUDES) })).query(async ({ ctx, input }) => {
    const collection = await findOrThrow<SourceCollection>(SourceCollection, ctx.db, input.id, 'collection', {
      include: input.include,
      allowed: COLLECTION_INCLUDES,
    });
    const json = collection.toJSON();
    return CollectionGraph.parse(json.source ? { ...json, source: redactSource(json.source) } : json);
  }),

  /** Asks the source for its libraries and upserts them; new collections start disabled. */
  discover: procedure.input(z.strictObject({ sourceId: Id })).mutation(async ({ ctx, input }) => {
    const collections = await discover(ctx.db, input.sourceId);
    return collections.map((c) => shape(CollectionOut, c));
  }),

  update: procedure
    .input(
      z.strictObject({
        id: Id,
        name: Name.optional(),
        enabled: z.boolean().optional(),
        config: JsonRecord.nullable().optional(),
      }),
    )
    .mutation(async ({ ctx, input: { id, ...patch } }) => shape(CollectionOut, await updateCollection(ctx.db, id, patch))),
});
