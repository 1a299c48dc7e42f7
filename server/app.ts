import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express, type Request } from 'express';
import type { Knex } from 'knex';
import type { Logger } from './logger.js';
import { openApiDocument } from './openapi.js';
import { restRouter } from './rest.js';
import { appRouter } from './router.js';
import { sharedQueue, type IngestQueue } from './services/ingest/queue.js';
import type { Context } from './trpc.js';

export interface AppOptions {
  db: Knex;
  log: Logger;
  /** Accepted bearer tokens (`label:token` names the token in the change log); empty means no authentication. */
  apiTokens: readonly string[];
  /** How often `changes.subscribe` looks for new entries, in ms (default 500). */
  changesPollMs?: number;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes?: number;
  /** Most calls in one batched HTTP request. */
  maxBatchSize?: number;
  /** The ingest job queue; by default one per database, working jobs in this process. */
  queue?: IngestQueue;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A configured token and the label the change log names it by. */
export interface ApiToken {
  label: string;
  token: string;
}

/**
 * `label:token` (label: letters, digits, `_.-`, at most 50) names a token; a bare token is named by
 * its place in the list (`token1`, `token2`, ...), never by its value.
 */
export function parseApiTokens(tokens: readonly string[]): ApiToken[] {
  return tokens.map((entry, i) => {
    const m = /^([A-Za-z0-9_.-]{1,50}):(.+)$/.exec(entry);
    return m ? { label: m[1]!, token: m[2]! } : { label: `token${i + 1}`, token: entry };
  });
}

/** The configured tokens' labels and digests, parsed once per token list (not on every request). */
const digested = new WeakMap<readonly string[], Array<{ label: string; digest: Buffer }>>();
function digestsOf(tokens: readonly string[]): Array<{ label: string; digest: Buffer }> {
  let found = digested.get(tokens);
  if (!found) {
    found = parseApiTokens(tokens).map(({ label, token }) => ({ label, digest: digest(token) }));
    digested.set(tokens, found);
  }
  return found;
}

/**
 * The label of the token the bearer header (or, for server-sent events, which cannot send headers
 * from a browser, the connection parameter `token`) carries; `anonymous` when no token is
 * configured; undefined when it matches none. Constant time: comparing fixed-length digests leaks
neither the tokens' contents nor their lengths, and every token is compared.
 */
export function tokenLabel(header: string | undefined, tokens: readonly string[], bare?: string): string | undefined {
  if (tokens.length === 0) return 'anonymous';
  const match = bare === undefined ? /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] : bare;
  const given = digest(match ?? '');
  let label: string | undefined;
  for (const { label: name, digest: expected } of digestsOf(tokens)) if (timingSafeEqual(given, expected)) label ??= name;
  return match === undefined ? undefined : label;
}

export function createApp({
  db,
  log,
  apiTokens,
  maxBodyBytes = 2 * 1024 * 1024,
  maxBatchSize = 50,
  queue,
  changesPollMs,
}: AppOptions): Express {
  const jobs = queue ?? sharedQueue(db, { log });
  const app = express();
  app.disable('x-powered-by');
  const createContext = (req: Request, connectionParams?: Partial<Record<string, string>> | null): Context => {
    const bare = req.headers.authorization === undefined ? connectionParams?.token : undefined;
    const label = tokenLabel(req.headers.authorization, apiTokens, bare);
    return {
      db,
      log,
      queue: jobs,
      requestId: (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) ?? randomUUID(),
      authorized: label !== undefined,
      actor: label === undefined ? undefined : `api:${label}`,
      changesPollMs,
    };
  };
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
      createContext: ({ req, info }) => createContext(req, info.connectionParams),
    }),
  );
  app.use('/api', restRouter({ router: appRouter, createContext, maxBodyBytes }));
  let document: object | undefined; // built on first request: it walks every schema once
  app.get('/openapi.json', (_req, res) => {
    document ??= openApiDocument(appRouter, apiVersion());
    res.json(document);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  app.use('/docs/assets', express.static(swaggerUiDir(), { index: false, maxAge: '1h' }));
  app.get('/', (_req, res) => {
    res.json({
      service: 'retrovue-library',
      api: '/trpc',
      rest: '/api',
      openapi: '/openapi.json',
      docs: '/docs',
      health: '/trpc/health.check',
    });
  });
  return app;
}

/** The API's version is the SDK's (sdk/package.json), whose major moves on a breaking change. */
function apiVersion(): string {
  // From server/ when run from sources, from dist/server/ when compiled.
  for (const up of [['..'], ['..', '..']]) {
    const file = path.resolve(import.meta.dirname, ...up, 'sdk', 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

/** Swagger UI's static files, served from its npm package (no CDN). */
const swaggerUiDir = (): string => path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Retrovue library API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });</script>
</body>
</html>
`;
