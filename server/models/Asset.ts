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
  /** A version's name ("Director's Cut"), when the source gives one. */
  edition!: string | null;
  /** On a part (2..n) fetched through `parts`: its place in the version's play order. */
  declare partIndex?: number;

  declare episodes?: Episode[];
  declare markers?: Marker[];
  declare reviews?: ReviewItem[];
  declare providerRefs?: ProviderRef[];
  /** Parts 2..n of a version made of parts, in play order (the version itself is part 1). */
  declare parts?: Array<Asset & { partIndex: number }>;

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
      parts: {
        relation: Model.ManyToManyRelation,
        modelClass: Asset,
        join: {
          from: 'assets.id',
          through: { from: 'asset_parts.version_id', to: 'asset_parts.asset_id', extra: { partIndex: 'part_index' } },
          to: 'assets.id',
        },
        // Play order, whatever modifier the caller's include applies.
        modify: (query) => query.orderBy('asset_parts.part_index'),
      },
    };
  }
}
