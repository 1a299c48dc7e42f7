/**
 * The API surface (every procedure with its input and output JSON Schema) and the rules that tell
 * a breaking change from an additive one. `npm run api:snapshot` writes sdk/api-surface.json;
 * test/api-surface.test.ts fails when the router and the snapshot disagree.
 *
 * Breaking: a procedure removed or changed between query and mutation; an input that refuses
 * something it accepted (a field removed, a new required field, a type, enum or range narrowed);
 * an output that may send something callers did not expect (a field removed or made optional,
 * a type, enum or range widened). Additive: new procedures, new optional input fields, new
 * output fields, wider inputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { jsonSchemaOf, procedureList, type JsonSchema } from '../../server/contract.js';

export interface ProcedureSurface {
  type: string;
  input: JsonSchema | null;
  output: JsonSchema | null;
}

export interface Surface {
  /** The SDK version the snapshot was taken at; its major moves with every breaking change. */
  sdkVersion: string;
  procedures: Record<string, ProcedureSurface>;
}

const sdkDir = path.resolve(import.meta.dirname, '..');
export const SNAPSHOT_FILE = path.join(sdkDir, 'api-surface.json');

export const sdkVersion = (): string =>
  (JSON.parse(fs.readFileSync(path.join(sdkDir, 'package.json'), 'utf8')) as { version: string }).version;
export const major = (version: string): number => Number(version.split('.')[0]);

export function currentSurface(): Surface {
  const procedures: Record<string, ProcedureSurface> = {};
  for (const p of procedureList()) {
    procedures[p.path] = {
      type: p.type,
      input: jsonSchemaOf(p.input, 'input') ?? null,
      output: jsonSchemaOf(p.output, 'output') ?? null,
    };
  }
  return { sdkVersion: sdkVersion(), procedures };
}

export const readSnapshot = (): Surface | undefined =>
  fs.existsSync(SNAPSHOT_FILE) ? (JSON.parse(fs.readFileSync(SNAPSHOT_FILE, 'utf8')) as Surface) : undefined;

// ---- comparing schemas ----

type Direction = 'input' | 'output';

const typesOf = (s: JsonSchema): string[] | undefined =>
  s.type === undefined ? undefined : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
const valuesOf = (s: JsonSchema): unknown[] | undefined =>
  Array.isArray(s.enum) ? (s.enum as unknown[]) : 'const' in s ? [s.const] : undefined;
const isAny = (s: JsonSchema): boolean =>
  Object.keys(s).filter((k) => !['description', 'title', 'default', 'examples', '$defs'].includes(k)).length === 0;

/**
 * Collects why a value valid under `a` might not be valid under `b` (empty: every `a` value is a `b`
 * value). Structural and conservative; `extraFieldsOk` lets `a` carry object fields `b` does not
 * list (an output gaining a field is additive).
 */
