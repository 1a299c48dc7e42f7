import { Model, type Modifiers, type RelationMappings } from 'objection';
import { BaseModel, type JsonObject } from './BaseModel.js';
import { PathMapping } from './PathMapping.js';
import { Source } from './Source.js';

export class SourceCollection extends BaseModel {
  static override tableName = 'source_collections';
  static override jsonAttributes = ['config'];
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['source_collections.name', 'source_collections.id']),
  };

  id!: string;
  sourceId!: string;
  externalId!: string;
  name!: string;
  enabled!: boolean;
  config!: JsonObject | null;
  createdAt!: Date;
  updatedAt!: Date;

  declare source?: Source;
  declare pathMappings?: PathMapping[];

  static override get relationMappings(): RelationMappings {
    return {
      source: {
        relation: Model.BelongsToOneRelation,
        modelClass: Source,
        join: { from: 'source_collections.source_id', to: 'sources.id' },
      },
      pathMappings: {
        relation: Model.HasManyRelation,
        modelClass: PathMapping,
        join: { from: 'source_collections.id', to: 'path_mappings.collection_id' },
      },
    };
  }
}
