import { assetsRouter } from './routers/assets.js';
import { auditRouter } from './routers/audit.js';
import { catalogRouter } from './routers/catalog.js';
import { changesRouter } from './routers/changes.js';
import { collectionsRouter } from './routers/collections.js';
import { episodesRouter } from './routers/episodes.js';
import { healthRouter } from './routers/health.js';
import { ingestRouter } from './routers/ingest.js';
import { markersRouter } from './routers/markers.js';
import { pathMappingsRouter } from './routers/pathMappings.js';
import { playoutRouter } from './routers/playout.js';
import { providerRefsRouter } from './routers/providerRefs.js';
import { reviewsRouter } from './routers/reviews.js';
import { seasonsRouter } from './routers/seasons.js';
import { sourcesRouter } from './routers/sources.js';
import { titlesRouter } from './routers/titles.js';
import { router } from './trpc.js';

export const appRouter = router({
  health: healthRouter,
  titles: titlesRouter,
  seasons: seasonsRouter,
  episodes: episodesRouter,
  assets: assetsRouter,
  markers: markersRouter,
  reviews: reviewsRouter,
  sources: sourcesRouter,
  collections: collectionsRouter,
  pathMappings: pathMappingsRouter,
  providerRefs: providerRefsRouter,
  ingest: ingestRouter,
  catalog: catalogRouter,
  playout: playoutRouter,
  audit: auditRouter,
  changes: changesRouter,
});

export type AppRouter = typeof appRouter;
