/**
 * `npm run bench:catalog`: only the scheduler-queries phase of `npm run bench`, on the synthetic
 * 100,000-episode library written by generate_series (no ingest phases), plus 10,000 movies and
 * metadata. Same calls, samples (BENCH_SAMPLES) and EXPLAIN as the full bench.
 */
import { createScratchDatabase } from '../server/db/scratch.js';
import { BENCH_LIBRARY, insertSyntheticLibrary } from '../server/db/synthetic.js';
import { catalogBench } from './catalog.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);

async function latency(name: string, call: () => Promise<unknown>, before?: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) {
    await before?.();
    await call();
  }
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await before?.();
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor((samples.length - 1) * p))]! * 100) / 100;
  // The spread: the machine is shared, so the tail says as much about the neighbours as about the call.
  return { name, minMs: at(0), medianMs: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: at(1) };
}

async function main(): Promise<void> {
  const driver = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  const shows = Number(process.env.BENCH_SHOWS ?? BENCH_LIBRARY.shows);
  const scratch = await createScratchDatabase('bench_catalog');
  try {
    const started = performance.now();
    await insertSyntheticLibrary(scratch.db, { ...BENCH_LIBRARY, shows });
    console.log(
      `Retrovue catalog bench on ${driver}: ${shows * 100} episodes written in ${Math.round(performance.now() - started) / 1000} s`,
    );
    const { setupSeconds, latencies, plans, steps } = await catalogBench(scratch.db, latency);
    console.log(
      `+10,000 movies and metadata in ${setupSeconds} s; over HTTP through the SDK (ms over ${SAMPLES} samples: min, median, p90, p99, max):`,
    );
    console.table(latencies);
    // Ratios to the floor of a call measured in the same run (absolute figures move with the machine's load).
    const floor = latencies.find((l) => l.name.startsWith('baseline'))!;
    console.log(`the same, as multiples of the baseline call (median ${floor.medianMs} ms, p99 ${floor.p99Ms} ms):`);
    console.table(
      latencies.map((l) => ({
        name: l.name,
        medianX: Math.round((l.medianMs / floor.medianMs) * 10) / 10,
        p99X: Math.round((l.p99Ms / floor.p99Ms) * 10) / 10,
      })),
    );
    console.log(
      "EXPLAIN ANALYZE of every statement each call runs (planMs / execMs: the database's own time, summed over the statements):",
    );
    console.table(plans);
    console.log('the same per statement, for the first pages just after a write (the incremental count):');
    console.table(steps);
    console.log(
      JSON.stringify({
        driver,
        episodes: shows * 100 + 10_000,
        samples: SAMPLES,
        latencies,
        plans,
        steps,
        measuredAt: new Date().toISOString(),
      }),
    );
  } finally {
    await scratch.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
