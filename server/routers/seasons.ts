import { z } from 'zod';
import { DeletedOut, Id, includeOf, NonNegativeInt, pageOf, PageInput, SeasonGraph, SeasonOut } from '../schemas.js';
import { createSeason, deleteSeason, getSeason, listSeasons, SEASON_INCLUDES, updateSeason } from '../services/seasons.js';
import { procedure, router } from '../trpc.js';

export const seasonsRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, titleId: Id }))
    .output(pageOf(SeasonOut))
    .query(({ ctx, input }) => listSeasons(ctx.db, input)),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(SEASON_INCLUDES) }))
    .output(SeasonGraph)
    .query(({ ctx, input }) => getSeason(ctx.db, input)),

  create: procedure
    .input(z.strictObject({ titleId: Id, number: NonNegativeInt }))
    .output(SeasonOut)
    .mutation(({ ctx, input }) => createSeason(ctx.db, input)),

  update: procedure
    .input(z.strictObject({ id: Id, number: NonNegativeInt.optional() }))
    .output(SeasonOut)
    .mutation(({ ctx, input }) => updateSeason(ctx.db, input)),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => deleteSeason(ctx.db, input)),
});
