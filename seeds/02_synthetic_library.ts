import type { Knex } from 'knex';
import { withActor } from '../server/db/actor.js';
import { insertSyntheticLibrary } from '../server/db/synthetic.js';

/**
 * A synthetic library of a requested size, for tests and benchmarks. Off by default:
 *   RETROVUE_SYNTHETIC_SHOWS=100 npx knex seed:run --specific=02_synthetic_library.ts
 * (RETROVUE_SYNTHETIC_SEASONS, default 5; RETROVUE_SYNTHETIC_EPISODES, default 20.)
 * Re-running replaces the previous synthetic library.
 */
/** The change log names the seed as the author of what it writes. */
export const seed = (knex: Knex): Promise<void> => withActor('seed', () => seedLibrary(knex));

async function seedLibrary(knex: Knex): Promise<void> {
  const shows = Number(process.env.RETROVUE_SYNTHETIC_SHOWS ?? 0);
  if (!Number.isInteger(shows) || shows <= 0) return;
  await knex('assets').where('uri', 'like', 'synthetic://%').delete();
  await knex('titles').where('name', 'like', 'Synthetic Show %').delete();
  await insertSyntheticLibrary(knex, {
    shows,
    seasonsPerShow: Number(process.env.RETROVUE_SYNTHETIC_SEASONS ?? 5),
    episodesPerSeason: Number(process.env.RETROVUE_SYNTHETIC_EPISODES ?? 20),
  });
}
