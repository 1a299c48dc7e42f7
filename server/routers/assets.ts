import { z } from 'zod';
import { Asset } from '../models/index.js';
import { AssetFields, AssetGraph, AssetOut, Id, includeOf, NonNegativeInt, PageInput } from '../schemas.js';
import { linkEpisode, listAssets, registerAsset, setCanonical, unlinkEpisode } from '../services/assets.js';
import { deleteOrThrow, findOrThrow, patchOrThrow, shape, shapePage } from '../services/crud.js';
import { procedure, router } from '../trpc.js';

const ASSET_INCLUDES = ['episodes', 'episodes.title', 'markers', 'reviews', 'providerRefs', 'parts'] as const;

const Codec = z.string().trim().min(1).max(50);
const LinkInput = z.strictObject({ assetId: Id, episodeId: Id });

export const assetsRouter = router({
  list: procedure
    .input(
      z
        .strictObject({
          ...PageInput,
          canonical: z.boolean().optional(),
          minDurationMs: NonNegativeInt.optional(),
          maxDurationMs: NonNegativeInt.optional(),
          videoCodec: Codec.optional(),
          audioCodec: Codec.optional(),
          container: Codec.optional(),
          unlinked: z.boolean().optional(),
          discoveredSince: z.date().optional(),
        })
        .refine((i) => i.minDurationMs === undefined || i.maxDurationMs === undefined || i.minDurationMs <= i.maxDurationMs, {
          message: 'minDurationMs must not exceed maxDurationMs',
          path: ['minDurationMs'],
        }),
    )
    .query(async ({ ctx, input }) => shapePage(AssetOut, await listAssets(ctx.db, input))),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(ASSET_INCLUDES) }))
    .query(async ({ ctx, input }) =>
      shape(AssetGraph, await findOrThrow(Asset, ctx.db, input.id, 'asset', { include: input.include, allowed: ASSET_INCLUDES })),
    ),

  /** Upsert by uri: `created` tells whether the asset is new. */
  register: procedure.input(z.strictObject(AssetFields)).mutation(async ({ ctx, input }) => {
    const { asset, created } = await registerAsset(ctx.db, input);
    return { asset: shape(AssetOut, asset), created };
  }),

  update: procedure
    .input(z.strictObject({ id: Id, ...z.object(AssetFields).partial().shape }))
    .mutation(async ({ ctx, input: { id, ...patch } }) => shape(AssetOut, await patchOrThrow(Asset, ctx.db, id, patch, 'asset'))),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(Asset, ctx.db, input.id, 'asset')),

  linkEpisode: procedure
    .input(LinkInput.extend({ canonical: z.boolean().optional() }))
    .mutation(async ({ ctx, input }) => shape(AssetOut, await linkEpisode(ctx.db, input))),

  unlinkEpisode: procedure
    .input(LinkInput)
    .mutation(async ({ ctx, input }) => shape(AssetOut, await unlinkEpisode(ctx.db, input))),

  /** Makes the asset its episode's one canonical version; the previous one stops being canonical. */
  setCanonical: procedure
    .input(LinkInput)
    .mutation(async ({ ctx, input }) => shape(AssetOut, await setCanonical(ctx.db, input.episodeId, input.assetId))),
});
