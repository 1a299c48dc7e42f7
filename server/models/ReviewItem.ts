import { Model, type Modifiers, type RelationMappings } from 'objection';
import { Asset } from './Asset.js';
import { BaseModel } from './BaseModel.js';

export type ReviewStatus = 'pending' | 'resolved' | 'rejected';

/** One entry of the review queue (table `review_queue`). */
export class ReviewItem extends BaseModel {
  static override tableName = 'review_queue';
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['review_queue.created_at', 'review_queue.id']),
  };

  id!: string;
  assetId!: string;
  reason!: string;
  confidence!: number;
  status!: ReviewStatus;
  createdAt!: Date;
  resolvedAt!: Date | null;

  declare asset?: Asset;

  static override get relationMappings(): RelationMappings {
    return {
      asset: {
        relation: Model.BelongsToOneRelation,
        modelClass: Asset,
        join: { from: 'review_queue.asset_id', to: 'assets.id' },
      },
    };
  }
}
