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
}

export interface PullBatch {
  /** Normalized items; each is validated against `IngestItem`, and an invalid one is rejected alone. */
  items: IngestItem[];
  /**
   * Keys of source items skipped as unchanged. Each counts once in the report's `skipped`, and every
   * asset key equal to it or under it (`key:...`) counts as still present (not removed).
   */
  skippedKeys?: string[];
}

/** A stored version as the service reads it back: two raw fields joined by '|', missing ones empty. */
export const joinVersion = (a: string | number | null | undefined, b: string | number | null | undefined): string =>
  `${a ?? ''}|${b ?? ''}`;
