import { z } from 'zod';
import { Episode } from '../models/index.js';
import {
  EpisodeGraph,
  EpisodeOut,
  Id,
  includeOf,
  JsonRecord,
  MetadataFields,
  NonNegativeInt,
  PageInput,
  UnlockInput,
} from '../schemas.js';
import { deleteOrThrow, findOrThrow, shape, shapePage } from '../services/crud.js';
import { listEpisodes } from '../services/episodes.js';
import { EPISODE_LOCKABLE, patchLocking } from '../services/metadata.js';
import { procedure, router } from '../trpc.js';

const EPISODE_INCLUDES = ['title', 'season', 'assets', 'assets.markers', 'assets.providerRefs', 'providerRefs'] as const;

const EpisodeFields = {
  seasonId: Id.nullable().optional(),
  number: NonNegativeInt.nullable().optional(),
  name: z.string().trim().max(255).nullable().optional(),
  externalIds: JsonRecord.nullable().optional(),
  ...MetadataFields,
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
    .input(z.strictObject({ id: Id, ...EpisodeFields, ...UnlockInput }))
    .output(EpisodeOut)
    .mutation(async ({ ctx, input: { id, ...patch } }) =>
      shape(EpisodeOut, await patchLocking(Episode, ctx.db, id, patch, 'episode', EPISODE_LOCKABLE)),
    ),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(Episode, ctx.db, input.id, 'episode')),
});
