#!/usr/bin/env node
// `npm start`: migrate and serve, from dist/ (built when needed).
import { runBuilt } from './build.js';

await runBuilt('server/main.js');
