import { Model, type Modifiers, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel.js';
import { SourceCollection } from './SourceCollection.js';

/** Maps a path as the source (Plex) sees it to the path on this machine. */
export class PathMapping extends BaseModel {
  static override tableName = 'path_mappings';
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['path_mappings.plex_path', 'path_mappings.id']),
  };

  id!: string;
  collectionId!: string;
  plexPath!: string;
  localPath!: string;
  createdAt!: Date;

  declare collection?: SourceCollection;

  static override get relationMappings(): RelationMappings {
    return {
      collection: {
        relation: Model.BelongsToOneRelation,
        modelClass: SourceCollection,
        join: { from: 'path_mappings.collection_id', to: 'source_collections.id' },
      },
    };
  }
}
