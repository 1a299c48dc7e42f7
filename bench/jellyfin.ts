/**
 * `npm run bench:jellyfin`: a Jellyfin library pulled through the adapter, the ingest service and the
 * real HTTP path (the test server answering like Jellyfin), then pulled again unchanged. Reports
 * wall time, HTTP requests and rows written for both. Scale: BENCH_JF_SHOWS (default 100) x
 * BENCH_JF_EPISODES (default 100) episodes; BENCH_JF_DIALECT=emby for Emby (no media-segment requests). Uses DATABASE_URL or in-memory PGlite.
 */
import { createApp } from '../server/app.js';
import { createScratchDatabase } from '../server/db/scratch.js';
import { createLogger } from '../server/logger.js';
import { createRetrovueClient } from '../sdk/index.js';
import { startFakeMediaBrowser, syntheticLibrary } from '../test/support/fakeJellyfin.js';

const shows = Number(process.env.BENCH_JF_SHOWS ?? 100);
const episodes = Number(process.env.BENCH_JF_EPISODES ?? 100);
const dialect = process.env.BENCH_JF_DIALECT === 'emby' ? 'emby' : 'jellyfin';
const database = await createScratchDatabase('bench_jellyfin');
const media = await startFakeMediaBrowser(dialect, { library: syntheticLibrary(dialect, shows, episodes) });
const app = createApp({ db: database.db, log: createLogger('silent'), apiTokens: [] });
const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', resolve));
const { port } = server.address() as { port: number };
const retrovue = createRetrovueClient({ url: `http://127.0.0.1:${port}/trpc` });

try {
  const source = await retrovue.sources.create.mutate({
    kind: dialect,
    name: 'bench',
    config: { baseUrl: media.url, apiKey: media.apiKey, pageSize: 500, timeoutMs: 60_000 },
  });
  const [collection] = await retrovue.collections.discover.mutate({ sourceId: source.id });
  await retrovue.collections.update.mutate({ id: collection!.id, enabled: true });
  const rows: Array<Record<string, string | number>> = [];
  for (const phase of ['ingest', 're-ingest (unchanged)']) {
    const started = performance.now();
    const job = await retrovue.ingest.collection.mutate({ collectionId: collection!.id });
    const seconds = (performance.now() - started) / 1000;
    const r = job.report!;
    rows.push({
      phase,
      seconds: Number(seconds.toFixed(2)),
      items: r.items,
      skipped: r.skipped,
      requests: r.source?.requests ?? 0,
      rowsWritten: r.rowsWritten,
    });
  }
  console.log(`${dialect} pull: ${shows} shows x ${episodes} episodes (${shows * episodes} files), ${database.target.kind}`);
  console.table(rows);
  console.log(JSON.stringify({ bench: dialect, shows, episodes, driver: database.target.kind, phases: rows }));
} finally {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await media.close();
  await database.drop();
}
