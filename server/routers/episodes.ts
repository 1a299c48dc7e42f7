import { z } from 'zod';
import { Episode } from '../models/index.js';
import { EpisodeGraph, EpisodeOut, Id, includeOf, JsonRecord, NonNegativeInt, PageInput } from '../schemas.js';
import { deleteOrThrow, findOrThrow, patchOrThrow, shape, shapePage } from '../services/crud.js';
import { listEpisodes } from '../services/episodes.js';
import { procedure, router } from '../trpc.js';

const EPISODE_INCLUDES = ['title', 'season', 'assets', 'assets.markers', 'assets.providerRefs', 'providerRefs'] as const;

const EpisodeFields = {
  seasonId: Id.nullable().optional(),
  number: NonNegativeInt.nullable().optional(),
  name: z.string().trim().max(255).nullable().optional(),
  externalIds: JsonRecord.nullable().optional(),
};

export const episodesRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, titleId: Id.optional(), seasonId: Id.optional() }))
    .query(async ({ ctx, input }) => shapePage(EpisodeOut, await listEpisodes(ctx.db, input))),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(EPISODE_INCLUDES) }))
    .query(async ({ ctx, input }) =>
      shape(
        EpisodeGraph,
        await findOrThrow(Episode, ctx.db, input.id, 'episode', { include: input.include, allowed: EPISODE_INCLUDES }),
      ),
    ),

  create: procedure
    .input(z.strictObject({ titleId: Id, ...EpisodeFields }))
    .mutation(async ({ ctx, input }) => shape(EpisodeOut, await Episode.query(ctx.db).insertAndFetch(input))),

  update: procedure
    .input(z.strictObject({ id: Id, ...EpisodeFields }))
    .mutation(async ({ ctx, input: { id, ...patch } }) =>
      shape(EpisodeOut, await patchOrThrow(Episode, ctx.db, id, patch, 'episode')),
    ),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(Episode, ctx.db, input.id, 'episode')),
});
