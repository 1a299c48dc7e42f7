import type { Knex } from 'knex';

/**
 * The change log (issue 15): every insert, update and delete of catalogue content, appended by
 * triggers in the same transaction as the change, so no write path can forget it.
 *
 * - `position`: a monotonically increasing identity; `xid`: the writing transaction
 *   (`pg_current_xact_id()`), so readers deliver only what no running transaction can still precede
 *   (services/changes.ts); `at`: the transaction's time; `actor`: the session setting
 *   `retrovue.actor` (server/db/actor.ts), else `db:<role>` for a write made by hand.
 * - inserts carry only the row id; updates the changed columns as `{column: [old, new]}` (nothing
 *   when only `updated_at` moved); deletes the row as it was. Secret-looking config keys of sources and
 *   collections are replaced by "[redacted]" and URL credentials masked, as services/secrets.ts does.
 * - Statement-level triggers with transition tables: one set-based INSERT ... SELECT per statement.
 * - Indexes: the primary key, a BRIN on time (retention, time filters), the transaction id (readers'
 *   horizon) and (row_id, position) for a row's history.
 * TRUNCATE is not logged (maintenance only).
 */

interface LoggedTable {
  name: string;
  /** The row id as text, over the alias `r`. */
  rowId: string;
  /** Join of the old (`o`) and new (`n`) transition rows of an update. */
  key: string;
  /** Whether config values hold secrets to redact. */
  redact?: boolean;
}

const byId = (name: string, redact = false): LoggedTable => ({ name, rowId: 'r.id::text', key: 'o.id = n.id', redact });

export const LOGGED_TABLES: LoggedTable[] = [
  byId('titles'),
  byId('seasons'),
  byId('episodes'),
  byId('assets'),
  {
    name: 'episode_assets',
    rowId: `r.episode_id::text || '/' || r.asset_id::text`,
    key: 'o.episode_id = n.episode_id AND o.asset_id = n.asset_id',
  },
  {
    name: 'asset_parts',
    rowId: `r.version_id::text || '/' || r.part_index::text`,
    key: 'o.version_id = n.version_id AND o.part_index = n.part_index',
  },
  byId('markers'),
  byId('provider_refs'),
  byId('review_queue'),
  byId('sources', true),
  byId('source_collections', true),
  byId('path_mappings'),
];

const ACTOR = `coalesce(nullif(current_setting('retrovue.actor', true), ''), 'db:' || session_user)`;

/** Secret-looking keys, as services/secrets.ts's SECRET_KEY; URL credentials as its URL_CREDENTIALS. */
const REDACT_FUNCTION = `CREATE FUNCTION retrovue_redact(v jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  CASE jsonb_typeof(v)
    WHEN 'object' THEN
      RETURN coalesce((SELECT jsonb_object_agg(key,
          CASE WHEN key ~* '(token|password|passwd|secret|api[-_]\\?key|credential)'
                 AND value <> 'null'::jsonb AND value <> '""'::jsonb THEN '"[redacted]"'::jsonb
               ELSE retrovue_redact(value) END)
        FROM jsonb_each(v)), '{}'::jsonb);
    WHEN 'array' THEN
      RETURN coalesce((SELECT jsonb_agg(retrovue_redact(value) ORDER BY i)
        FROM jsonb_array_elements(v) WITH ORDINALITY AS e(value, i)), '[]'::jsonb);
    WHEN 'string' THEN
      RETURN to_jsonb(regexp_replace(v #>> '{}', '\\y([a-zA-Z][a-zA-Z0-9+.-]*://)[^\\s/\\?#@]+@', '\\1***@', 'g'));
    ELSE
      RETURN v;
  END CASE;
END $$`;

function triggerSql(t: LoggedTable): string[] {
  const shown = (value: string) => (t.redact ? `retrovue_redact(${value})` : value);
  const rowOf = (alias: 'n' | 'o') => t.rowId.replaceAll('r.', `${alias}.`);
  // The actor is read once per statement, not per row.
  const fn = (op: string, body: string) => `CREATE FUNCTION retrovue_log_${t.name}_${op}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  who text := ${ACTOR};
BEGIN
  ${body};
  RETURN NULL;
END $$`;
  return [
    fn(
      'insert',
      `INSERT INTO change_log (table_name, row_id, op, actor)
  SELECT '${t.name}', ${rowOf('n')}, 'insert', who FROM n`,
    ),
    // Only rows that really changed, and only their changed columns (updated_at alone is no change).
    fn(
      'update',
      `INSERT INTO change_log (table_name, row_id, op, changes, actor)
  SELECT '${t.name}', ${rowOf('n')}, 'update', d.changes, who
  FROM o JOIN n ON ${t.key}
  CROSS JOIN LATERAL (
    SELECT jsonb_object_agg(nv.key, jsonb_build_array(${shown('ov.value')}, ${shown('nv.value')})) AS changes
    FROM jsonb_each(to_jsonb(n)) nv JOIN jsonb_each(to_jsonb(o)) ov ON ov.key = nv.key
    WHERE nv.value IS DISTINCT FROM ov.value AND nv.key <> 'updated_at'
  ) d
  WHERE o IS DISTINCT FROM n AND d.changes IS NOT NULL`,
    ),
    fn(
      'delete',
      `INSERT INTO change_log (table_name, row_id, op, changes, actor)
  SELECT '${t.name}', ${rowOf('o')}, 'delete', ${shown('to_jsonb(o)')}, who FROM o`,
    ),
    `CREATE TRIGGER tr_${t.name}_log_insert AFTER INSERT ON ${t.name}
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION retrovue_log_${t.name}_insert()`,
    `CREATE TRIGGER tr_${t.name}_log_update AFTER UPDATE ON ${t.name}
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION retrovue_log_${t.name}_update()`,
    `CREATE TRIGGER tr_${t.name}_log_delete AFTER DELETE ON ${t.name}
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION retrovue_log_${t.name}_delete()`,
  ];
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE change_log (
    position bigint GENERATED ALWAYS AS IDENTITY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at timestamptz NOT NULL DEFAULT now(),
    table_name text NOT NULL,
    row_id text NOT NULL,
    op text NOT NULL,
    changes jsonb,
    actor text NOT NULL,
    CONSTRAINT pk_change_log PRIMARY KEY (position),
    CONSTRAINT ck_change_log_op CHECK (op IN ('insert', 'update', 'delete')),
    CONSTRAINT ck_change_log_changes CHECK ((op = 'insert') = (changes IS NULL))
  )`);
  await knex.raw(`CREATE INDEX ix_change_log_at ON change_log USING brin (at)`);
  await knex.raw(`CREATE INDEX ix_change_log_xid ON change_log (xid)`);
  await knex.raw(`CREATE INDEX ix_change_log_row ON change_log (row_id, position)`);
  await knex.raw(REDACT_FUNCTION);
  for (const table of LOGGED_TABLES) for (const statement of triggerSql(table)) await knex.raw(statement);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of LOGGED_TABLES) {
    for (const op of ['insert', 'update', 'delete']) {
      await knex.raw(`DROP TRIGGER IF EXISTS tr_${t.name}_log_${op} ON ${t.name}`);
      await knex.raw(`DROP FUNCTION IF EXISTS retrovue_log_${t.name}_${op}()`);
    }
  }
  await knex.raw('DROP FUNCTION IF EXISTS retrovue_redact(jsonb)');
  await knex.raw('DROP TABLE IF EXISTS change_log');
}
