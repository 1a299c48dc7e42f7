import type { Knex } from 'knex';

/**
 * "Seasons exist only for shows" (20261124000000) checked each new season with
 * `WHERE id = NEW.title_id AND kind = 'show'`: plpgsql's cached generic plan could walk the titles
 * of that kind instead of the primary key (every show, for every season written; with sequential
 * scans off inside ingest transactions, it did: about 35 µs a row at 300 shows, growing with the
 * library). The title's kind is now read by its key and compared in the function. Same rule, same
 * error; reversible.
 */
const BY_KEY = `CREATE OR REPLACE FUNCTION retrovue_season_title_is_show() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  title_kind text;
BEGIN
  SELECT kind INTO title_kind FROM titles WHERE id = NEW.title_id;
  IF title_kind IS NULL THEN
    RETURN NEW; -- the foreign key reports the missing title
  END IF;
  IF title_kind <> 'show' THEN
    RAISE EXCEPTION 'seasons belong only to shows'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_seasons_title_is_show', TABLE = 'seasons';
  END IF;
  RETURN NEW;
END $$`;

const BY_KIND = `CREATE OR REPLACE FUNCTION retrovue_season_title_is_show() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM titles WHERE id = NEW.title_id AND kind = 'show') THEN
    IF NOT EXISTS (SELECT 1 FROM titles WHERE id = NEW.title_id) THEN
      RETURN NEW; -- the foreign key reports the missing title
    END IF;
    RAISE EXCEPTION 'seasons belong only to shows'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_seasons_title_is_show', TABLE = 'seasons';
  END IF;
  RETURN NEW;
END $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(BY_KEY);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(BY_KIND);
}
