/**
 * Configuration for the knex CLI (`npx knex migrate:latest`, `migrate:rollback --all`, `seed:run`).
 * DATABASE_URL set -> PostgreSQL; unset -> the embedded PGlite database the server uses.
 * Loaded through knexfile.js, which registers the TypeScript loader first.
 */
import { loadConfig } from './server/config.js';
import { knexConfig, targetFrom } from './server/db/knex.js';

const config = loadConfig();

export default knexConfig(targetFrom(config.databaseUrl, config.pgliteDir));
