import { Model, type Modifiers, type RelationMappings } from 'objection';
import { Asset } from './Asset.js';
import { BaseModel, type Json } from './BaseModel.js';
import { Episode } from './Episode.js';
import { Title } from './Title.js';

export type ProviderEntityType = 'title' | 'episode' | 'asset';

/**
 * A reference from an external provider (plex, tmdb, tvdb, ...) to a title, episode or asset.
 * Polymorphic with integrity: the foreign key matching `entityType` is set and equals `entityId`.
 */
export class ProviderRef extends BaseModel {
  static override tableName = 'provider_refs';
  static override jsonAttributes = ['raw'];
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['provider_refs.provider', 'provider_refs.provider_key', 'provider_refs.id']),
  };

  id!: string;
  entityType!: ProviderEntityType;
  entityId!: string;
  provider!: string;
  providerKey!: string;
  raw!: Json | null;
  titleId!: string | null;
  episodeId!: string | null;
  assetId!: string | null;

  declare title?: Title | null;
  declare episode?: Episode | null;
  declare asset?: Asset | null;

  static override get relationMappings(): RelationMappings {
    return {
      title: {
        relation: Model.BelongsToOneRelation,
        modelClass: Title,
        join: { from: 'provider_refs.title_id', to: 'titles.id' },
      },
      episode: {
        relation: Model.BelongsToOneRelation,
        modelClass: Episode,
        join: { from: 'provider_refs.episode_id', to: 'episodes.id' },
      },
      asset: {
        relation: Model.BelongsToOneRelation,
        modelClass: Asset,
        join: { from: 'provider_refs.asset_id', to: 'assets.id' },
      },
    };
  }
}
