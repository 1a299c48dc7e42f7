import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express, type Request } from 'express';
import type { Knex } from 'knex';
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

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Checks the bearer token against every configured one in constant time: comparing fixed-length
 * digests leaks neither the tokens' contents nor their lengths, and every token is compared.
 */
export function tokenMatches(header: string | undefined, tokens: readonly string[]): boolean {
  if (tokens.length === 0) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = digest(match?.[1] ?? '');
  let ok = false;
  for (const token of tokens) ok = timingSafeEqual(given, digest(token)) || ok;
  return ok && match !== null;
}

export function createApp({ db, log, apiTokens, maxBodyBytes = 2 * 1024 * 1024, maxBatchSize = 50 }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // tRPC speaks GET (queries) and POST (mutations); anything else (TRACE, PUT, ...) is 405, not a 500.
  app.use('/trpc', (req, res, next) => {
    if (req.method === 'GET' || req.method === 'POST') return next();
    res
      .status(405)
      .set('allow', 'GET, POST')
      .json({ error: { code: 'METHOD_NOT_SUPPORTED', message: `${req.method} is not supported; use GET or POST` } });
  });
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
