/**
 * What names an episode or movie in the scheduler's answers (`catalog.query` rows, `catalog.next`,
 * `catalog.search` hits): one mapping from the SQL row's columns to the API's fields.
 */

/** The columns every programme query selects under these names. */
export interface ProgrammeColumns {
  title_id: string;
  kind: 'movie' | 'show';
  title_name: string;
  season_number: number | null;
  episode_number: number | null;
  episode_name: string | null;
}

export interface ProgrammeNames {
  titleId: string;
  kind: 'movie' | 'show';
  titleName: string;
  seasonNumber: number | null;
  episodeNumber: number | null;
  episodeName: string | null;
}

export const programmeNames = (r: ProgrammeColumns): ProgrammeNames => ({
  titleId: r.title_id,
  kind: r.kind,
  titleName: r.title_name,
  seasonNumber: r.season_number,
  episodeNumber: r.episode_number,
  episodeName: r.episode_name,
});
