#!/usr/bin/env node
// `npx retrovue`: runs the operator CLI (sdk/cli.ts) through the TypeScript loader.
import { register } from 'tsx/esm/api';

register();
await import('../sdk/cli.ts');
