import { client } from './harness.js';

let counter = 0;
const next = () => ++counter;

export async function makeShow(name = `Show ${next()}`, year: number | null = 1990) {
  return client().titles.create.mutate({ kind: 'show', name, year });
}

export async function makeMovie(name = `Movie ${next()}`, year = 1985) {
  return client().titles.create.mutate({ kind: 'movie', name, year });
}

export async function makeSeason(titleId: string, number = 1) {
  return client().seasons.create.mutate({ titleId, number });
}

export async function makeEpisode(titleId: string, seasonId: string | null, number: number | null, name?: string) {
  return client().episodes.create.mutate({ titleId, seasonId, number, name: name ?? `Episode ${number ?? ''}` });
}

export async function makeAsset(overrides: { uri?: string; durationMs?: number | null; size?: number } = {}) {
  const { asset } = await client().assets.register.mutate({
    uri: overrides.uri ?? `file:///media/asset-${next()}.mkv`,
    size: overrides.size ?? 1000,
    durationMs: overrides.durationMs === undefined ? 60_000 : overrides.durationMs,
    videoCodec: 'h264',
    audioCodec: 'aac',
    container: 'mkv',
  });
  return asset;
}

/** A show with one season and `episodes` numbered episodes. */
export async function makeShowWithEpisodes(episodes = 2) {
  const show = await makeShow();
  const season = await makeSeason(show.id, 1);
  const list = [];
  for (let n = 1; n <= episodes; n++) list.push(await makeEpisode(show.id, season.id, n));
  return { show, season, episodes: list };
}
