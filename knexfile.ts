/**
 * Configuration for the knex CLI (`npx knex migrate:latest`, `migrate:rollback --all`, `seed:run`).
 * DATABASE_URL set -> PostgreSQL; unset -> the embedded PGlite database the server uses.
 * Loaded through knexfile.js, which registers the TypeScript loader first.
 */
import { loadConfig } from './server/config.js';
import { knexConfig, targetFrom } from './server/db/knex.js';
import { acquireOwnerLock, DirectoryInUseError } from './server/db/ownerLock.js';

const config = loadConfig();
const target = targetFrom(config.databaseUrl, config.pgliteDir);
// The embedded database has one owner: refuse at once while a server (or another command) holds it,
// with that one message (the knex CLI would wrap a thrown error in "Failed to read config" and a stack).
if (target.kind === 'pglite') {
  try {
    acquireOwnerLock(target.dir);
  } catch (err) {
    if (!(err instanceof DirectoryInUseError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

// Writes by the CLI (migrations) are attributed to `migration` in the change log; seeds name themselves `seed`.
export default knexConfig(target, undefined, undefined, null, 'migration');
