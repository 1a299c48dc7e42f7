import { z } from 'zod';
import { Title } from '../models/index.js';
import { Id, includeOf, PageInput, TitleFields, TitleGraph, TitleKind, TitleOut, UnlockInput } from '../schemas.js';
import { deleteOrThrow, findOrThrow, shape, shapePage } from '../services/crud.js';
import { titleAvailability } from '../services/availability.js';
import { patchLocking, TITLE_LOCKABLE } from '../services/metadata.js';
import { searchTitlesPage } from '../services/search.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { procedure, router } from '../trpc.js';

const TITLE_INCLUDES = [
  'seasons',
  'seasons.episodes',
  'seasons.episodes.assets',
  'seasons.episodes.assets.markers',
  'seasons.episodes.providerRefs',
  'episodes',
  'episodes.assets',
  'episodes.assets.markers',
  'episodes.providerRefs',
  'providerRefs',
] as const;

const BY_NAME: SortKey[] = [
  { sql: 'titles.name', type: 'text' },
  { sql: 'titles.id', type: 'uuid' },
];

export const titlesRouter = router({
  list: procedure
    .input(
      z.strictObject({
        ...PageInput,
        kind: TitleKind.optional(),
        year: z.number().int().optional(),
        search: z.string().trim().min(1).max(255).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const query = Title.query(ctx.db);
      if (input.kind) query.where('titles.kind', input.kind);
      if (input.year !== undefined) query.where('titles.year', input.year);
      // A search ranks by trigram similarity (typos forgiven), best first.
      if (input.search) return shapePage(TitleOut, await searchTitlesPage(ctx.db, { ...input, search: input.search }));
      return shapePage(TitleOut, await paginate(query, 'titles', BY_NAME, input));
    }),

  get: procedure.input(z.strictObject({ id: Id, include: includeOf(TITLE_INCLUDES) })).query(async ({ ctx, input }) => {
    const title = await findOrThrow(Title, ctx.db, input.id, 'title', { include: input.include, allowed: TITLE_INCLUDES });
    return shape(TitleGraph, Object.assign(title, { availability: await titleAvailability(ctx.db, input.id) }));
  }),

  create: procedure
    .input(z.strictObject(TitleFields))
    .mutation(async ({ ctx, input }) => shape(TitleOut, await Title.query(ctx.db).insertAndFetch(input))),

  update: procedure
    .input(z.strictObject({ id: Id, ...z.object(TitleFields).partial().shape, ...UnlockInput }))
    .output(TitleOut)
    .mutation(async ({ ctx, input: { id, ...patch } }) =>
      shape(TitleOut, await patchLocking(Title, ctx.db, id, patch, 'title', TITLE_LOCKABLE)),
    ),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(Title, ctx.db, input.id, 'title')),
});
