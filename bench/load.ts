/**
 * `npm run load`: a bounded load test on loopback. Starts the server in-process on a fresh
 * database (DATABASE_URL or in-memory PGlite) with a demo library, then drives a mix of reads and
 * writes with autocannon for LOAD_SECONDS (default 30) and reports throughput, latency, errors
 * and memory. Only 127.0.0.1 is ever targeted.
 */
import autocannon from 'autocannon';
import superjson from 'superjson';
import { createApp } from '../server/app.js';
import { createScratchDatabase } from '../server/db/scratch.js';
import { insertSyntheticLibrary } from '../server/db/synthetic.js';
import { createLogger } from '../server/logger.js';

const SECONDS = Math.min(Number(process.env.LOAD_SECONDS ?? 30), 300);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 10);

const query = (input: unknown) => `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;

async function main(): Promise<void> {
  const { db, drop } = await createScratchDatabase('load');
  await insertSyntheticLibrary(db, { shows: 100, seasonsPerShow: 5, episodesPerSeason: 20 });
  await db.raw('ANALYZE');
  const app = createApp({ db, log: createLogger('silent'), apiTokens: [] });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const base = `http://127.0.0.1:${port}/trpc`;
  const show = (await db('titles').first('id')) as { id: string };
  const season = (await db('seasons').where({ title_id: show.id }).first('id')) as { id: string };

  let counter = 0;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 250);
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      { method: 'GET', path: `/trpc/titles.list${query({ limit: 50 })}` },
      { method: 'GET', path: `/trpc/episodes.list${query({ seasonId: season.id })}` },
      { method: 'GET', path: `/trpc/assets.list${query({ minDurationMs: 1_330_000, maxDurationMs: 1_340_000 })}` },
      { method: 'GET', path: `/trpc/titles.get${query({ id: show.id, include: ['seasons.episodes.assets'] })}` },
      {
        method: 'POST',
        path: '/trpc/assets.register',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify(
            superjson.serialize({ uri: `load://asset/${process.pid}/${++counter}`, size: counter, durationMs: 60_000 }),
          ),
        }),
      },
    ],
  });
  clearInterval(sampler);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await drop();

  const summary = {
    seconds: SECONDS,
    connections: CONNECTIONS,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMedianMs: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    rssStartMb: Math.round(rssBefore / 1024 / 1024),
    rssPeakMb: Math.round(rssPeak / 1024 / 1024),
  };
  console.log(JSON.stringify(summary));
  process.exit(summary.errors + summary.timeouts + summary.non2xx === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error('load test failed:', err);
  process.exit(1);
});
