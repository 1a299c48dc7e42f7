import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express, type Request } from 'express';
import type { Knex } from 'knex';
import { Model } from 'objection';
import type { Logger } from './logger.js';
import { appRouter } from './router.js';
import type { Context } from './trpc.js';

export interface AppOptions {
  db: Knex;
  log: Logger;
  /** Accepted bearer tokens; empty means no authentication. */
  apiTokens: readonly string[];
  /** Largest accepted request body, in bytes. */
  maxBodyBytes?: number;
  /** Most calls in one batched HTTP request. */
  maxBatchSize?: number;
}

/** Constant-time check of the bearer token against every configured one. */
export function tokenMatches(header: string | undefined, tokens: readonly string[]): boolean {
  if (tokens.length === 0) return true;
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  let ok = false;
  for (const token of tokens) {
    const expected = Buffer.from(token);
    // Compare equal-length buffers only; a length mismatch still costs one comparison.
    const same =
      given.length === expected.length ? timingSafeEqual(given, expected) : (timingSafeEqual(expected, expected), false);
    ok = ok || same;
  }
  return ok;
}

export function createApp({ db, log, apiTokens, maxBodyBytes = 2 * 1024 * 1024, maxBatchSize = 50 }: AppOptions): Express {
  Model.knex(db);
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      maxBodySize: maxBodyBytes,
      maxBatchSize,
      createContext: ({ req }: { req: Request }): Context => ({
        db,
        log,
        requestId: (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) ?? randomUUID(),
        authorized: tokenMatches(req.headers.authorization, apiTokens),
      }),
    }),
  );
  app.get('/', (_req, res) => {
    res.json({ service: 'retrovue-library', api: '/trpc', health: '/trpc/health.check' });
  });
  return app;
}
