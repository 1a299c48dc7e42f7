import type { Model, QueryBuilder, RelationExpression } from 'objection';

type ExpressionNode = { $modify?: string[] } & { [relation: string]: ExpressionNode | string[] | undefined };

/**
 * Turns validated include paths (['seasons.episodes.assets', 'providerRefs']) into an Objection
 * relation expression. Every level applies the related model's `ordered` modifier, so included
 * children come in a stable order.
 */
export function relationExpression(paths: readonly string[], withOrdering = true): RelationExpression<Model> {
  const root: ExpressionNode = {};
  for (const path of paths) {
    let node = root;
    for (const relation of path.split('.')) {
      const child = (node[relation] as ExpressionNode | undefined) ?? (withOrdering ? { $modify: ['ordered'] } : {});
      node[relation] = child;
      node = child;
      // A version made of parts is read whole: wherever an episode's files (or a file) are
      // included, its parts 2..n come along, in play order (the relation orders them).
      if (VERSION_RELATIONS.has(relation)) node.parts ??= {};
    }
  }
  return root as RelationExpression<Model>;
}

/** Relations that reach assets as versions (an episode's files). */
const VERSION_RELATIONS = new Set(['assets']);

/** Fetches the requested relations, refusing anything outside the allow-list. */
export function withIncludes<M extends Model, R>(
  query: QueryBuilder<M, R>,
  include: readonly string[],
  allowed: readonly string[],
): QueryBuilder<M, R> {
  if (include.length === 0) return query;
  return query.withGraphFetched(relationExpression(include)).allowGraph(relationExpression(allowed, false));
}
