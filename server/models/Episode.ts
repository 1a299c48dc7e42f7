import { Model, type Modifiers, type RelationMappings } from 'objection';
import { Asset } from './Asset.js';
import { BaseModel, type JsonObject } from './BaseModel.js';
import { ProviderRef } from './ProviderRef.js';
import { Season } from './Season.js';
import { Title } from './Title.js';

export class Episode extends BaseModel {
  static override tableName = 'episodes';
  static override jsonAttributes = ['externalIds'];
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['episodes.number', 'episodes.id']),
  };

  id!: string;
  titleId!: string;
  seasonId!: string | null;
  number!: number | null;
  name!: string | null;
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

  declare title?: Title;
  declare season?: Season | null;
  declare assets?: Asset[];
  declare providerRefs?: ProviderRef[];

  static override get relationMappings(): RelationMappings {
    return {
      title: {
        relation: Model.BelongsToOneRelation,
        modelClass: Title,
        join: { from: 'episodes.title_id', to: 'titles.id' },
      },
      season: {
        relation: Model.BelongsToOneRelation,
        modelClass: Season,
        join: { from: 'episodes.season_id', to: 'seasons.id' },
      },
      assets: {
        relation: Model.ManyToManyRelation,
        modelClass: Asset,
        join: {
          from: 'episodes.id',
          through: { from: 'episode_assets.episode_id', to: 'episode_assets.asset_id' },
          to: 'assets.id',
        },
      },
      providerRefs: {
        relation: Model.HasManyRelation,
        modelClass: ProviderRef,
        join: { from: 'episodes.id', to: 'provider_refs.episode_id' },
      },
    };
  }
}
