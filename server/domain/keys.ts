/**
 * Provider keys of the items a collection ingest writes are scoped by the collection:
 * `<collectionId>:<the source's own key>[:<sub key>...]`. Two Plex servers (or two folders) never
 * collide, the stored versions of one collection are found by prefix, and so are its assets
 * when removals are detected. This is the one place that spells the convention.
 */
export const collectionKeyPrefix = (collectionId: string): string => `${collectionId}:`;

export const collectionKey = (collectionId: string, ...parts: ReadonlyArray<string | number>): string =>
  [collectionId, ...parts].join(':');

/** Whether `key` is `scope` itself or one of the keys under it (`scope:...`). */
export const isUnderKey = (key: string, scope: string): boolean => key === scope || key.startsWith(`${scope}:`);
