import { z } from 'zod';
import { Season } from '../models/index.js';
import { Id, includeOf, NonNegativeInt, PageInput, SeasonGraph, SeasonOut } from '../schemas.js';
import { deleteOrThrow, findOrThrow, patchOrThrow, shape, shapePage } from '../services/crud.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { procedure, router } from '../trpc.js';

const SEASON_INCLUDES = ['title', 'episodes', 'episodes.assets', 'episodes.assets.markers'] as const;

const BY_NUMBER: SortKey[] = [
  { sql: 'seasons.number', type: 'int' },
  { sql: 'seasons.id', type: 'uuid' },
];

export const seasonsRouter = router({
  list: procedure.input(z.strictObject({ ...PageInput, titleId: Id })).query(async ({ ctx, input }) => {
    const query = Season.query(ctx.db).where('seasons.title_id', input.titleId);
    return shapePage(SeasonOut, await paginate(query, `seasons:${input.titleId}`, BY_NUMBER, input));
  }),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(SEASON_INCLUDES) }))
    .query(async ({ ctx, input }) =>
      shape(
        SeasonGraph,
        await findOrThrow(Season, ctx.db, input.id, 'season', { include: input.include, allowed: SEASON_INCLUDES }),
      ),
    ),

  create: procedure
    .input(z.strictObject({ titleId: Id, number: NonNegativeInt }))
    .mutation(async ({ ctx, input }) => shape(SeasonOut, await Season.query(ctx.db).insertAndFetch(input))),

  update: procedure
    .input(z.strictObject({ id: Id, number: NonNegativeInt.optional() }))
    .mutation(async ({ ctx, input: { id, ...patch } }) =>
      shape(SeasonOut, await patchOrThrow(Season, ctx.db, id, patch, 'season')),
    ),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(Season, ctx.db, input.id, 'season')),
});
