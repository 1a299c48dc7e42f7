/**
 * The router as data: every procedure with its type and its input and output zod schemas, and
 * their JSON Schemas. The API surface snapshot, the OpenAPI document, the REST routes and the
 * SDK's generated types all read the router through here, so a new router is picked up by all
 * of them without being listed anywhere else.
 */
import { createHash } from 'node:crypto';
import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import { z } from 'zod';
import { appRouter } from './router.js';

export type ProcedureKind = 'query' | 'mutation' | 'subscription';

export interface ProcedureContract {
  /** e.g. `titles.list` */
  path: string;
  type: ProcedureKind;
  /** The input schema; undefined when the procedure takes no input. */
  input: z.ZodType | undefined;
  /** The declared output schema; undefined when the procedure declares none. */
  output: z.ZodType | undefined;
}

interface ProcedureDef {
  type: ProcedureKind;
  inputs: unknown[];
  output?: unknown;
}

const isZod = (schema: unknown): schema is z.ZodType => typeof schema === 'object' && schema !== null && '_zod' in schema;

/** Every procedure of the router, sorted by path. */
export function procedureList(router: AnyTRPCRouter = appRouter): ProcedureContract[] {
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const def = procedure._def as unknown as ProcedureDef;
      const inputs = def.inputs.filter(isZod).filter((s) => s._zod.def.type !== 'void');
      // Several .input() calls merge their objects; one is the norm here.
      const input = inputs.length === 0 ? undefined : inputs.length === 1 ? inputs[0] : z.intersection(inputs[0]!, inputs[1]!);
      return { path, type: def.type, input, output: isZod(def.output) ? def.output : undefined };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

export type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as JSON Schema (2020-12), as a plain-JSON caller sees it: dates are ISO-8601
 * strings (`format: date-time`); what JSON Schema cannot say (a transform's output, a custom
 * check) is left open (`{}`) rather than refused.
 */
export function jsonSchemaOf(schema: z.ZodType | undefined, io: 'input' | 'output'): JsonSchema | undefined {
  if (!schema) return undefined;
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === 'date') {
        jsonSchema.type = 'string';
        jsonSchema.format = 'date-time';
      }
    },
  }) as JsonSchema;
  delete json.$schema;
  return stableDefNames(json);
}

/** Rewrites every `$ref` to a local definition through `rename`. */
function renameRefs(node: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => renameRefs(n, rename));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) =>
      k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
        ? [k, `#/$defs/${rename(v.slice('#/$defs/'.length))}`]
        : [k, renameRefs(v, rename)],
    ),
  );
}

/**
 * zod numbers its definitions (`__schema0`) in the order it meets them in a process, so the same
 * schema could be written with other names in another run. Each definition is named after its
 * content instead (a recursive one after its content with itself as `self`).
 */
function stableDefNames(json: JsonSchema): JsonSchema {
  const defs = json.$defs as Record<string, JsonSchema> | undefined;
  if (!defs) return json;
  const names = new Map<string, string>();
  for (let pass = 0; pass <= Object.keys(defs).length && names.size < Object.keys(defs).length; pass++) {
    for (const [local, def] of Object.entries(defs)) {
      if (names.has(local)) continue;
      let unresolved = false;
      const content = JSON.stringify(
        renameRefs(def, (ref) => {
          if (ref === local) return 'self';
          if (!names.has(ref)) unresolved = true;
          return names.get(ref) ?? ref;
        }),
      );
      if (!unresolved) names.set(local, `Def${createHash('sha256').update(content).digest('hex').slice(0, 10)}`);
    }
  }
  const rename = (ref: string) => names.get(ref) ?? ref;
  const { $defs: _defs, ...rest } = json;
  return {
    ...(renameRefs(rest, rename) as JsonSchema),
    $defs: Object.fromEntries(Object.entries(defs).map(([local, def]) => [rename(local), renameRefs(def, rename)])),
  };
}
