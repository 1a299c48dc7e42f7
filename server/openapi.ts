/**
 * The OpenAPI 3.1 document of the REST routes (server/rest.ts), built from the procedures' zod
 * schemas: query procedures take their input as query parameters, mutations as a JSON body, and
 * every operation answers its output schema or the error contract.
 */
import type { AnyTRPCRouter } from '@trpc/server';
import { jsonSchemaOf, type JsonSchema } from './contract.js';
import { objectShape, restRoutes, type RestRoute } from './rest.js';

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid input (BAD_REQUEST, with fieldErrors) or a check the data failed',
  '401': 'Missing or wrong API token (UNAUTHORIZED)',
  '404': 'No such row, or a referenced row is missing (NOT_FOUND)',
  '409': 'Unique violation or illegal state change (CONFLICT)',
  '413': 'Request body too large (PAYLOAD_TOO_LARGE)',
  '503': 'The database is unavailable (SERVICE_UNAVAILABLE)',
};

const ErrorSchema: JsonSchema = {
  type: 'object',
  properties: {
    code: { type: 'string', examples: ['BAD_REQUEST', 'NOT_FOUND'] },
    message: { type: 'string' },
    fieldErrors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' } },
        required: ['path', 'message'],
      },
    },
  },
  required: ['code', 'message', 'fieldErrors'],
};

/**
 * Moves each schema's local `$defs` (zod writes recursive types such as JSON values there) into
 * `components.schemas`, since in an OpenAPI document `#/$defs/...` would resolve against its root.
 * Identical definitions share one component.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = { Error: ErrorSchema };
  private readonly byContent = new Map<string, string>();

  hoist(schema: JsonSchema | undefined): JsonSchema | undefined {
    if (!schema) return undefined;
    const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>;
    const names = new Map<string, string>();
    for (const [local, def] of Object.entries(defs)) {
      const content = JSON.stringify(def);
      let name = this.byContent.get(content);
      if (!name) {
        name = isJsonValue(def, local) ? 'JsonValue' : `Schema${this.byContent.size + 1}`;
        if (this.schemas[name]) name = `${name}_${this.byContent.size + 1}`;
        this.byContent.set(content, name);
      }
      names.set(local, name);
    }
    const { $defs: _unused, ...rest } = schema;
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (!node || typeof node !== 'object') return node;
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => {
          if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
            return [k, `#/components/schemas/${names.get(v.slice('#/$defs/'.length))}`];
          }
          return [k, rewrite(v)];
        }),
      );
    };
    for (const [local, def] of Object.entries(defs)) {
      const name = names.get(local)!;
      this.schemas[name] ??= name === 'JsonValue' ? JSON_VALUE : (rewrite(def) as JsonSchema);
    }
    return rewrite(rest) as JsonSchema;
  }
}

/**
 * Any JSON value, said without recursion: code generators (openapi-typescript among them) cannot
 * type a component that contains itself.
 */
const JSON_VALUE: JsonSchema = {
  description: 'any JSON value',
  anyOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: {} },
    { type: 'object', additionalProperties: {} },
  ],
};

/** zod's JSON value: any of string, number, boolean, null, array and object of itself. */
const isJsonValue = (def: JsonSchema, local: string): boolean => {
  const anyOf = def.anyOf as JsonSchema[] | undefined;
  const self = `#/$defs/${local}`;
  return (
    anyOf?.length === 6 &&
    JSON.stringify(anyOf) ===
      JSON.stringify([
        { type: 'string' },
        { type: 'number' },
        { type: 'boolean' },
        { type: 'null' },
        { type: 'array', items: { $ref: self } },
        { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { $ref: self } },
      ])
  );
};

function operation(route: RestRoute, components: Components): JsonSchema {
  const { procedure } = route;
  const [tag] = procedure.path.split('.');
  const input = components.hoist(jsonSchemaOf(procedure.input, 'input'));
  const output = components.hoist(jsonSchemaOf(procedure.output, 'output')) ?? {};
  const properties = { ...((input?.properties ?? {}) as Record<string, JsonSchema>) };
  const required = ((input?.required ?? []) as string[]).filter((name) => !(route.idInPath && name === 'id'));
  const parameters: JsonSchema[] = [];
  if (route.idInPath) {
    parameters.push({ name: 'id', in: 'path', required: true, schema: properties.id ?? { type: 'string' } });
    delete properties.id;
  }
  const op: JsonSchema = {
    operationId: procedure.path.replace(/\./g, '_'),
    summary: `${procedure.path} (${procedure.type})`,
    tags: [tag],
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: output } } },
      ...Object.fromEntries(
        Object.entries(ERROR_STATUSES).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
  if (route.method === 'get') {
    for (const [name, schema] of Object.entries(properties)) {
      // Objects as `name[key]=value` (as server/rest.ts reads them: the same objectShape), everything else as `name=value`.
      const style = objectShape(objectShape(procedure.input)?.[name]) ? 'deepObject' : 'form';
      parameters.push({ name, in: 'query', required: required.includes(name), schema, style, explode: true });
    }
  } else if (input) {
    const body: JsonSchema = { ...input, properties };
    if (required.length) body.required = required;
    else delete body.required;
    op.requestBody = { required: required.length > 0, content: { 'application/json': { schema: body } } };
  }
  if (parameters.length) op.parameters = parameters;
  if (procedure.path === 'health.check') op.security = [];
  return op;
}

export function openApiDocument(router?: AnyTRPCRouter, version = '1.0.0'): JsonSchema {
  const components = new Components();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of restRoutes(router)) {
    (paths[route.path] ??= {})[route.method] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Retrovue library service',
      version,
      description:
        'Plain-JSON REST over the tRPC procedures (same validation, auth, limits and errors). Dates are ISO-8601 strings. ' +
        'Errors answer `{ code, message, fieldErrors }` with the HTTP status of the code.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'RETROVUE_API_TOKEN, when set' } },
    },
  };
}
