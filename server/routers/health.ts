import { z } from 'zod';
import { HealthOut } from '../schemas.js';
import { checkDatabase } from '../services/health.js';
import { publicProcedure, router } from '../trpc.js';

export const healthRouter = router({
  /** Open without a token: reports whether the database answers and which migration it is at. */
  check: publicProcedure
    .input(z.void())
    .output(HealthOut)
    .query(({ ctx }) => checkDatabase(ctx.db)),
});
