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
import { attach, detach, find, listProviderRefs } from '../services/providerRefs.js';
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
