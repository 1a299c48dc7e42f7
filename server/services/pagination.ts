import type { Model, QueryBuilder } from 'objection';
import { badRequest } from '../errors.js';

/**
 * Keyset pagination: `(k1, k2, ...) > (cursor values)` over an index-backed ORDER BY,
 * so page 1,000 costs what page 1 costs. The cursor carries the last row's sort keys as
 * the database rendered them (json), so timestamps keep their microseconds.
 */
export interface SortKey {
  /** SQL expression over qualified columns, e.g. `titles.name`. Never built from input. */
  sql: string;
  type: 'uuid' | 'text' | 'int' | 'timestamptz';
}

/** Keys that order rows of `table` by `columns`, then by its id (unique: every row has one place). */
export function sortKeys(table: string, ...columns: Array<[column: string, type: SortKey['type']]>): SortKey[] {
  return [...columns.map(([column, type]) => ({ sql: `${table}.${column}`, type })), { sql: `${table}.id`, type: 'uuid' }];
}

export interface PageRequest {
  cursor?: string | undefined;
  limit: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type CursorValue = string | number;

function encodeCursor(scope: string, keys: CursorValue[]): string {
  return Buffer.from(JSON.stringify({ s: scope, k: keys })).toString('base64url');
}

function decodeCursor(cursor: string, scope: string, keys: readonly SortKey[]): CursorValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid cursor');
  }
  const { s, k } = (parsed ?? {}) as { s?: unknown; k?: unknown };
  const valid =
    s === scope &&
    Array.isArray(k) &&
    k.length === keys.length &&
    k.every((v, i) => (keys[i]!.type === 'int' ? Number.isSafeInteger(v) : typeof v === 'string' && v.length <= 1024));
  if (!valid) throw badRequest('invalid cursor (it belongs to another list or query)');
  return k as CursorValue[];
}

export async function paginate<M extends Model>(
  query: QueryBuilder<M, M[]>,
  scope: string,
  keys: readonly SortKey[],
  { cursor, limit }: PageRequest,
): Promise<Page<M>> {
  const table = query.modelClass().tableName;
  const tuple = keys.map((k) => k.sql).join(', ');
  query.select(`${table}.*`, query.modelClass().raw(`json_build_array(${tuple})::text AS cursor_keys`));
  if (cursor) {
    const values = decodeCursor(cursor, scope, keys);
    query.whereRaw(`(${tuple}) > (${keys.map((k) => `?::${k.type}`).join(', ')})`, values);
  }
  for (const key of keys) query.orderByRaw(key.sql);
  const rows = await query.limit(limit + 1);
  const items = rows.slice(0, limit);
  const last = rows.length > limit ? items[items.length - 1] : undefined;
  const nextCursor = last ? encodeCursor(scope, JSON.parse(cursorKeysOf(last)) as CursorValue[]) : null;
  for (const item of items) delete (item as { cursorKeys?: string }).cursorKeys;
  return { items, nextCursor };
}

const cursorKeysOf = (row: Model): string => (row as unknown as { cursorKeys: string }).cursorKeys;
