import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeShowWithEpisodes } from './support/factories.js';
import { baseUrl } from './support/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The consumer's processes get a plain environment: no loader or options of this test run. */
const { NODE_OPTIONS: _nodeOptions, ...plainEnv } = process.env;

/** An ESM TypeScript app: reads a show's graph, triggers a validation error, checks Dates are Dates. */
const ESM_CONSUMER = `
import { createRetrovueClient, isRetrovueError, type RouterInputs, type RouterOutputs } from '@retrovue/sdk';

const client = createRetrovueClient({ url: process.env.RETROVUE_URL!, token: 'unused' });
type Title = RouterOutputs['titles']['get'];
const input: RouterInputs['titles']['list'] = { kind: 'show', limit: 10 };

const page = await client.titles.list.query(input);
const first = page.items[0]!;
const show: Title = await client.titles.get.query({ id: first.id, include: ['seasons.episodes.assets'] });
const externalTmdb: string | number | boolean | null | object | undefined = show.externalIds?.['tmdb'];
const names: Array<string | null> = (show.seasons ?? []).flatMap((s) => (s.episodes ?? []).map((e) => e.name));
let code = '';
try {
  await client.titles.get.query({ id: 'nope' });
} catch (err) {
  if (isRetrovueError(err)) code = err.code + ':' + err.fieldErrors.map((f) => f.path).join(',');
}
console.log(JSON.stringify({ name: show.name, dates: show.createdAt instanceof Date, names, code, externalTmdb }));
`;

/** A CommonJS app in plain JavaScript. */
const CJS_CONSUMER = `
const { createRetrovueClient, isRetrovueError } = require('@retrovue/sdk');
const client = createRetrovueClient({ url: process.env.RETROVUE_URL });
(async () => {
  const { items } = await client.titles.list.query({ kind: 'show' });
  let code = '';
  await client.seasons.get.query({ id: '00000000-0000-4000-8000-000000000000' }).catch((err) => {
    if (isRetrovueError(err)) code = err.code;
  });
  console.log(JSON.stringify({ count: items.length, dates: items[0].createdAt instanceof Date, code }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Each line marked WRONG must be refused by the compiler. */
const BAD_CONSUMER = `
import { createRetrovueClient, type RouterOutputs } from '@retrovue/sdk';
const client = createRetrovueClient({ url: 'http://127.0.0.1:3000/trpc' });
export const a = client.titles.create.mutate({ kind: 'series', name: 'x' }); // WRONG: kind
export const b = client.titles.create.mutate({ kind: 'show', name: 42 }); // WRONG: name type
export const c = client.titles.list.query({ limit: '10' }); // WRONG: limit type
export const d = client.titles.nope.query({}); // WRONG: no such procedure
export const e = client.assets.list.query({ discoveredSince: '2026-01-01' }); // WRONG: a Date is expected
export const f = (t: RouterOutputs['titles']['get']): string => t.year; // WRONG: year is number | null
export const g = (a: RouterOutputs['assets']['get']): string => a.size; // WRONG: size is a number
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    // tRPC 11's own declarations use Disposable (or install @types/node).
    lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
    types: ['node'],
    outDir: 'out',
  },
};

/**
 * Packs sdk/ with `npm pack`, installs the tarball into an empty project outside the repository
 * (its dependencies from the npm registry or cache, no links into this project's node_modules)
 * and runs an ESM TypeScript app and a CommonJS app against the live test server.
 */
