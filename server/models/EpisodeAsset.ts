import { Model, type RelationMappings } from 'objection';
import { Asset } from './Asset.js';
import { BaseModel } from './BaseModel.js';
import { Episode } from './Episode.js';

/** The episode <-> asset link (junction table `episode_assets`). */
export class EpisodeAsset extends BaseModel {
  static override tableName = 'episode_assets';
  static override get idColumn(): string[] {
    return ['episode_id', 'asset_id'];
  }

  episodeId!: string;
  assetId!: string;

  declare episode?: Episode;
  declare asset?: Asset;

  static override get relationMappings(): RelationMappings {
    return {
      episode: {
        relation: Model.BelongsToOneRelation,
        modelClass: Episode,
        join: { from: 'episode_assets.episode_id', to: 'episodes.id' },
      },
      asset: {
        relation: Model.BelongsToOneRelation,
        modelClass: Asset,
        join: { from: 'episode_assets.asset_id', to: 'assets.id' },
      },
    };
  }
}
