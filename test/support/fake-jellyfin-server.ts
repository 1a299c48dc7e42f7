/**
 * `npm run fake-jellyfin` (or `FAKE_DIALECT=emby npm run fake-jellyfin`): the Jellyfin- or
 * Emby-compatible server the tests use, serving the sample library (a show on a Windows path with a
 * multi-episode file, an episode without runtime and a damaged record; a movie in two versions) on
 * loopback, so the README's walkthrough can be followed without a media server. Ctrl-C stops it.
 */
import { startFakeMediaBrowser } from './fakeJellyfin.js';

const dialect = process.env.FAKE_DIALECT === 'emby' ? 'emby' : 'jellyfin';
const server = await startFakeMediaBrowser(dialect, {
  port: Number(process.env.FAKE_JELLYFIN_PORT ?? 8096),
  ...(process.env.FAKE_JELLYFIN_KEY ? { apiKey: process.env.FAKE_JELLYFIN_KEY } : {}),
});
console.log(
  `${dialect}-compatible test server at ${server.url} (API key: ${server.apiKey}); shows under D:\\Media\\TV, movies under /media/movies`,
);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
