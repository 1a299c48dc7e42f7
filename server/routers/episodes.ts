import { z } from 'zod';
import {
  DeletedOut,
  EpisodeGraph,
  EpisodeOut,
  Id,
  includeOf,
  JsonRecord,
  MetadataFields,
  NonNegativeInt,
  pageOf,
  PageInput,
  UnlockInput,
} from '../schemas.js';
import { createEpisode, deleteEpisode, EPISODE_INCLUDES, getEpisode, listEpisodes, updateEpisode } from '../services/episodes.js';
import { procedure, router } from '../trpc.js';

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
    .output(pageOf(EpisodeOut))
    .query(({ ctx, input }) => listEpisodes(ctx.db, input)),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(EPISODE_INCLUDES) }))
    .output(EpisodeGraph)
    .query(({ ctx, input }) => getEpisode(ctx.db, input)),

  create: procedure
    .input(z.strictObject({ titleId: Id, ...EpisodeFields }))
    .output(EpisodeOut)
    .mutation(({ ctx, input }) => createEpisode(ctx.db, input)),

  update: procedure
    .input(z.strictObject({ id: Id, ...EpisodeFields, ...UnlockInput }))
    .output(EpisodeOut)
    .mutation(({ ctx, input }) => updateEpisode(ctx.db, input)),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => deleteEpisode(ctx.db, input)),
});