describe('@retrovue/sdk (packed and installed alone)', function () {
  this.timeout(300_000);
  let work: string;
  let pack: string;
  /** tsc's report on the three apps, compiled together once (it still emits the JavaScript). */
  let compiled = '';
  const errorsIn = (file: string) => compiled.split('\n').filter((line) => line.startsWith(`${file}(`));

  before(async () => {
    // Built and packed in a folder of this run's own (runs on both drivers may overlap), by a child
    // process: tsdown's module loader hooks must not touch this test process.
    pack = path.join(root, 'sdk', `.pack-${process.pid}`);
    await run(npm, ['run', 'build:sdk', '--', '--out', pack], { cwd: root, env: plainEnv });
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'api-surface.json']) {
      fs.copyFileSync(path.join(root, 'sdk', file), path.join(pack, file));
    }
    fs.rmSync(path.join(pack, '.build'), { recursive: true, force: true });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-sdk-'));
    const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: pack, env: plainEnv });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    fs.writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    // @types/node as a typical app has it (the README's example reads process.env).
    await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, filename), '@types/node@20'], {
      cwd: work,
      env: plainEnv,
    });
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    fs.writeFileSync(path.join(work, 'readme.ts'), /## SDK\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!);
    fs.writeFileSync(path.join(work, 'app.ts'), ESM_CONSUMER);
    fs.writeFileSync(path.join(work, 'bad.ts'), BAD_CONSUMER);
    compiled = await run(process.execPath, [tsc, '-p', work], { cwd: work, env: plainEnv }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? '',
    );
  });

  after(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(pack, { recursive: true, force: true });
  });

  it('ships only dist, with ESM, CommonJS and declarations, and no server code', () => {
    const pkg = path.join(work, 'node_modules', '@retrovue', 'sdk');
    assert.ok(!fs.lstatSync(pkg).isSymbolicLink());
    const dist = fs.readdirSync(path.join(pkg, 'dist')).sort();
    assert.deepEqual(dist, ['index.cjs', 'index.d.cts', 'index.d.ts', 'index.js']);
    const dts = fs.readFileSync(path.join(pkg, 'dist', 'index.d.ts'), 'utf8');
    const imports = [...dts.matchAll(/from ["']([^"']+)["']/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(imports)].sort(), ['@trpc/client', '@trpc/server']);
    assert.doesNotMatch(dts, /\bany\b/, 'every field keeps its real type');
  });

  it('installs few packages, small (README figures)', () => {
    const modules = path.join(work, 'node_modules');
    const packages = fs
      .readdirSync(modules)
      .filter((d) => !d.startsWith('.'))
      .flatMap((d) => (d.startsWith('@') ? fs.readdirSync(path.join(modules, d)).map((s) => `${d}/${s}`) : [d]));
    const size = (p: string): number =>
      fs.statSync(p).isDirectory() ? fs.readdirSync(p).reduce((sum, f) => sum + size(path.join(p, f)), 0) : fs.statSync(p).size;
    // typescript arrives only as @trpc/client's peer (a TypeScript app has it already); @types/node is the app's own.
    const own = packages.filter((p) => !/^(typescript$|@typescript\/|@types\/|undici-types$)/.test(p));
    const bytes = own.reduce((sum, p) => sum + size(path.join(modules, p)), 0);
    console.log(`      installed: ${own.length} packages, ${(bytes / 1e6).toFixed(1)} MB (${own.join(', ')})`);
    assert.ok(own.length < 10, own.join(', '));
    assert.ok(bytes < 5e6, `${bytes} bytes`);
  });

  it('runs an ESM TypeScript app (strict, no skipLibCheck) against the live server', async () => {
    await makeShowWithEpisodes(2);
    assert.deepEqual(errorsIn('app.ts'), [], 'a correct app compiles');
    const { stdout } = await run(process.execPath, [path.join(work, 'out', 'app.js')], {
      cwd: work,
      env: { ...plainEnv, RETROVUE_URL: baseUrl() },
    });
    const result = JSON.parse(stdout) as { dates: boolean; names: string[]; code: string };
    assert.equal(result.dates, true);
    assert.deepEqual(result.names, ['Episode 1', 'Episode 2']);
    assert.equal(result.code, 'BAD_REQUEST:id');
  });

  it("runs the README's SDK example as written", async () => {
    await makeShowWithEpisodes(1);
    assert.deepEqual(errorsIn('readme.ts'), [], 'the README example compiles');
    const { stdout } = await run(process.execPath, [path.join(work, 'out', 'readme.js')], {
      cwd: work,
      env: { ...plainEnv, RETROVUE_URL: baseUrl() },
    });
    assert.match(stdout, /^Show \d+ undefined undefined true null\nno such title: title .* not found\n$/);
  });

  it('runs a CommonJS JavaScript app against the live server', async () => {
    await makeShowWithEpisodes(1);
    fs.writeFileSync(path.join(work, 'app.cjs'), CJS_CONSUMER);
    const { stdout } = await run(process.execPath, [path.join(work, 'app.cjs')], {
      cwd: work,
      env: { ...plainEnv, RETROVUE_URL: baseUrl() },
    });
    assert.deepEqual(JSON.parse(stdout), { count: 1, dates: true, code: 'NOT_FOUND' });
  });

  it('refuses wrong calls at compile time', () => {
    const wrongLines = BAD_CONSUMER.split('\n')
      .map((line, i) => (line.includes('// WRONG') ? i + 1 : 0))
      .filter(Boolean);
    const errorLines = [...compiled.matchAll(/bad\.ts\((\d+),\d+\): error TS/g)].map((m) => Number(m[1]));
    assert.deepEqual(
      [...new Set(errorLines)].sort((x, y) => x - y),
      wrongLines,
      compiled,
    );
  });
});