function notSubset(a: JsonSchema, b: JsonSchema, where: string, extraFieldsOk: boolean, out: string[]): void {
  if (isAny(b)) return;
  if (isAny(a)) return void out.push(`${where}: now accepts or sends anything`);
  const fitsIn = (x: JsonSchema, y: JsonSchema) => {
    const problems: string[] = [];
    notSubset(x, y, where, extraFieldsOk, problems);
    return problems.length === 0;
  };
  // An intersection is within `b` when one of its parts is; `a` is within an intersection when within every part.
  if (Array.isArray(a.allOf)) {
    if (!(a.allOf as JsonSchema[]).some((part) => fitsIn(part, b))) out.push(`${where}: type changed`);
    return;
  }
  if (Array.isArray(b.allOf)) {
    for (const part of b.allOf as JsonSchema[]) notSubset(a, part, where, extraFieldsOk, out);
    return;
  }
  const unionA = (a.anyOf ?? a.oneOf) as JsonSchema[] | undefined;
  const unionB = (b.anyOf ?? b.oneOf) as JsonSchema[] | undefined;
  if (unionA) {
    for (const branch of unionA) notSubset(branch, b, where, extraFieldsOk, out);
    return;
  }
  if (unionB) {
    if (!unionB.some((branch) => fitsIn(a, branch)))
      out.push(`${where}: type changed (${describe(a)} is not among ${describe(b)})`);
    return;
  }
  // Definitions are named after their content (server/contract.ts), so equal names mean equal types.
  if (typeof a.$ref === 'string' || typeof b.$ref === 'string') {
    if (a.$ref !== b.$ref) out.push(`${where}: type changed`);
    return;
  }
  const ta = typesOf(a);
  const tb = typesOf(b);
  if (tb && (!ta || ta.some((t) => !tb.includes(t) && !(t === 'integer' && tb.includes('number'))))) {
    return void out.push(`${where}: type changed (${describe(a)} -> ${describe(b)})`);
  }
  const va = valuesOf(a);
  const vb = valuesOf(b);
  if (vb && (!va || va.some((v) => !vb.some((w) => JSON.stringify(w) === JSON.stringify(v))))) {
    out.push(`${where}: values ${JSON.stringify(va ?? 'any')} not all within ${JSON.stringify(vb)}`);
  }
  const bound = (key: string, lower: boolean) => {
    const x = a[key] as number | undefined;
    const y = b[key] as number | undefined;
    if (y === undefined) return;
    if (x === undefined || (lower ? x < y : x > y)) out.push(`${where}: ${key} ${x ?? 'none'} -> ${y}`);
  };
  for (const k of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems']) bound(k, true);
  for (const k of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems']) bound(k, false);
  for (const k of ['pattern', 'format']) {
    if (b[k] !== undefined && a[k] !== b[k]) out.push(`${where}: ${k} ${String(a[k] ?? 'none')} -> ${String(b[k])}`);
  }
  if (a.items && b.items) notSubset(a.items as JsonSchema, b.items as JsonSchema, `${where}[]`, extraFieldsOk, out);
  if (a.properties || b.properties || a.additionalProperties !== undefined || b.additionalProperties !== undefined) {
    const pa = (a.properties ?? {}) as Record<string, JsonSchema>;
    const pb = (b.properties ?? {}) as Record<string, JsonSchema>;
    const ra = new Set((a.required ?? []) as string[]);
    for (const name of (b.required ?? []) as string[]) {
      if (!ra.has(name)) out.push(`${where}.${name}: ${name in pa ? 'may now be missing' : 'missing'}`);
    }
    for (const [name, schema] of Object.entries(pa)) {
      if (name in pb) notSubset(schema, pb[name]!, `${where}.${name}`, extraFieldsOk, out);
      else if (b.additionalProperties === false && !extraFieldsOk) out.push(`${where}.${name}: no longer accepted`);
      else if (typeof b.additionalProperties === 'object') {
        notSubset(schema, b.additionalProperties as JsonSchema, `${where}.${name}`, extraFieldsOk, out);
      }
    }
    if (typeof a.additionalProperties === 'object' && typeof b.additionalProperties === 'object') {
      notSubset(a.additionalProperties as JsonSchema, b.additionalProperties as JsonSchema, `${where}.*`, extraFieldsOk, out);
    }
  }
}

function describe(s: JsonSchema): string {
  return (typesOf(s) ?? (s.anyOf || s.oneOf ? ['union'] : ['any'])).join('|');
}

/** Why `after` would break a caller written against `before` (empty: nothing breaks). */
export function breakingChanges(before: Surface, after: Surface): string[] {
  const problems: string[] = [];
  for (const [name, old] of Object.entries(before.procedures)) {
    const now = after.procedures[name];
    if (!now) {
      problems.push(`${name}: removed`);
      continue;
    }
    if (now.type !== old.type) problems.push(`${name}: ${old.type} -> ${now.type}`);
    // Inputs: everything accepted before is still accepted.
    const direction: Array<[Direction, JsonSchema | null, JsonSchema | null]> = [
      ['input', old.input ?? {}, now.input ?? {}],
      ['output', now.output, old.output],
    ];
    for (const [io, a, b] of direction) {
      if (io === 'output' && old.output && !now.output) {
        problems.push(`${name} output: no longer declared`);
        continue;
      }
      if (!a || !b) continue;
      notSubset(a, b, `${name} ${io}`, io === 'output', problems);
    }
  }
  return problems;
}

/** Procedures added or changed without breaking anything. */
export function additiveChanges(before: Surface, after: Surface): string[] {
  return Object.entries(after.procedures).flatMap(([name, now]) => {
    const old = before.procedures[name];
    if (!old) return [`${name}: added`];
    return JSON.stringify(old) === JSON.stringify(now) ? [] : [`${name}: changed`];
  });
}

/** `npm run api:snapshot`: refuses a breaking change unless the SDK's major version moved. */
function main(): void {
  const before = readSnapshot();
  const after = currentSurface();
  if (before) {
    const breaking = breakingChanges(before, after);
    if (breaking.length && major(after.sdkVersion) <= major(before.sdkVersion)) {
      console.error(
        `Breaking API changes (snapshot at SDK ${before.sdkVersion}):\n  ${breaking.join('\n  ')}\n` +
          'Keep them compatible, or move the major version in sdk/package.json and say why in sdk/CHANGELOG.md.',
      );
      process.exit(1);
    }
    const additive = additiveChanges(before, after);
    console.log(additive.length ? `Additive changes:\n  ${additive.join('\n  ')}` : 'No API changes.');
    if (breaking.length)
      console.log(`Breaking changes accepted with the new major ${after.sdkVersion}:\n  ${breaking.join('\n  ')}`);
  }
  fs.writeFileSync(SNAPSHOT_FILE, `${JSON.stringify(after, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), SNAPSHOT_FILE)} (${Object.keys(after.procedures).length} procedures)`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
