import { z } from 'zod';
import { Episode } from '../models/index.js';
import { EpisodeGraph, EpisodeOut, Id, includeOf, JsonRecord, NonNegativeInt, PageInput } from '../schemas.js';
import { deleteOrThrow, findOrThrow, patchOrThrow, shape, shapePage } from '../services/crud.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { procedure, router } from '../trpc.js';

const EPISODE_INCLUDES = ['title', 'season', 'assets', 'assets.markers', 'assets.providerRefs', 'providerRefs'] as const;

const EpisodeFields = {
  seasonId: Id.nullable().optional(),
  number: NonNegativeInt.nullable().optional(),
  name: z.string().trim().max(255).nullable().optional(),
  externalIds: JsonRecord.nullable().optional(),
};

/** Within a season: by episode number. */
const IN_SEASON: SortKey[] = [
  { sql: 'episodes.number', type: 'int' },
  { sql: 'episodes.id', type: 'uuid' },
];
/** Within a title: season by season (unseasoned first), then by episode number. */
const IN_TITLE: SortKey[] = [
  { sql: 'coalesce(seasons.number, -1)', type: 'int' },
  { sql: 'coalesce(episodes.number, -1)', type: 'int' },
  { sql: 'episodes.id', type: 'uuid' },
];
const BY_ID: SortKey[] = [{ sql: 'episodes.id', type: 'uuid' }];

export const episodesRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, titleId: Id.optional(), seasonId: Id.optional() }))
    .query(async ({ ctx, input }) => {
      const query = Episode.query(ctx.db);
      let keys = BY_ID;
      let scope = 'episodes';
      if (input.seasonId) {
        query.where('episodes.season_id', input.seasonId);
        [keys, scope] = [IN_SEASON, `episodes:season:${input.seasonId}`];
      }
      if (input.titleId) {
        query.where('episodes.title_id', input.titleId);
        if (!input.seasonId) {
          query.leftJoin('seasons', 'seasons.id', 'episodes.season_id');
          [keys, scope] = [IN_TITLE, `episodes:title:${input.titleId}`];
        }
      }
      return shapePage(EpisodeOut, await paginate(query, scope, keys, input));
    }),

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
