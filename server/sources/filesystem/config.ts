import { z } from 'zod';

const AbsolutePath = z.string().min(1).max(500).regex(/^\//, 'must be an absolute path');

/** A folder source's config: one collection per path. */
export const FilesystemSourceConfig = z.strictObject({
  paths: z.array(AbsolutePath).min(1).max(100),
  /** Compute SHA-256 of each new or changed file (slow on large libraries). */
  hash: z.boolean().optional(),
});
export type FilesystemSourceConfig = z.infer<typeof FilesystemSourceConfig>;
