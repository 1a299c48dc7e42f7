#!/usr/bin/env node
// `npx retrovue`: the operator CLI, from dist/ (built when needed).
import { runBuilt } from './build.js';

await runBuilt('sdk/cli.js');
