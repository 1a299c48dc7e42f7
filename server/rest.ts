/**
 * Plain-JSON REST over the same procedures (`/api/...`), for callers that do not speak tRPC.
 *
 * Routes come from the router by convention, so a new router is served without being listed:
 *   query `list`       GET    /api/{ns}            (input from query parameters)
 *   query `get`        GET    /api/{ns}/{id}
 *   other query        GET    /api/{ns}/{name}     (e.g. /api/ingest/status?jobId=...)
 *   mutation `create`  POST   /api/{ns}
 *   mutation `update`  PATCH  /api/{ns}/{id}
 *   mutation `delete`  DELETE /api/{ns}/{id}
 *   other mutation     POST   /api/{ns}/{id}/{name} when its input has an `id`, else POST /api/{ns}/{name}
 * Each call runs the procedure itself (validation, auth, error map, logging) through a server-side
 * caller; dates travel as ISO-8601 strings both ways, errors as `{ code, message, fieldErrors }`
 * with the HTTP status tRPC would give.
 */
import { getTRPCErrorFromUnknown, getTRPCErrorShape, type AnyTRPCRouter } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { procedureList, type ProcedureContract } from './contract.js';
import type { FieldError } from './schemas.js';
import type { Context } from './trpc.js';

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

export interface RestRoute {
  method: HttpMethod;
  /** OpenAPI style, e.g. `/api/titles/{id}`. */
  path: string;
  /** Whether `{id}` in the path is the input's `id`. */
  idInPath: boolean;
  procedure: ProcedureContract;
}

/** An object schema's fields (through optional/default/pipe wrappers), if it is an object. */
export function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  const inner = schema && unwrap(schema);
  const def = inner?._zod.def as { type: string; shape?: Record<string, z.ZodType> } | undefined;
  return def?.type === 'object' ? def.shape : undefined;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType; getter?: () => z.ZodType };
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'lazy' && def.getter) current = def.getter();
    else break;
  }
  return current;
}

/** The REST route of every query and mutation (subscriptions stay on tRPC). */
export function restRoutes(router?: AnyTRPCRouter): RestRoute[] {
  return procedureList(router)
    .filter((p) => p.type !== 'subscription')
    .map((procedure) => {
      const parts = procedure.path.split('.');
      const name = parts.pop()!;
      const base = `/api/${parts.join('/')}`;
      const hasId = objectShape(procedure.input)?.id !== undefined;
      const route = (method: HttpMethod, path: string, idInPath = false): RestRoute => ({ method, path, idInPath, procedure });
      if (procedure.type === 'query') {
        if (name === 'list') return route('get', base);
        if (name === 'get' && hasId) return route('get', `${base}/{id}`, true);
        return route('get', `${base}/${name}`);
      }
      if (name === 'create') return route('post', base);
      if (name === 'update' && hasId) return route('patch', `${base}/{id}`, true);
      if (name === 'delete' && hasId) return route('delete', `${base}/{id}`, true);
      return hasId ? route('post', `${base}/{id}/${name}`, true) : route('post', `${base}/${name}`);
    });
}

// ---- plain JSON in: query strings and ISO dates to what the schemas take ----

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** One query-string value as the schema expects it (numbers, booleans, dates, arrays, null). */
function fromQuery(schema: z.ZodType | undefined, raw: unknown): unknown {
  if (!schema) return raw;
  const nullable = (schema._zod.def as { type: string }).type === 'nullable' || schema.safeParse(null).success;
  if (raw === 'null' && nullable) return null;
  const inner = unwrap(schema);
  const def = inner._zod.def as { type: string; element?: z.ZodType };
  if (def.type === 'array') {
    const values = Array.isArray(raw) ? raw : String(raw).split(',');
    return values.map((v) => fromQuery(def.element, v));
  }
  if (Array.isArray(raw)) return raw;
  const value = String(raw);
  if (def.type === 'number' || def.type === 'int') return NUMERIC.test(value) ? Number(value) : value;
  if (def.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  if (def.type === 'date') return reviveDate(value);
  return value;
}

const reviveDate = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date;
};

