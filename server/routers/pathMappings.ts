import { z } from 'zod';
import { DeletedOut, Id, pageOf, PageInput, PathMappingOut, ResolvedPathOut } from '../schemas.js';
import {
  createPathMapping,
  deletePathMapping,
  listPathMappings,
  resolveMappedPath,
  updatePathMapping,
} from '../services/pathMappings.js';
import { procedure, router } from '../trpc.js';

const MappedPath = z.string().trim().min(1).max(500);

export const pathMappingsRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, collectionId: Id }))
    .output(pageOf(PathMappingOut))
    .query(({ ctx, input }) => listPathMappings(ctx.db, input)),

  create: procedure
    .input(z.strictObject({ collectionId: Id, plexPath: MappedPath, localPath: MappedPath }))
    .output(PathMappingOut)
    .mutation(({ ctx, input }) => createPathMapping(ctx.db, input)),

  update: procedure
    .input(z.strictObject({ id: Id, plexPath: MappedPath.optional(), localPath: MappedPath.optional() }))
    .output(PathMappingOut)
    .mutation(({ ctx, input }) => updatePathMapping(ctx.db, input)),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => deletePathMapping(ctx.db, input)),

  /** Source path -> local path by the collection's longest matching prefix; `localPath` is null when none matches. */
  resolve: procedure
    .input(z.strictObject({ collectionId: Id, path: z.string().min(1).max(4096) }))
    .output(ResolvedPathOut)
    .query(({ ctx, input }) => resolveMappedPath(ctx.db, input)),
});
