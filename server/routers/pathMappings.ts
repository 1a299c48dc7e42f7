import { z } from 'zod';
import { PathMapping } from '../models/index.js';
import { Id, PageInput, PathMappingOut } from '../schemas.js';
import { deleteOrThrow, patchOrThrow, shape, shapePage } from '../services/crud.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { resolvePath } from '../domain/pathMapping.js';
import { procedure, router } from '../trpc.js';

const MappedPath = z.string().trim().min(1).max(500);
const BY_PLEX_PATH: SortKey[] = [
  { sql: 'path_mappings.plex_path', type: 'text' },
  { sql: 'path_mappings.id', type: 'uuid' },
];

export const pathMappingsRouter = router({
  list: procedure.input(z.strictObject({ ...PageInput, collectionId: Id })).query(async ({ ctx, input }) => {
    const query = PathMapping.query(ctx.db).where('path_mappings.collection_id', input.collectionId);
    return shapePage(PathMappingOut, await paginate(query, `pathMappings:${input.collectionId}`, BY_PLEX_PATH, input));
  }),

  create: procedure
    .input(z.strictObject({ collectionId: Id, plexPath: MappedPath, localPath: MappedPath }))
    .mutation(async ({ ctx, input }) => shape(PathMappingOut, await PathMapping.query(ctx.db).insertAndFetch(input))),

  update: procedure
    .input(z.strictObject({ id: Id, plexPath: MappedPath.optional(), localPath: MappedPath.optional() }))
    .mutation(async ({ ctx, input: { id, ...patch } }) =>
      shape(PathMappingOut, await patchOrThrow(PathMapping, ctx.db, id, patch, 'path mapping')),
    ),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(PathMapping, ctx.db, input.id, 'path mapping')),

  /** Source path -> local path by the collection's longest matching prefix; `localPath` is null when none matches. */
  resolve: procedure
    .input(z.strictObject({ collectionId: Id, path: z.string().min(1).max(4096) }))
    .query(async ({ ctx, input }) => {
      const mappings = await PathMapping.query(ctx.db).where('collection_id', input.collectionId);
      const resolved = resolvePath(mappings, input.path);
      return { path: input.path, localPath: resolved?.localPath ?? null, mappingId: resolved?.mappingId ?? null };
    }),
});
