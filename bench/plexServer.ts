/**
 * The bench's test Plex server, in a process of its own (as a real Plex server runs on another
 * machine, serialising its answers must not stall the event loop the import runs on). The bench
 * asks it for its request count and for the "1% touched" edit over IPC.
 */
import { benchLibrary, touchLibrary } from './plexLibrary.js';
import { startFakePlex } from '../test/support/fakePlex.js';

const plex = await startFakePlex(benchLibrary(Number(process.env.BENCH_PLEX_SHOWS), Number(process.env.BENCH_PLEX_MOVIES)));
process.send!({ url: plex.url, token: plex.token });
process.on('message', (message: { id: number; cmd: 'requests' | 'touch' | 'close' }) => {
  if (message.cmd === 'touch') touchLibrary(plex.library);
  if (message.cmd === 'close')
    void plex.close().then(() => process.send!({ id: message.id, requests: 0 }, () => process.exit(0)));
  else process.send!({ id: message.id, requests: plex.requests.length });
});
