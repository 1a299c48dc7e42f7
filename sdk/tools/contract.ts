/**
 * Writes the SDK's router type as plain TypeScript, with no reference to the server's code.
 *
 * The server's `typeof appRouter` carries its context (a Knex instance, a pino logger) and zod's
 * types, so a declaration bundler following it would drag the server's packages into the SDK's
 * `.d.ts`. Instead the type checker resolves every procedure's input and output to their plain
 * structural types (what `inferRouterInputs`/`inferRouterOutputs` give a caller), and this writes
 * them into one module that rebuilds the router type from `@trpc/server`'s public types alone.
 * The declaration bundler then only has this module and `sdk/index.ts` to bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { procedureList } from '../../server/contract.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** The JSON type zod's `z.json()` infers, restated under the SDK's own name. */
const JSON_VALUE = 'export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };';

/** Recursive type aliases the printer names instead of expanding, as the generated module declares them. */
const KNOWN_ALIASES: Record<string, string> = { JSONType: 'JsonValue', Json: 'JsonValue' };

const PRIMITIVE =
  ts.TypeFlags.Any |
  ts.TypeFlags.Unknown |
  ts.TypeFlags.String |
  ts.TypeFlags.Number |
  ts.TypeFlags.Boolean |
  ts.TypeFlags.BigInt |
  ts.TypeFlags.Void |
  ts.TypeFlags.Undefined |
  ts.TypeFlags.Null |
  ts.TypeFlags.Never |
  ts.TypeFlags.ESSymbol |
  ts.TypeFlags.NonPrimitive |
  ts.TypeFlags.Literal |
  ts.TypeFlags.TemplateLiteral;
const IDENT = /^[A-Za-z_$][\w$]*$/;
const key = (name: string) => (IDENT.test(name) ? name : JSON.stringify(name));

/**
 * Prints a type structurally: object types (named or not) become object literals, so nothing in the
 * result names a server type. Built-in library types (Date, AsyncIterable...) keep their names.
 */
function typePrinter(checker: ts.TypeChecker, program: ts.Program): (type: ts.Type, at: ts.Node) => string {
  const isLibrary = (symbol: ts.Symbol | undefined) =>
    symbol?.declarations?.some((d) => program.isSourceFileDefaultLibrary(d.getSourceFile())) ?? false;
  const print = (type: ts.Type, at: ts.Node, seen: Set<ts.Type>): string => {
    const alias = type.aliasSymbol?.name;
    if (alias && KNOWN_ALIASES[alias]) return KNOWN_ALIASES[alias];
    if (type.flags & PRIMITIVE) {
      return checker.typeToString(type, at, ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType);
    }
    if (type.isUnion()) {
      const parts = [...new Set(type.types.map((t) => print(t, at, seen)))];
      // Boolean arrives as true | false.
      const text =
        parts.includes('true') && parts.includes('false')
          ? ['boolean', ...parts.filter((p) => p !== 'true' && p !== 'false')]
          : parts;
      return text.map((p) => (p.includes('=>') ? `(${p})` : p)).join(' | ');
    }
    if (type.isIntersection()) return type.types.map((t) => `(${print(t, at, seen)})`).join(' & ');
    if (checker.isArrayType(type)) return `Array<${print(checker.getTypeArguments(type as ts.TypeReference)[0]!, at, seen)}>`;
    if (checker.isTupleType(type))
      return `[${checker
        .getTypeArguments(type as ts.TypeReference)
        .map((t) => print(t, at, seen))
        .join(', ')}]`;
    const symbol = type.getSymbol();
    if (symbol && symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class) && isLibrary(symbol)) {
      const args = type.flags & ts.TypeFlags.Object ? checker.getTypeArguments(type as ts.TypeReference) : [];
      return args.length ? `${symbol!.name}<${args.map((t) => print(t, at, seen)).join(', ')}>` : symbol!.name;
    }
    if (!(type.flags & ts.TypeFlags.Object)) throw new Error(`cannot print ${checker.typeToString(type)}`);
    if (type.getCallSignatures().length) throw new Error(`a function in the API surface: ${checker.typeToString(type)}`);
    if (seen.has(type)) throw new Error(`a recursive type in the API surface: ${checker.typeToString(type)}`);
    const inner = new Set(seen).add(type);
    const members = checker.getPropertiesOfType(type).map((prop) => {
      const optional = prop.flags & ts.SymbolFlags.Optional ? '?' : '';
      return `${key(prop.name)}${optional}: ${print(checker.getTypeOfSymbolAtLocation(prop, at), at, inner)};`;
    });
    for (const info of checker.getIndexInfosOfType(type)) {
      members.push(`[key: ${print(info.keyType, at, inner)}]: ${print(info.type, at, inner)};`);
    }
    return `{ ${members.join(' ')} }`;
  };
  return (type, at) => print(type, at, new Set());
}

