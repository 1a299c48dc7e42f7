import { PlayoutInput, PlayoutOutput } from '../schemas.js';
import { getPlayout } from '../services/playout.js';
import { procedure, router } from '../trpc.js';

/** What playout plays: files in order, duration, break points, or why not (logic in services/playout.ts). */
export const playoutRouter = router({
  get: procedure
    .input(PlayoutInput)
    .output(PlayoutOutput)
    .query(({ ctx, input }) => getPlayout(ctx.db, input.items)),
});
