import { Model, type Modifiers, type RelationMappings } from 'objection';
import { Asset } from './Asset.js';
import { BaseModel, type JsonObject } from './BaseModel.js';

export class Marker extends BaseModel {
  static override tableName = 'markers';
  static override jsonAttributes = ['payload'];
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['markers.start_ms', 'markers.id']),
  };

  id!: string;
  assetId!: string;
  kind!: string;
  startMs!: number;
  endMs!: number;
  payload!: JsonObject | null;

  declare asset?: Asset;

  static override get relationMappings(): RelationMappings {
    return {
      asset: {
        relation: Model.BelongsToOneRelation,
        modelClass: Asset,
        join: { from: 'markers.asset_id', to: 'assets.id' },
      },
    };
  }
}