/** A JSON body with ISO strings turned into Dates wherever the schema takes a date. */
function reviveDates(schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema || value === null || value === undefined) return value;
  const inner = unwrap(schema);
  const def = inner._zod.def as {
    type: string;
    shape?: Record<string, z.ZodType>;
    element?: z.ZodType;
    valueType?: z.ZodType;
    left?: z.ZodType;
    right?: z.ZodType;
  };
  switch (def.type) {
    case 'date':
      return reviveDate(value);
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reviveDates(def.shape?.[k], v)]));
    case 'record':
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reviveDates(def.valueType, v)]));
    case 'array':
      return Array.isArray(value) ? value.map((v) => reviveDates(def.element, v)) : value;
    case 'intersection':
      return reviveDates(def.right, reviveDates(def.left, value));
    default:
      return value;
  }
}

/** `name[key]=value`: one key of an object-valued parameter (OpenAPI's `deepObject` style). */
const DEEP_KEY = /^([^[\]]+)\[([^[\]]+)\]$/;

/**
 * A GET's query string as the input schema expects it. Object-valued parameters (a catalog pool's
 * `genres: { include, exclude }`) come as `genres[include]=comedy,drama&genres[exclude]=news`.
 */
function fromQueryString(shape: Record<string, z.ZodType> | undefined, query: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const deep = DEEP_KEY.exec(key);
    const inner = deep ? objectShape(shape?.[deep[1]!]) : undefined;
    if (deep && inner) {
      const object = (input[deep[1]!] ??= {}) as Record<string, unknown>;
      object[deep[2]!] = fromQuery(inner[deep[2]!], value);
    } else input[key] = fromQuery(shape?.[key], value);
  }
  return input;
}

function inputOf(route: RestRoute, req: Request): unknown {
  const shape = objectShape(route.procedure.input);
  let input: Record<string, unknown> | unknown;
  if (route.method === 'get') input = fromQueryString(shape, req.query as Record<string, unknown>);
  else {
    input = reviveDates(route.procedure.input, req.body ?? {});
  }
  if (route.idInPath && typeof input === 'object' && input !== null && !Array.isArray(input)) {
    input = { ...input, id: req.params.id };
  }
  return route.procedure.input ? input : undefined;
}

// ---- errors: the same contract as tRPC's, as plain JSON ----

export interface RestError {
  code: string;
  message: string;
  fieldErrors: FieldError[];
}

function sendError(res: Response, status: number, body: RestError): void {
  res.status(status).json(body);
}

export interface RestOptions {
  router: AnyTRPCRouter;
  createContext: (req: Request) => Context;
  maxBodyBytes: number;
}

type Caller = (input: unknown) => Promise<unknown>;

/** The express router serving `/api/...`. */
export function restRouter({ router, createContext, maxBodyBytes }: RestOptions): Router {
  const api = express.Router();
  api.use(express.json({ limit: maxBodyBytes }));
  // Named routes (/api/ns/name) before /api/ns/{id}: register the fixed paths first.
  const routes = restRoutes(router).sort((a, b) => Number(a.path.includes('{id}')) - Number(b.path.includes('{id}')));
  for (const route of routes) {
    const expressPath = route.path.replace(/^\/api/, '').replace('{id}', ':id');
    api[route.method](expressPath, async (req, res) => {
      const ctx = createContext(req);
      const input = inputOf(route, req);
      try {
        const caller = router.createCaller(ctx) as unknown as Record<string, unknown>;
        const call = route.procedure.path
          .split('.')
          .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], caller);
        const output = await (call as Caller)(input);
        res.status(200).json(output ?? null);
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        const shape = getTRPCErrorShape({
          config: router._def._config,
          error,
          type: route.procedure.type,
          path: route.procedure.path,
          input,
          ctx,
        }) as { message: string; data: { code: string; fieldErrors?: FieldError[] } };
        sendError(res, getHTTPStatusCodeFromError(error), {
          code: shape.data.code,
          message: shape.message,
          fieldErrors: shape.data.fieldErrors ?? [],
        });
      }
    });
  }
  api.use((req, res) => {
    sendError(res, 404, { code: 'NOT_FOUND', message: `no route ${req.method} ${req.baseUrl}${req.path}`, fieldErrors: [] });
  });
  // Body parser refusals (too large, malformed JSON) in the same shape.
  api.use((err: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.status === 413)
      sendError(res, 413, { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large', fieldErrors: [] });
    else sendError(res, 400, { code: 'BAD_REQUEST', message: 'request body is not valid JSON', fieldErrors: [] });
  });
  return api;
}
