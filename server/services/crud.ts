import type { Knex } from 'knex';
import type { Model, ModelClass, PartialModelObject, QueryBuilder } from 'objection';
import { notFound } from '../errors.js';
import { withIncludes } from './graph.js';

export interface GetOptions {
  include?: readonly string[];
  allowed?: readonly string[];
}

export async function findOrThrow<M extends Model>(
  modelClass: ModelClass<M>,
  db: Knex,
  id: string,
  what: string,
  { include = [], allowed = [] }: GetOptions = {},
): Promise<M> {
  // Objection's static generics lose M through findById; the row is an M.
  const row = (await withIncludes(modelClass.query(db).findById(id), include, allowed)) as M | undefined;
  if (!row) throw notFound(what, id);
  return row;
}

/** The fields a patch really sets (undefined means "leave as is"). */
export const definedOnly = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;

export async function patchOrThrow<M extends Model>(
  modelClass: ModelClass<M>,
  db: Knex,
  id: string,
  patch: PartialModelObject<M>,
  what: string,
): Promise<M> {
  const defined = definedOnly(patch);
  const row =
    Object.keys(defined).length === 0
      ? await modelClass.query(db).findById(id)
      : // Through the base Model type: the generic chain is too deep for the compiler.
        await (modelClass.query(db) as unknown as QueryBuilder<Model, Model[]>)
          .patch(defined)
          .findById(id)
          .returning('*')
          .first();
  if (!row) throw notFound(what, id);
  return row as M;
}

export async function deleteOrThrow<M extends Model>(
  modelClass: ModelClass<M>,
  db: Knex,
  id: string,
  what: string,
): Promise<{ id: string; deleted: true }> {
  const count = await modelClass.query(db).deleteById(id);
  if (count === 0) throw notFound(what, id);
  return { id, deleted: true };
}

/** A literal for a LIKE pattern: its %, _ and backslash match themselves. */
export const escapeLike = (literal: string): string => literal.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `ILIKE` pattern for a literal substring. */
export const containsPattern = (term: string): string => `%${escapeLike(term)}%`;

export interface ById {
  id: string;
}

/** A `get` call: the id and the relation paths to include (already checked against the allow-list by the input schema). */
export interface GetRequest extends ById {
  include?: readonly string[] | undefined;
}

/**
 * get / update / delete by id for one model, answering NOT_FOUND by name (`what`); `allowed` is the
 * model's include allow-list (enforced again here, whatever the caller's schema let through).
 */
export function byIdOf<M extends Model>(modelClass: ModelClass<M>, what: string, allowed: readonly string[] = []) {
  return {
    get: (db: Knex, { id, include = [] }: GetRequest): Promise<M> => findOrThrow(modelClass, db, id, what, { include, allowed }),
    update: (db: Knex, { id, ...patch }: ById & PartialModelObject<M>): Promise<M> =>
      // The rest of a patch without its id is a partial model; the compiler cannot see through Omit on a generic.
      patchOrThrow(modelClass, db, id, patch as unknown as PartialModelObject<M>, what),
    remove: (db: Knex, { id }: ById): Promise<{ id: string; deleted: true }> => deleteOrThrow(modelClass, db, id, what),
  };
}
