import { z } from 'zod';
import { ProviderRef } from '../models/index.js';
import { EntityType, Id, PageInput, ProviderRefGraph, ProviderRefOut } from '../schemas.js';
import { deleteOrThrow, shape, shapePage } from '../services/crud.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { attach, find, findPlexItem } from '../services/providerRefs.js';
import { procedure, router } from '../trpc.js';

const Provider = z.string().trim().min(1).max(50);
const ProviderKey = z.string().min(1).max(1000);
const BY_PROVIDER: SortKey[] = [
  { sql: 'provider_refs.provider', type: 'text' },
  { sql: 'provider_refs.provider_key', type: 'text' },
  { sql: 'provider_refs.id', type: 'uuid' },
];

export const providerRefsRouter = router({
  /** The refs of one entity. */
  list: procedure.input(z.strictObject({ ...PageInput, entityType: EntityType, entityId: Id })).query(async ({ ctx, input }) => {
    const query = ProviderRef.query(ctx.db).where({ entity_type: input.entityType, entity_id: input.entityId });
    const scope = `providerRefs:${input.entityType}:${input.entityId}`;
    return shapePage(ProviderRefOut, await paginate(query, scope, BY_PROVIDER, input));
  }),

  /** (provider, key) -> the ref with its title, episode or asset. */
  find: procedure
    .input(z.strictObject({ provider: Provider, providerKey: ProviderKey, entityType: EntityType.optional() }))
    .query(async ({ ctx, input }) => shape(ProviderRefGraph, await find(ctx.db, input))),

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
    .query(async ({ ctx, input }) => shape(ProviderRefGraph, await findPlexItem(ctx.db, input))),

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
    .mutation(async ({ ctx, input }) => shape(ProviderRefOut, await attach(ctx.db, input))),

  detach: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(ProviderRef, ctx.db, input.id, 'provider ref')),
});
