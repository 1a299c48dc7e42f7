/**
 * `npm run fake-plex`: the Plex-compatible server the tests use, serving a small sample library
 * (a show with two seasons, one episode in two versions, and a movie) on loopback, so the README's
 * walkthrough can be followed without a Plex server. Stop it with Ctrl-C.
 */
import { sampleLibrary, startFakePlex } from './fakePlex.js';

const port = Number(process.env.FAKE_PLEX_PORT ?? 32400);
const plex = await startFakePlex(sampleLibrary(), process.env.FAKE_PLEX_TOKEN ?? 'plex-secret-token', port);
console.log(
  `Plex-compatible test server at ${plex.url} (token: ${plex.token}); library paths under D:\\Media\\TV and D:\\Media\\Movies`,
);
process.on('SIGINT', () => void plex.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void plex.close().then(() => process.exit(0)));
