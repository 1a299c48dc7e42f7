import { z } from 'zod';
import { AuditPageOut, LoggedTable, PageInput } from '../schemas.js';
import { listAudit } from '../services/changes.js';
import { procedure, router } from '../trpc.js';

export const auditRouter = router({
  /** The change log as an audit trail: by table, row, actor and time; newest first or by position. */
  list: procedure
    .input(
      z
        .strictObject({
          ...PageInput,
          table: LoggedTable.optional(),
          rowId: z.string().min(1).max(200).optional(),
          actor: z.string().min(1).max(200).optional(),
          from: z.date().optional(),
          to: z.date().optional(),
          order: z.enum(['newest', 'position']).default('newest'),
        })
        .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] }),
    )
    .output(AuditPageOut)
    .query(({ ctx, input }) => listAudit(ctx.db, input)),
});
