import { Model, type Modifiers, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel.js';
import { Episode } from './Episode.js';
import { Title } from './Title.js';

export class Season extends BaseModel {
  static override tableName = 'seasons';
  static override modifiers: Modifiers = {
    ordered: (query) => query.orderBy(['seasons.number', 'seasons.id']),
  };

  id!: string;
  titleId!: string;
  number!: number;
  createdAt!: Date;

  declare title?: Title;
  declare episodes?: Episode[];

  static override get relationMappings(): RelationMappings {
    return {
      title: {
        relation: Model.BelongsToOneRelation,
        modelClass: Title,
        join: { from: 'seasons.title_id', to: 'titles.id' },
      },
      episodes: {
        relation: Model.HasManyRelation,
        modelClass: Episode,
        join: { from: 'seasons.id', to: 'episodes.season_id' },
      },
    };
  }
}