export function generateContract(outFile: string): void {
  const procedures = procedureList();
  const probeDir = path.dirname(outFile);
  fs.mkdirSync(probeDir, { recursive: true });
  const probe = path.join(probeDir, 'probe.ts');
  const routerImport = path
    .relative(probeDir, path.join(root, 'server', 'router.js'))
    .split(path.sep)
    .join('/');
  const access = (p: string) =>
    'R' +
    p
      .split('.')
      .map((s) => `[${JSON.stringify(s)}]`)
      .join('');
  fs.writeFileSync(
    probe,
    [
      `import type { appRouter } from '${routerImport.startsWith('.') ? routerImport : `./${routerImport}`}';`,
      'type R = typeof appRouter;',
      "export type ErrorShape = R['_def']['_config']['$types']['errorShape'];",
      ...procedures.flatMap((p, i) => [
        `export type I${i} = ${access(p.path)}['_def']['$types']['input'];`,
        `export type O${i} = ${access(p.path)}['_def']['$types']['output'];`,
      ]),
    ].join('\n'),
  );

  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('cannot read tsconfig.json');
  const program = ts.createProgram([probe], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(probe)!;
  const aliases = new Map<string, ts.TypeAliasDeclaration>();
  source.forEachChild((node) => {
    if (ts.isTypeAliasDeclaration(node)) aliases.set(node.name.text, node);
  });
  const printer = typePrinter(checker, program);
  const print = (name: string, label = name): string => {
    const node = aliases.get(name)!;
    try {
      return printer(checker.getTypeAtLocation(node), node);
    } catch (err) {
      // One type the printer cannot state plainly (a recursive object, a unique symbol) must not
      // stop the build: that one stays `unknown` for SDK callers, and the build says so.
      console.warn(`sdk contract: ${label} is typed unknown (${(err as Error).message.slice(0, 200)})`);
      return 'unknown';
    }
  };

  // Nest the procedures back into namespaces: { titles: { list: TRPCQueryProcedure<...> } }.
  interface Tree {
    [name: string]: Tree | string;
  }
  const tree: Tree = {};
  procedures.forEach((p, i) => {
    const parts = p.path.split('.');
    let node = tree;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Tree;
    const kind = { query: 'TRPCQueryProcedure', mutation: 'TRPCMutationProcedure', subscription: 'TRPCSubscriptionProcedure' }[
      p.type
    ];
    node[parts.at(-1)!] =
      `${kind}<{ input: ${print(`I${i}`, `${p.path} input`)}; output: ${print(`O${i}`, `${p.path} output`)}; meta: object }>`;
  });
  const render = (node: Tree): string =>
    `{ ${Object.entries(node)
      .map(([name, value]) => `${key(name)}: ${typeof value === 'string' ? value : render(value)};`)
      .join(' ')} }`;

  const out = [
    '// Generated by sdk/tools/contract.ts from the server router: do not edit.',
    "import type { TRPCBuiltRouter, TRPCMutationProcedure, TRPCQueryProcedure, TRPCSubscriptionProcedure } from '@trpc/server';",
    JSON_VALUE,
    `export type ErrorShape = ${print('ErrorShape')};`,
    `export type AppRouter = TRPCBuiltRouter<{ ctx: object; meta: object; errorShape: ErrorShape; transformer: true }, ${render(tree)}>;`,
    '',
  ].join('\n');
  fs.writeFileSync(outFile, out);
  fs.rmSync(probe);
}
