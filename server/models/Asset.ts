import { Model, type Modifiers, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel.js';
import { Episode } from './Episode.js';
import { Marker } from './Marker.js';
import { ProviderRef } from './ProviderRef.js';
import { ReviewItem } from './ReviewItem.js';

export class Asset extends BaseModel {
  static override tableName = 'assets';
  static override modifiers: Modifiers = {
    // The canonical version first, then by uri.
    ordered: (query) => query.orderBy([{ column: 'assets.canonical', order: 'desc' }, 'assets.uri']),
  };

  id!: string;
  uri!: string;
  size!: number;
  durationMs!: number | null;
  videoCodec!: string | null;
  audioCodec!: string | null;
  container!: string | null;
  hashSha256!: string | null;
  discoveredAt!: Date;
  canonical!: boolean;
  /** When the file disappeared from its source (null while present). */
  missingSince!: Date | null;

  declare episodes?: Episode[];
  declare markers?: Marker[];
  declare reviews?: ReviewItem[];
  declare providerRefs?: ProviderRef[];

  static override get relationMappings(): RelationMappings {
    return {
      episodes: {
        relation: Model.ManyToManyRelation,
        modelClass: Episode,
        join: {
          from: 'assets.id',
          through: { from: 'episode_assets.asset_id', to: 'episode_assets.episode_id' },
          to: 'episodes.id',
        },
      },
      markers: {
        relation: Model.HasManyRelation,
        modelClass: Marker,
        join: { from: 'assets.id', to: 'markers.asset_id' },
      },
      reviews: {
        relation: Model.HasManyRelation,
        modelClass: ReviewItem,
        join: { from: 'assets.id', to: 'review_queue.asset_id' },
      },
      providerRefs: {
        relation: Model.HasManyRelation,
        modelClass: ProviderRef,
        join: { from: 'assets.id', to: 'provider_refs.asset_id' },
      },
    };
  }
}
