import { describeFieldErrors, fieldErrors } from '../domain/fields.js';
import { badRequest } from '../errors.js';
import type { JsonObject } from '../models/index.js';
import { filesystemAdapter } from './filesystem/adapter.js';
import { embyAdapter, jellyfinAdapter } from './jellyfin/adapter.js';
import { plexAdapter } from './plex/adapter.js';
import type {
  ChangedSinceInput,
  CollectionInfo,
  DiscoveredCollection,
  ListenInput,
  LiveListener,
  PullBatch,
  PullInput,
  PullItemsInput,
  SourceAdapter,
  VersionSpec,
} from './port.js';

export type { VersionSpec };

/**
 * Every source kind, by the `kind` stored in `sources.kind`. Adding a kind is one folder under
 * server/sources/ exporting a `SourceAdapter`, one entry here, and the kind in the database's
 * `ck_sources_kind` check (a migration).
 */
export const ADAPTERS = {
  plex: plexAdapter,
  filesystem: filesystemAdapter,
  jellyfin: jellyfinAdapter,
  emby: embyAdapter,
} as const;

export type SourceKindName = keyof typeof ADAPTERS;
export const SOURCE_KINDS = Object.keys(ADAPTERS) as [SourceKindName, ...SourceKindName[]];

/**
 * An adapter as the services use it: configs arrive as stored (JSON) and are parsed here, at the
 * boundary, so a service never needs to know a kind's config type.
 */
export interface RegisteredAdapter {
  readonly kind: SourceKindName;
  readonly provider: string;
  readonly versions: VersionSpec;
  /** The config to store, or BAD_REQUEST naming the fields that are wrong. */
  parseConfig(config: unknown): JsonObject;
  discover(config: unknown): Promise<DiscoveredCollection[]>;
  /** Checks a parsed config against the world (a folder that exists), or BAD_REQUEST. */
  verifyConfig(config: unknown): Promise<void>;
  pull(input: PullInput<unknown>): AsyncIterable<PullBatch>;
  /** Live sync capabilities, when the kind has them (see the port). */
  readonly live: {
    pullItems?: (input: PullItemsInput<unknown>) => AsyncIterable<PullBatch>;
    listen?: (input: ListenInput<unknown>) => LiveListener;
    changedSince?: (input: ChangedSinceInput<unknown>) => Promise<string[]>;
    listKeys?: (input: { config: unknown; collection: CollectionInfo }) => Promise<string[]>;
  };
}

function register<Config>(kind: SourceKindName, adapter: SourceAdapter<Config>): RegisteredAdapter {
  const parse = (config: unknown): Config => {
    const parsed = adapter.config.safeParse(config);
    if (parsed.success) return parsed.data;
    throw badRequest(`Invalid ${kind} source config: ${describeFieldErrors(fieldErrors(parsed.error.issues), 'config.')}`);
  };
  return {
    kind,
    provider: adapter.provider,
    versions: adapter.versions,
    parseConfig: (config) => parse(config) as JsonObject,
    discover: (config) => adapter.discover(parse(config)),
    verifyConfig: async (config) => adapter.verify?.(parse(config)),
    pull: (input) => adapter.pull({ ...input, config: parse(input.config) }),
    live: {
      ...(adapter.pullItems && { pullItems: (input) => adapter.pullItems!({ ...input, config: parse(input.config) }) }),
      ...(adapter.listen && { listen: (input) => adapter.listen!({ ...input, config: parse(input.config) }) }),
      ...(adapter.changedSince && {
        changedSince: (input) => adapter.changedSince!({ ...input, config: parse(input.config) }),
      }),
      ...(adapter.listKeys && { listKeys: (input) => adapter.listKeys!({ ...input, config: parse(input.config) }) }),
    },
  };
}

const registered = new Map<string, RegisteredAdapter>(
  Object.entries(ADAPTERS).map(([kind, adapter]) => [kind, register(kind as SourceKindName, adapter as SourceAdapter<unknown>)]),
);

export function adapterFor(kind: string): RegisteredAdapter {
  const adapter = registered.get(kind);
  if (!adapter) throw badRequest(`unknown source kind ${kind}`);
  return adapter;
}
