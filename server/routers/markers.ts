import { z } from 'zod';
import { Marker } from '../models/index.js';
import { Id, MARKER_RANGE, MarkerFields, MarkerInput, MarkerOut, PageInput, startNotAfterEnd } from '../schemas.js';
import { deleteOrThrow, shape, shapePage } from '../services/crud.js';
import { createMarker, replaceMarkers, updateMarker } from '../services/markers.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { procedure, router } from '../trpc.js';

const ON_TIMELINE: SortKey[] = [
  { sql: 'markers.start_ms', type: 'int' },
  { sql: 'markers.id', type: 'uuid' },
];
const BY_ID: SortKey[] = [{ sql: 'markers.id', type: 'uuid' }];

export const markersRouter = router({
  /** By asset: in timeline order. Without an asset: by id. */
  list: procedure
    .input(z.strictObject({ ...PageInput, assetId: Id.optional(), kind: MarkerFields.kind.optional() }))
    .query(async ({ ctx, input }) => {
      const query = Marker.query(ctx.db);
      if (input.assetId) query.where('markers.asset_id', input.assetId);
      if (input.kind) query.where('markers.kind', input.kind);
      const scope = `markers:${input.assetId ?? ''}:${input.kind ?? ''}`;
      return shapePage(MarkerOut, await paginate(query, scope, input.assetId ? ON_TIMELINE : BY_ID, input));
    }),

  create: procedure
    .input(z.strictObject({ assetId: Id, ...MarkerFields }).refine(startNotAfterEnd, MARKER_RANGE))
    .mutation(async ({ ctx, input: { assetId, ...marker } }) => shape(MarkerOut, await createMarker(ctx.db, assetId, marker))),

  update: procedure
    .input(z.strictObject({ id: Id, ...z.object(MarkerFields).partial().shape }).refine(startNotAfterEnd, MARKER_RANGE))
    .mutation(async ({ ctx, input: { id, ...patch } }) => shape(MarkerOut, await updateMarker(ctx.db, id, patch))),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(Marker, ctx.db, input.id, 'marker')),

  /** Atomically swaps all of an asset's markers for the given set (an empty list clears them). */
  replaceForAsset: procedure
    .input(z.strictObject({ assetId: Id, markers: z.array(MarkerInput).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const markers = await replaceMarkers(ctx.db, input.assetId, input.markers);
      return markers.map((m) => shape(MarkerOut, m));
    }),
});
