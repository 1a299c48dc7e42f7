/**
 * A reader in its own process for `npm run bench`: calls `titles.list` (or `health.check` with
 * `health` as second argument) over HTTP in a loop (20 ms apart) until SIGTERM, then prints the
 * latencies as JSON (for health.check also how many answers said `saturated`). Measured from
 * outside the server's process, as a real client sees them.
 */
import { createRetrovueClient } from '../sdk/index.js';

const client = createRetrovueClient({ url: process.argv[2]! });
const health = process.argv[3] === 'health';
const samples: number[] = [];
let saturated = 0;
let running = true;
process.on('SIGTERM', () => (running = false));
while (running) {
  const start = performance.now();
  if (health) {
    if ((await client.health.check.query()).database.saturated) saturated++;
  } else await client.titles.list.query({ limit: 50 });
  samples.push(performance.now() - start);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.stdout.write(JSON.stringify({ samples, saturated }));
