import type { Knex } from 'knex';
import type { Model, ModelClass, PartialModelObject, QueryBuilder } from 'objection';
import type { z } from 'zod';
import { notFound } from '../errors.js';
import { withIncludes } from './graph.js';
import type { Page } from './pagination.js';

/**
 * The plain object a procedure returns, parsed by its output schema: Dates stay Dates for superjson,
 * relations become arrays, and nothing outside the schema leaves the server.
 */
export const shape = <S extends z.ZodType>(schema: S, model: Model): z.output<S> => schema.parse(model.toJSON());

export const shapePage = <S extends z.ZodType>(schema: S, { items, nextCursor }: Page<Model>) => ({
  items: items.map((item) => shape(schema, item)),
  nextCursor,
});

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
