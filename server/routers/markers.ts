import { z } from 'zod';
import {
  DeletedOut,
  Id,
  MARKER_RANGE,
  MarkerFields,
  MarkerInput,
  MarkerOut,
  pageOf,
  PageInput,
  startNotAfterEnd,
} from '../schemas.js';
import { createMarker, deleteMarker, listMarkers, replaceMarkers, updateMarker } from '../services/markers.js';
import { procedure, router } from '../trpc.js';

export const markersRouter = router({
  /** By asset: in timeline order. Without an asset: by id. */
  list: procedure
    .input(z.strictObject({ ...PageInput, assetId: Id.optional(), kind: MarkerFields.kind.optional() }))
    .output(pageOf(MarkerOut))
    .query(({ ctx, input }) => listMarkers(ctx.db, input)),

  create: procedure
    .input(z.strictObject({ assetId: Id, ...MarkerFields }).refine(startNotAfterEnd, MARKER_RANGE))
    .output(MarkerOut)
    .mutation(({ ctx, input: { assetId, ...marker } }) => createMarker(ctx.db, assetId, marker)),

  update: procedure
    .input(z.strictObject({ id: Id, ...z.object(MarkerFields).partial().shape }).refine(startNotAfterEnd, MARKER_RANGE))
    .output(MarkerOut)
    .mutation(({ ctx, input: { id, ...patch } }) => updateMarker(ctx.db, id, patch)),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => deleteMarker(ctx.db, input)),

  /** Atomically swaps all of an asset's markers for the given set (an empty list clears them). */
  replaceForAsset: procedure
    .input(z.strictObject({ assetId: Id, markers: z.array(MarkerInput).max(1000) }))
    .output(z.array(MarkerOut))
    .mutation(({ ctx, input }) => replaceMarkers(ctx.db, input.assetId, input.markers)),
});
