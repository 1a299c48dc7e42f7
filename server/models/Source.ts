import { Model, type Modifiers, type RelationMappings } from 'objection';
import { BaseModel, type JsonObject } from './BaseModel.js';
import { SourceCollection } from './SourceCollection.js';

export type SourceKind = 'plex' | 'filesystem' | 'jellyfin' | 'emby';

export class Source extends BaseModel {
  static override tableName = 'sources';
  static override jsonAttributes = ['config'];
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['sources.name', 'sources.id']),
  };

  id!: string;
  externalId!: string;
  name!: string;
  kind!: SourceKind;
  /** May hold secrets (tokens, passwords): never return it unredacted. */
  config!: JsonObject | null;
  createdAt!: Date;
  updatedAt!: Date;

  declare collections?: SourceCollection[];

  static override get relationMappings(): RelationMappings {
    return {
      collections: {
        relation: Model.HasManyRelation,
        modelClass: SourceCollection,
        join: { from: 'sources.id', to: 'source_collections.source_id' },
      },
    };
  }
}
