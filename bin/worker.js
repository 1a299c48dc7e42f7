#!/usr/bin/env node
// `npm run worker`: a job worker without the API, from dist/ (built when needed).
import { runBuilt } from './build.js';

await runBuilt('server/worker.js');
