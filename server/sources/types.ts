import type { JsonObject } from '../models/index.js';

/** A library a source offers (a Plex section, a folder). */
export interface DiscoveredCollection {
  externalId: string;
  name: string;
  config: JsonObject;
}
