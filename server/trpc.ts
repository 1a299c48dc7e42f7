import { initTRPC, TRPCError } from '@trpc/server';
import type { Knex } from 'knex';
import { transformer } from '../sdk/transformer.js';
import { withActor } from './db/actor.js';
import { toTRPCError } from './errors.js';
import { InputProblemError, inputProblem } from './inputGuard.js';
import type { Logger } from './logger.js';
import { describeFieldErrors, fieldErrors, type FieldError } from './schemas.js';
import type { IngestQueue } from './services/ingest/queue.js';
import { throughReadGate } from './services/ingest/writeGate.js';

export interface Context {
  db: Knex;
  log: Logger;
  /** Durable collection ingest jobs, shared with every process on the database. */
  queue: IngestQueue;
  requestId: string;
  /** Whether the request carried a valid API token (always true when no token is configured). */
  authorized: boolean;
  /** Who the change log names as the author of this call's writes: `api:<token label>`. */
  actor?: string | undefined;
  /** How often `changes.subscribe` looks for new entries (RETROVUE_CHANGES_POLL_MS). */
  changesPollMs?: number | undefined;
}

/** A validation failure (zod or any standard-schema library) carries an `issues` array. */
function issuesOf(cause: unknown): FieldError[] | undefined {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  return fieldErrors(issues);
}

const t = initTRPC.context<Context>().create({
  // superjson that also carries JSON keys named constructor/prototype (shared with the SDK's link).
  transformer,
  // Callers see the code, a safe message and per-field errors; never a stack, SQL or secret.
  errorFormatter({ shape, error }) {
    const fieldErrors = error.code === 'BAD_REQUEST' ? issuesOf(error.cause) : undefined;
    const message = fieldErrors ? `Invalid input: ${describeFieldErrors(fieldErrors)}` : shape.message;
    return {
      code: shape.code,
      message: message.length > 1000 ? `${message.slice(0, 1000)}…` : message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        ...(fieldErrors ? { fieldErrors } : {}),
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** What a log may say of an error: never the query parameters a driver error carries (they may hold secrets). */
function summarize(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  return { name: err.name, message: err.message, code, constraint, stack: err.stack };
}

/** Every procedure goes through here: failures are logged once and mapped by the one error map. */
const errorBoundary = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  if (result.ok) {
    ctx.log.info({ requestId: ctx.requestId, procedure: path, type, durationMs, outcome: 'ok' }, 'procedure');
    return result;
  }
  const mapped = toTRPCError(result.error);
  const level = mapped.code === 'INTERNAL_SERVER_ERROR' || mapped.code === 'SERVICE_UNAVAILABLE' ? 'error' : 'info';
  ctx.log[level](
    {
      requestId: ctx.requestId,
      procedure: path,
      type,
      durationMs,
      outcome: mapped.code,
      err: level === 'error' ? summarize(result.error.cause ?? result.error) : undefined,
    },
    'procedure failed',
  );
  throw mapped;
});

/** Malformed text and runaway nesting are refused before any schema or service sees the input. */
const inputGuard = t.middleware(async ({ getRawInput, next }) => {
  const problem = inputProblem(await getRawInput());
  if (problem) throw new TRPCError({ code: 'BAD_REQUEST', message: 'invalid input', cause: new InputProblemError(problem) });
  return next();
});

/**
 * On the embedded database, a query goes before the next ingest write (see the write gate).
 * Not `health.check`: it queues for the connection as it is, so its latency and its count of
 * what waits ahead of it report the load honestly.
 */
const readGate = t.middleware(({ ctx, type, next }) => (type === 'query' ? throughReadGate(ctx.db, () => next()) : next()));

/** Open to anyone: only `health.check`. */
export const publicProcedure = t.procedure.use(errorBoundary).use(inputGuard);

/** Everything else: needs the API token when one is configured. */
export const procedure = publicProcedure
  .use(({ ctx, next }) => {
    if (!ctx.authorized) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing or invalid API token' });
    return next();
  })
  // Every write the call makes, in a transaction or not, is attributed to its token in the change log.
  .use(({ ctx, next }) => withActor(ctx.actor ?? 'api:anonymous', () => next()))
  // A call with no input at all (`GET /trpc/titles.list`) means an empty object: every procedure
  // here takes an object, so a list needs no `?input={"json":{}}` (a missing field is still named).
  .use(({ next, getRawInput }) => next({ getRawInput: async () => (await getRawInput()) ?? {} }))
  .use(readGate);
