// The knex CLI imports this file (it looks for knexfile.js before knexfile.ts). In an ESM package
// Node cannot import TypeScript by itself, so register tsx's loader first, then hand over to the
// real configuration in knexfile.ts. Migrations and seeds (.ts) load through the same loader.
import { register } from 'tsx/esm/api';

register();
const { default: config } = await import('./knexfile.ts');
export default config;
