import { z } from 'zod';
import {
  DeletedOut,
  EntityType,
  Id,
  pageOf,
  PageInput,
  Provider,
  ProviderKey,
  ProviderRefGraph,
  ProviderRefOut,
} from '../schemas.js';
import { attach, detach, find, findPlexItem, listProviderRefs } from '../services/providerRefs.js';
import { procedure, router } from '../trpc.js';

export const providerRefsRouter = router({
  /** The refs of one entity. */
  list: procedure
    .input(z.strictObject({ ...PageInput, entityType: EntityType, entityId: Id }))
    .output(pageOf(ProviderRefOut))
    .query(({ ctx, input }) => listProviderRefs(ctx.db, input)),

  /** (provider, key) -> the ref with its title, episode or asset. */
  find: procedure
    .input(z.strictObject({ provider: Provider, providerKey: ProviderKey, entityType: EntityType.optional() }))
    .output(ProviderRefGraph)
    .query(({ ctx, input }) => find(ctx.db, input)),

  /** What Plex tells a client (server machineIdentifier + ratingKey) -> the ref with its title or episode. */
  findPlex: procedure
    .input(
      z.strictObject({
        machineIdentifier: z.string().trim().min(1).max(100),
        ratingKey: z
          .string()
          .trim()
          .regex(/^\d{1,20}$/, 'must be a Plex ratingKey'),
      }),
    )
    .output(ProviderRefGraph)
    .query(({ ctx, input }) => findPlexItem(ctx.db, input)),

  attach: procedure
    .input(
      z.strictObject({
        entityType: EntityType,
        entityId: Id,
        provider: Provider,
        providerKey: ProviderKey,
        raw: z.json().optional(),
      }),
    )
    .output(ProviderRefOut)
    .mutation(({ ctx, input }) => attach(ctx.db, input)),

  detach: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => detach(ctx.db, input)),
});
