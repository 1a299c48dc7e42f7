import { z } from 'zod';
import {
  DeletedOut,
  Id,
  includeOf,
  pageOf,
  PageInput,
  TitleFields,
  TitleGraph,
  TitleKind,
  TitleOut,
  UnlockInput,
} from '../schemas.js';
import { createTitle, deleteTitle, getTitle, listTitles, TITLE_INCLUDES, updateTitle } from '../services/titles.js';
import { procedure, router } from '../trpc.js';

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
    .output(pageOf(TitleOut))
    .query(({ ctx, input }) => listTitles(ctx.db, input)),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(TITLE_INCLUDES) }))
    .output(TitleGraph)
    .query(({ ctx, input }) => getTitle(ctx.db, input)),

  create: procedure
    .input(z.strictObject(TitleFields))
    .output(TitleOut)
    .mutation(({ ctx, input }) => createTitle(ctx.db, input)),

  update: procedure
    .input(z.strictObject({ id: Id, ...z.object(TitleFields).partial().shape, ...UnlockInput }))
    .output(TitleOut)
    .mutation(({ ctx, input }) => updateTitle(ctx.db, input)),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => deleteTitle(ctx.db, input)),
});
