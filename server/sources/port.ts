import type { z } from 'zod';
import type { IngestItem } from '../domain/items.js';
import type { Mapping } from '../domain/pathMapping.js';
import type { JsonObject } from '../models/index.js';

/**
 * The port every source kind implements (server/sources/<kind>/adapter.ts), registered once in
 * server/sources/registry.ts. An adapter talks to its source and turns what it finds into
 * normalized items; it gets everything else as data (its parsed config, the collection, the path
 * mappings, what the last ingest stored) and never touches the database or imports a service.
 * The ingest service validates every item it yields, writes them, and detects removals.
 */
export interface SourceAdapter<Config> {
  /** The provider name of the refs it writes (`plex`, `filesystem`); stored versions and removals are looked up under it. */
  readonly provider: string;
  /** The source's `config` as stored (secrets included). */
  readonly config: z.ZodType<Config>;
  /**
   * What `sources.update` accepts as a new config: the same settings, with each secret optional
   * (kept when not resent) and nullable (removed when resent as null).
   */
  readonly configUpdate: z.ZodType<ConfigUpdate<Config>>;
  /** Which stored provider refs carry the versions `pull` compares against (see `PullInput.storedVersions`). */
  readonly versions: VersionSpec;
  /** The libraries the source offers; each becomes a collection (new ones disabled). */
  discover(config: Config): Promise<DiscoveredCollection[]>;
  /** Every item of one collection, in batches. Items it can tell are unchanged are skipped, not yielded. */
  pull(input: PullInput<Config>): AsyncIterable<PullBatch>;
  /** Checks a config against the world before it is stored (a folder that exists); throws BAD_REQUEST naming the field. */
  verify?(config: Config): Promise<void>;

  // Live sync (optional capabilities; server/services/live/ drives them)

  /**
   * Just the named items of one collection (Plex ratingKeys, a folder's relative paths), as `pull`
   * yields them; keys the source no longer has are named in `gone`. No removals are inferred.
   */
  pullItems?(input: PullItemsInput<Config>): AsyncIterable<PullBatch>;
  /** Holds the source's change feed open for these collections (of this source) until closed; reconnects by itself. */
  listen?(input: ListenInput<Config>): LiveListener;
  /** Keys of items changed at the source since `since` (epoch seconds, the source's clock) whose version differs from the stored one. */
  changedSince?(input: ChangedSinceInput<Config>): Promise<string[]>;
  /** Every item key the collection has now (the deletion sweep compares them with what is stored). */
  listKeys?(input: { config: Config; collection: CollectionInfo }): Promise<string[]>;
}

export interface PullItemsInput<Config> extends PullInput<Config> {
  keys: readonly string[];
}

export interface ChangedSinceInput<Config> {
  config: Config;
  collection: CollectionInfo;
  since: number;
  lookupVersions: NonNullable<PullInput<Config>['lookupVersions']>;
}

/** One change the source reported: an item key of one collection, changed (or added) or deleted. */
export interface SourceChange {
  collectionId: string;
  key: string;
  deleted: boolean;
}

export type ListenState = 'connecting' | 'open' | 'closed';

export interface ListenInput<Config> {
  config: Config;
  collections: readonly CollectionInfo[];
  onChange(change: SourceChange): void;
  /** Connection state changes, with what happened (an error message, the next retry delay). */
  onState(state: ListenState, detail: { error?: string; retryInMs?: number; attempt?: number }): void;
  options: ListenOptions;
}

export interface ListenOptions {
  /** Reconnect backoff: first delay, doubled per failed attempt up to the max, each with up to 50% random jitter. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Folders: a file is reported once its size has not changed for this long (still being copied until then). */
  settleMs: number;
}

export interface LiveListener {
  close(): Promise<void>;
}

/** A config as `sources.update` takes it: every key may be left out, a secret may be null. */
export type ConfigUpdate<Config> = { [K in keyof Config]?: Config[K] | null };

/** A library a source offers (a Plex section, a folder). */
export interface DiscoveredCollection {
  externalId: string;
  name: string;
  config: JsonObject;
}

/** The collection being pulled, as data. */
export interface CollectionInfo {
  id: string;
  externalId: string;
  name: string;
  config: JsonObject | null;
}

/**
 * Where an adapter keeps an item's version: in the `raw` JSON of its provider refs of one entity type,
 * as two fields (Plex shows: `updatedAt` and `leafCount` on the title ref; files: `size` and `mtimeMs`
 * on the asset ref). The service reads them back as `storedVersions`, joined by `joinVersion`.
 */
export interface VersionSpec {
  entityType: 'title' | 'asset';
  fields: readonly [string, string];
}

export interface PullInput<Config> {
  config: Config;
  collection: CollectionInfo;
  /** The collection's source-path -> local-path mappings (resolve with `resolvePath` from server/domain/pathMapping.ts). */
  pathMappings: readonly Mapping[];
  /**
   * What the last ingest stored, by provider key (scoped with `collectionKey`), per `versions`.
   * An item whose `joinVersion(...)` equals its entry is unchanged: skip it and name it in `skippedKeys`.
   */
  storedVersions: ReadonlyMap<string, string>;
  /**
   * The stored versions (same two raw fields) of refs of another entity type, for the given keys only:
   * for an adapter that compares children of changed items (Plex episodes of a changed show).
   */
  lookupVersions?: (entityType: 'title' | 'episode' | 'asset', keys: readonly string[]) => Promise<ReadonlyMap<string, string>>;
}

export interface PullBatch {
  /** Normalized items; each is validated against `IngestItem`, and an invalid one is rejected alone. */
  items: IngestItem[];
  /**
   * Keys of source items skipped as unchanged. Each counts once in the report's `skipped`, and every
   * asset key equal to it or under it (`key:...`) counts as still present (not removed).
   */
  skippedKeys?: string[];
  /**
   * Key prefixes (`<collectionKey>:`) under which this pull listed everything the source has: when an
   * adapter names them, removals are looked for only under them (what changed or vanished), so an
   * unchanged re-sync costs nothing there whatever the library's size.
   */
  scopes?: string[];
  /** Items the source sent that failed the adapter's own validation, by the source's key, with the reason. */
  rejected?: Array<{ sourceKey: string; reason: string }>;
  /** What the pull has cost so far (cumulative; the last batch's counts are reported). */
  cost?: PullCost;
  /** Files seen and deliberately left out of the catalogue as extras (trailers, samples, featurettes...). */
  extras?: number;
  /** Things the operator should know that are not item errors (a malformed NFO, an unreadable folder). */
  notices?: string[];
  /** `pullItems` only: requested keys the source no longer has (their assets are marked missing). */
  gone?: string[];
}

/** A pull's cost at its source and what it could not use. */
export interface PullCost {
  /** HTTP requests sent to the source, retries included; of which metadata requests for markers and chapters. */
  requests: number;
  markerRequests: number;
  /** Markers/chapters overshooting the duration by a small tolerance, clamped; and those dropped, by reason. */
  markersClamped: number;
  markersDropped: Record<string, number>;
}

/** A stored version as the service reads it back: two raw fields joined by '|', missing ones empty. */
export const joinVersion = (a: string | number | null | undefined, b: string | number | null | undefined): string =>
  `${a ?? ''}|${b ?? ''}`;
