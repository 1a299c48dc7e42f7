/**
 * Configuration for the knex CLI (`npx knex migrate:latest`, `migrate:rollback --all`, `seed:run`).
 * DATABASE_URL set -> PostgreSQL; unset -> the embedded PGlite database the server uses.
 * Loaded through knexfile.js, which registers the TypeScript loader first.
 */
import { loadConfig } from './server/config.js';
import { knexConfig, targetFrom } from './server/db/knex.js';
import { acquireOwnerLock } from './server/db/ownerLock.js';

const config = loadConfig();
const target = targetFrom(config.databaseUrl, config.pgliteDir);
// The embedded database has one owner: refuse at once while a server (or another command) holds it.
if (target.kind === 'pglite') acquireOwnerLock(target.dir);

// Writes by the CLI (migrations) are attributed to `migration` in the change log; seeds name themselves `seed`.
export default knexConfig(target, undefined, undefined, null, 'migration');
