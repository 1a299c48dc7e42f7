import { z } from 'zod';
import {
  DeletedOut,
  Id,
  includeOf,
  sourceCreateInput,
  sourceUpdateInput,
  Name,
  pageOf,
  PageInput,
  SourceGraph,
  SourceKind,
  SourceOut,
} from '../schemas.js';
import { createSource, deleteSource, getSource, listSources, SOURCE_INCLUDES, updateSource } from '../services/sources.js';
import { procedure, router } from '../trpc.js';

const ExternalId = z.string().trim().min(1).max(255);

/** Sources leave through schemas that only have room for the redacted config. */
export const sourcesRouter = router({
  list: procedure
    .input(z.strictObject({ ...PageInput, kind: SourceKind.optional() }))
    .output(pageOf(SourceOut))
    .query(({ ctx, input }) => listSources(ctx.db, input)),

  get: procedure
    .input(z.strictObject({ id: Id, include: includeOf(SOURCE_INCLUDES) }))
    .output(SourceGraph)
    .query(({ ctx, input }) => getSource(ctx.db, input)),

  /** `config` per kind: plex `{ baseUrl, token }`, filesystem `{ paths: [...] }`. */
  create: procedure
    .input(sourceCreateInput({ name: Name, externalId: ExternalId.optional() }))
    .output(SourceOut)
    .mutation(({ ctx, input }) => createSource(ctx.db, input)),

  /** `kind` names the source's kind (refused if it is another). Secrets in `config` that are not resent are kept; resend one as null to remove it. */
  update: procedure
    .input(sourceUpdateInput({ id: Id, name: Name.optional(), externalId: ExternalId.optional() }))
    .output(SourceOut)
    .mutation(({ ctx, input }) => updateSource(ctx.db, input)),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .output(DeletedOut)
    .mutation(({ ctx, input }) => deleteSource(ctx.db, input)),
});
