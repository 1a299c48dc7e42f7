import type { JsonObject } from '../models/index.js';

/** A library a source offers (a Plex section, a folder). */
export interface DiscoveredCollection {
  externalId: string;
  name: string;
  config: JsonObject;
}

/**
 * What a pull of a whole collection tells the ingest core about presence: asset provider keys
 * (under the collection's prefix) that were seen, and prefixes whose assets are present but were
 * skipped as unchanged. Anything else under the prefix is reported as removed.
 */
export interface CollectionPull {
  provider: string;
  keyPrefix: string;
  seenKeys: string[];
  keepPrefixes: string[];
  /** How many source items were skipped as unchanged. */
  skipped: number;
  /** When given, removals are looked for only under these key prefixes (what changed or vanished). */
  scopes?: string[];
}
