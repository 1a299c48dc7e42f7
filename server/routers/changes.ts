import { tracked, type TrackedEnvelope } from '@trpc/server';
import { z } from 'zod';
type FeedEntry = z.infer<typeof FeedEntryOut>;
import { FeedCursor, FeedEntryOut, FeedPageOut } from '../schemas.js';
import { readFeed, streamFeed } from '../services/changes.js';
import { procedure, router } from '../trpc.js';

export const changesRouter = router({
  /** The change feed, a page at a time: ascending position, and the cursor to continue from. */
  list: procedure
    .input(z.strictObject({ after: FeedCursor.optional(), limit: z.number().int().min(1).max(1000).default(100) }))
    .output(FeedPageOut)
    .query(({ ctx, input }) => readFeed(ctx.db, input.after, input.limit)),

  /**
   * The change feed live, over server-sent events: from `after`, then each change as it commits.
   * Every event's id is its cursor, so a reconnecting client resumes after the last one it saw.
   */
  subscribe: procedure
    .input(z.strictObject({ after: FeedCursor.optional(), lastEventId: FeedCursor.nullish() }))
    // Each entry is validated as it is sent (below); this checks the stream itself.
    .output(
      z.custom<AsyncIterable<TrackedEnvelope<FeedEntry>, void, unknown>>(
        (v) => v !== null && typeof v === 'object' && Symbol.asyncIterator in v,
      ),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const entry of streamFeed(ctx.db, input.lastEventId ?? input.after, { signal, pollMs: ctx.changesPollMs })) {
        yield tracked(entry.cursor, FeedEntryOut.parse(entry) satisfies FeedEntry);
      }
    }),
});
