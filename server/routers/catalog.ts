import { CatalogPage, CatalogQueryInput, CatalogStep, CatalogStepInput, SearchHit, SearchInput } from '../schemas.js';
import { queryCatalog, stepEpisode } from '../services/catalog.js';
import { searchCatalog } from '../services/search.js';
import { procedure, router } from '../trpc.js';
import { z } from 'zod';

/** Programming queries for the scheduler (logic in services/catalog.ts and services/search.ts). */
export const catalogRouter = router({
  query: procedure
    .input(CatalogQueryInput)
    .output(CatalogPage)
    .query(({ ctx, input }) => queryCatalog(ctx.db, input)),

  next: procedure
    .input(CatalogStepInput)
    .output(CatalogStep)
    .query(({ ctx, input }) => stepEpisode(ctx.db, input, 'next')),

  previous: procedure
    .input(CatalogStepInput)
    .output(CatalogStep)
    .query(({ ctx, input }) => stepEpisode(ctx.db, input, 'previous')),

  search: procedure
    .input(SearchInput)
    .output(z.object({ items: z.array(SearchHit) }))
    .query(({ ctx, input }) => searchCatalog(ctx.db, input)),
});
