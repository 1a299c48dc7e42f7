import { createApp } from '../server/app.js';
import { createScratchDatabase } from '../server/db/scratch.js';
import { BENCH_LIBRARY, insertSyntheticLibrary } from '../server/db/synthetic.js';
import { createLogger } from '../server/logger.js';
import { createRetrovueClient } from '../sdk/index.js';
import { addCatalogMetadata, catalogCalls, explainCall } from './catalog.js';

const t0 = performance.now();
const scratch = await createScratchDatabase('sched_exp');
const db = scratch.db;
try {
  await insertSyntheticLibrary(db, { ...BENCH_LIBRARY, shows: Number(process.env.SHOWS ?? 1000) });
  await addCatalogMetadata(db, Number(process.env.MOVIES ?? 10000));
  console.log('setup', Math.round(performance.now() - t0), 'ms');
  const app = createApp({ db, log: createLogger('silent'), apiTokens: [] });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', r));
  const client = createRetrovueClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/trpc` });
  const calls = await catalogCalls(client);
  for (const [name, call] of calls) {
    const s: number[] = [];
    for (let i = 0; i < 25; i++) {
      const a = performance.now();
      await call();
      s.push(performance.now() - a);
    }
    s.sort((a, b) => a - b);
    console.log(name.padEnd(60), 'median', s[12]!.toFixed(1), 'max', s[24]!.toFixed(1));
  }
  for (const [name, call] of calls) console.log(JSON.stringify(await explainCall(db, name, call)));
  if (process.env.ANALYZE) {
    const seen: Array<{ sql: string; bindings: unknown[] }> = [];
    db.on('query', (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] }));
    for (const [name, call] of calls.filter(([n]) => n.includes(process.env.ANALYZE!))) {
      seen.length = 0;
      await call();
      for (const q of seen.filter((x) => /^\s*\(?select/i.test(x.sql))) {
        const r = await db.raw(`EXPLAIN (ANALYZE, COSTS OFF) ${q.sql.replace(/\$\d+/g, '?')}`, q.bindings as never);
        console.log(
          '----',
          name,
          '\n',
          (r as { rows: Array<Record<string, string>> }).rows.map((x) => x['QUERY PLAN']).join('\n'),
        );
      }
    }
  }
  server.close();
} finally {
  await scratch.drop();
}
process.exit(0);
