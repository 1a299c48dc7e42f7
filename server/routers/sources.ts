import { z } from 'zod';
import { Source } from '../models/index.js';
import { Id, includeOf, JsonRecord, Name, PageInput, SourceGraph, SourceKind, SourceOut } from '../schemas.js';
import { deleteOrThrow, findOrThrow } from '../services/crud.js';
import { paginate, type SortKey } from '../services/pagination.js';
import { createSource, redactSource, updateSource } from '../services/sources.js';
import { procedure, router } from '../trpc.js';

const SOURCE_INCLUDES = ['collections', 'collections.pathMappings'] as const;
const BY_NAME: SortKey[] = [
  { sql: 'sources.name', type: 'text' },
  { sql: 'sources.id', type: 'uuid' },
];
const ExternalId = z.string().trim().min(1).max(255);

/** Sources always leave through here: the schema only has room for the redacted config. */
const out = (source: Source) => SourceOut.parse(redactSource(source.toJSON()));

export const sourcesRouter = router({
  list: procedure.input(z.strictObject({ ...PageInput, kind: SourceKind.optional() })).query(async ({ ctx, input }) => {
    const query = Source.query(ctx.db);
    if (input.kind) query.where('sources.kind', input.kind);
    const result = await paginate(query, `sources:${input.kind ?? ''}`, BY_NAME, input);
    return { items: result.items.map(out), nextCursor: result.nextCursor };
  }),

  get: procedure.input(z.strictObject({ id: Id, include: includeOf(SOURCE_INCLUDES) })).query(async ({ ctx, input }) => {
    const source = await findOrThrow(Source, ctx.db, input.id, 'source', { include: input.include, allowed: SOURCE_INCLUDES });
    return SourceGraph.parse(redactSource(source.toJSON()));
  }),

  /** `config` per kind: plex `{ baseUrl, token }`, filesystem `{ paths: [...] }`. */
  create: procedure
    .input(z.strictObject({ kind: SourceKind, name: Name, externalId: ExternalId.optional(), config: JsonRecord }))
    .mutation(async ({ ctx, input }) => out(await createSource(ctx.db, input))),

  /** Secrets in `config` that are not resent are kept; resend one as null to remove it. */
  update: procedure
    .input(z.strictObject({ id: Id, name: Name.optional(), externalId: ExternalId.optional(), config: JsonRecord.optional() }))
    .mutation(async ({ ctx, input: { id, ...patch } }) => out(await updateSource(ctx.db, id, patch))),

  delete: procedure
    .input(z.strictObject({ id: Id }))
    .mutation(({ ctx, input }) => deleteOrThrow(Source, ctx.db, input.id, 'source')),
});
