import type { Knex } from 'knex';
import type { Model, ModelClass, PartialModelObject } from 'objection';
import type { LockableField } from '../schemas.js';
import { definedOnly, patchOrThrow } from './crud.js';

/**
 * A person's edit of a title's or episode's metadata through the API locks the edited fields:
 * the ingest core leaves locked fields as they are, so the next sync does not undo the edit.
 * `unlock` hands fields back to the sync.
 */
export async function patchLocking<M extends Model>(
  modelClass: ModelClass<M>,
  db: Knex,
  id: string,
  { unlock, ...patch }: Record<string, unknown> & { unlock?: readonly LockableField[] | undefined },
  what: string,
  lockable: readonly LockableField[],
): Promise<M> {
  const defined = definedOnly(patch);
  const edited = lockable.filter((field) => field in defined);
  const released = (unlock ?? []).filter((field) => !edited.includes(field));
  if (edited.length === 0 && released.length === 0)
    return patchOrThrow(modelClass, db, id, defined as PartialModelObject<M>, what);
  const lockedFields = db.raw(
    `ARRAY(SELECT DISTINCT f FROM unnest(locked_fields || ?::text[]) AS f WHERE f <> ALL(?::text[]) ORDER BY f)`,
    [edited, released],
  );
  return patchOrThrow(modelClass, db, id, { ...defined, lockedFields } as unknown as PartialModelObject<M>, what);
}

export const TITLE_LOCKABLE: readonly LockableField[] = ['genres', 'contentRating', 'summary', 'originallyAvailableAt', 'studio'];
export const EPISODE_LOCKABLE: readonly LockableField[] = [...TITLE_LOCKABLE, 'name'];
