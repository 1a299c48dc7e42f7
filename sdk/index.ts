/**
 * The typed client for the Retrovue library service (`@retrovue/sdk`). Types come from the
 * server's router: every procedure, input and output is checked at compile time. In this
 * repository they are read from server/router.ts; the published package carries them as plain
 * TypeScript (see sdk/tools/build.ts).
 *
 *   const client = createRetrovueClient({ url: 'http://127.0.0.1:3000/trpc', token });
 *   const { items } = await client.titles.list.query({ kind: 'show' });
 *
 * Subscriptions (`changes.subscribe`) travel as server-sent events (httpSubscriptionLink); queries
 * and mutations as batched HTTP (httpBatchLink). Both carry the token and the transformer.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError, type TRPCClient } from '@trpc/client';
import { EventSource, type FetchLike } from 'eventsource';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../server/router.js';
import { transformer } from './transformer.js';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RetrovueClient = TRPCClient<AppRouter>;

export interface RetrovueClientOptions {
  /** The tRPC endpoint, e.g. http://127.0.0.1:3000/trpc */
  url: string;
  /** API token, sent as `Authorization: Bearer <token>` when the server requires one. */
  token?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** Most calls batched into one HTTP request (the server accepts up to 50). */
  maxItems?: number;
  /**
   * An EventSource implementation for subscriptions. Defaults to the `eventsource` package, which
   * sends the token as an `Authorization` header; a browser's native EventSource cannot send headers,
   * so with one the token travels as the connection parameter `token` instead.
   */
  EventSource?: typeof globalThis.EventSource;
}

export function createRetrovueClient(options: RetrovueClientOptions): RetrovueClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const baseFetch = options.fetch ?? globalThis.fetch;
  // The eventsource package fetches the stream itself: the headers ride on every (re)connection.
  const fetchWithHeaders: FetchLike = (url, init) => baseFetch(url, { ...init, headers: { ...init.headers, ...headers } });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: options.EventSource
          ? httpSubscriptionLink({
              url: options.url,
              transformer,
              EventSource: options.EventSource,
              ...(options.token ? { connectionParams: { token: options.token } } : {}),
            })
          : httpSubscriptionLink({
              url: options.url,
              transformer,
              EventSource,
              eventSourceOptions: { fetch: fetchWithHeaders },
            }),
        false: httpBatchLink({
          url: options.url,
          transformer,
          headers,
          maxItems: options.maxItems ?? 50,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      }),
    ],
  });
}

/** The error codes the service answers with (see the README's error table). */
export type RetrovueErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE'
  | 'BAD_GATEWAY'
  | 'INTERNAL_SERVER_ERROR'
  | (string & {});

export interface RetrovueError extends TRPCClientError<AppRouter> {
  /** The error code, e.g. 'NOT_FOUND'. */
  code: RetrovueErrorCode;
  /** Per-field messages when the input failed validation. */
  fieldErrors: Array<{ path: string; message: string }>;
}

/**
 * True for an error the service answered with; narrows it to carry `code` and `fieldErrors`.
 * False for anything else, e.g. a network failure before the service could answer.
 */
export function isRetrovueError(err: unknown): err is RetrovueError {
  if (!(err instanceof TRPCClientError)) return false;
  const data = (err as TRPCClientError<AppRouter>).data as
    { code?: string; fieldErrors?: RetrovueError['fieldErrors'] } | undefined;
  if (!data?.code) return false;
  Object.assign(err, { code: data.code, fieldErrors: data.fieldErrors ?? [] });
  return true;
}
