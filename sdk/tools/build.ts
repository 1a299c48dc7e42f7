/**
 * `npm run build:sdk`: builds the `@retrovue/sdk` package in sdk/dist.
 *
 * 1. The router type is written as plain TypeScript (tools/contract.ts) into sdk/.build/router.ts,
 *    and sdk/index.ts is staged beside it importing that instead of the server's router.
 * 2. tsdown bundles ESM (index.js), CommonJS (index.cjs) and one self-contained declaration file
 *    for each (index.d.ts, index.d.cts); @trpc/client, @trpc/server, superjson and eventsource stay external.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'tsdown';
import { generateContract } from './contract.js';

const sdk = path.resolve(import.meta.dirname, '..');

/**
 * Builds into `<out>/dist`, staging in `<out>/.build` (default: sdk/ itself). `out` must lie inside
 * the repository, where the staged sources resolve their packages; tests build into their own.
 */
export async function buildSdk(out = sdk): Promise<void> {
  const staging = path.join(out, '.build');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.rmSync(path.join(out, 'dist'), { recursive: true, force: true });
  generateContract(path.join(staging, 'router.ts'));
  const source = fs.readFileSync(path.join(sdk, 'index.ts'), 'utf8');
  const staged = source.replace("from '../server/router.js'", "from './router.js'");
  if (staged === source) throw new Error("sdk/index.ts no longer imports '../server/router.js'; update sdk/tools/build.ts");
  fs.writeFileSync(path.join(staging, 'index.ts'), staged);
  // The SDK modules index.ts imports (e.g. transformer.ts), and theirs, come along as they are.
  const pending = [staged];
  while (pending.length) {
    for (const [, name] of pending.pop()!.matchAll(/from '\.\/([\w-]+)\.js'/g)) {
      const target = path.join(staging, `${name}.ts`);
      if (fs.existsSync(target)) continue;
      const text = fs.readFileSync(path.join(sdk, `${name}.ts`), 'utf8');
      if (/from '\.\.\//.test(text)) throw new Error(`sdk/${name}.ts imports outside sdk/: the package could not ship it`);
      fs.writeFileSync(target, text);
      pending.push(text);
    }
  }
  fs.writeFileSync(
    path.join(staging, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2023', 'DOM'],
        strict: true,
        declaration: true,
        isolatedDeclarations: false,
        skipLibCheck: true,
        types: [],
        typeRoots: [path.join(sdk, '..', 'node_modules', '@types')],
      },
      include: ['*.ts'],
    }),
  );
  await build({
    config: false,
    cwd: staging,
    entry: { index: path.join(staging, 'index.ts') },
    outDir: path.join(out, 'dist'),
    format: ['esm', 'cjs'],
    platform: 'neutral',
    target: 'es2022',
    tsconfig: path.join(staging, 'tsconfig.json'),
    dts: true,
    sourcemap: false,
    clean: false,
    logLevel: 'warn',
    checks: { pluginTimings: false },
    deps: { neverBundle: [/^@trpc\//, 'superjson', 'eventsource'] },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const outArg = process.argv.indexOf('--out');
  const out = outArg > 0 ? path.resolve(process.argv[outArg + 1]!) : sdk;
  await buildSdk(out);
  const dist = path.join(out, 'dist');
  console.log(`${path.relative(process.cwd(), dist)} built in ${((performance.now() - started) / 1000).toFixed(1)} s:`);
  for (const f of fs.readdirSync(dist)) console.log(`  ${f}  ${fs.statSync(path.join(dist, f)).size} B`);
}
