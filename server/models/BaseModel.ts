import { Model, snakeCaseMappers, type ColumnNameMappers } from 'objection';

/** Shared model base: camelCase properties over the schema's snake_case columns. */
export class BaseModel extends Model {
  static override get columnNameMappers(): ColumnNameMappers {
    return snakeCaseMappers();
  }
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
