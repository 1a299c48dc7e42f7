import { z } from 'zod';
import {
  AssetFields,
  AssetGraph,
  AssetOut,
  Code,
  DeletedOut,
  Id,
  includeOf,
  NonNegativeInt,
  pageOf,
  PageInput,
  PurgeMissingInput,
  PurgeMissingOutput,
  RegisteredAssetOut,
} from '../schemas.js';
import { purgeMissing } from '../services/availability.js';
import {
  ASSET_INCLUDES,
  deleteAsset,
  getAsset,
  linkEpisode,
  listAssets,
  registerAsset,
  setCanonical,
  unlinkEpisode,
  updateAsset,
} from '../services/assets.js';
import { procedure, router } from '../trpc.js';

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
          videoCodec: Code.optional(),
          audioCodec: Code.optional(),
          container: Code.optional(),
          unlinked: z.boolean().optional(),
          discoveredSince: z.date().optional(),
        })
        .refine((i) => i.minDurationMs === undefined || i.maxDurationMs === undefined || i.minDurationMs <= i.maxDurationMs, {
          message: 'minDurationMs must not exceed maxDurationMs',
          path: ['minDurationMs'],
        }),
    )
    .output(pageOf(AssetOut))
    .query(({ ctx, input }) => listAssets(ctx.db, input)),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(ASSET_INCLUDES) }))
    .output(AssetGraph)
    .query(({ ctx, input }) => getAsset(ctx.db, input)),

  /** Upsert by uri: `created` tells whether the asset is new. */
  register: procedure
    .input(z.strictObject(AssetFields))
    .output(RegisteredAssetOut)
    .mutation(({ ctx, input }) => registerAsset(ctx.db, input)),

  update: procedure
    .input(z.strictObject({ id: Id, ...z.object(AssetFields).partial().shape }))
    .output(AssetOut)
    .mutation(({ ctx, input }) => updateAsset(ctx.db, input)),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => deleteAsset(ctx.db, input)),

  linkEpisode: procedure
    .input(LinkInput.extend({ canonical: z.boolean().optional() }))
    .output(AssetOut)
    .mutation(({ ctx, input }) => linkEpisode(ctx.db, input)),

  unlinkEpisode: procedure
    .input(LinkInput)
    .output(AssetOut)
    .mutation(({ ctx, input }) => unlinkEpisode(ctx.db, input)),

  /** Makes the asset its episode's one canonical version; the previous one stops being canonical. */
  setCanonical: procedure
    .input(LinkInput)
    .output(AssetOut)
    .mutation(({ ctx, input }) => setCanonical(ctx.db, input.episodeId, input.assetId)),

  /** Deletes assets missing from their source since before `olderThan` (with their links, markers, refs). */
  purgeMissing: procedure
    .input(PurgeMissingInput)
    .output(PurgeMissingOutput)
    .mutation(({ ctx, input }) => purgeMissing(ctx.db, input)),
});
