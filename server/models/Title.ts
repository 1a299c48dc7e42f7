import { Model, type Modifiers, type RelationMappings } from 'objection';
import { BaseModel, type JsonObject } from './BaseModel.js';
import { Episode } from './Episode.js';
import { ProviderRef } from './ProviderRef.js';
import { Season } from './Season.js';

export type TitleKind = 'movie' | 'show';

export class Title extends BaseModel {
  static override tableName = 'titles';
  static override jsonAttributes = ['externalIds'];
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['titles.name', 'titles.id']),
  };

  id!: string;
  kind!: TitleKind;
  name!: string;
  year!: number | null;
  externalIds!: JsonObject | null;
  genres!: string[];
  contentRating!: string | null;
  summary!: string | null;
  /** `YYYY-MM-DD`. */
  originallyAvailableAt!: string | null;
  studio!: string | null;
  /** Fields a person edited through the API; the sync leaves them alone. */
  lockedFields!: string[];
  createdAt!: Date;

  declare seasons?: Season[];
  declare episodes?: Episode[];
  declare providerRefs?: ProviderRef[];

  static override get relationMappings(): RelationMappings {
    return {
      seasons: {
        relation: Model.HasManyRelation,
        modelClass: Season,
        join: { from: 'titles.id', to: 'seasons.title_id' },
      },
      episodes: {
        relation: Model.HasManyRelation,
        modelClass: Episode,
        join: { from: 'titles.id', to: 'episodes.title_id' },
      },
      providerRefs: {
        relation: Model.HasManyRelation,
        modelClass: ProviderRef,
        join: { from: 'titles.id', to: 'provider_refs.title_id' },
      },
    };
  }
}
