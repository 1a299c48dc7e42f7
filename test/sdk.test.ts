import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const CONSUMER_OK = `
import { createRetrovueClient, isRetrovueError, type RouterInputs, type RouterOutputs } from 'retrovue-library/sdk';

const client = createRetrovueClient({ url: 'http://127.0.0.1:3000/trpc', token: 't' });
type Title = RouterOutputs['titles']['get'];
const input: RouterInputs['titles']['list'] = { kind: 'show', limit: 10 };

export async function main(): Promise<void> {
  const page = await client.titles.list.query(input);
  const first: Title | undefined = page.items[0];
  const created: Date | undefined = first?.createdAt;
  const graph = await client.titles.get.query({ id: 'x', include: ['seasons.episodes.assets'] });
  const durations: Array<number | null> = (graph.seasons ?? []).flatMap((s) => (s.episodes ?? []).flatMap((e) => (e.assets ?? []).map((a) => a.durationMs)));
  try {
    await client.reviews.resolve.mutate({ id: 'x', episodeId: 'y', makeCanonical: true });
  } catch (err) {
    if (isRetrovueError(err)) console.log(err.code, err.fieldErrors, created, durations);
  }
}
`;

const CONSUMER_BAD = `
import { createRetrovueClient } from 'retrovue-library/sdk';
const client = createRetrovueClient({ url: 'http://127.0.0.1:3000/trpc' });
export const wrong = client.titles.create.mutate({ kind: 'series', name: 42 });
`;

/** Builds the package, installs it into a scratch project (dist only, no server source) and type-checks against it. */
describe('sdk (built package)', function () {
  this.timeout(240_000);
  let work: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-sdk-'));
    const pkg = path.join(work, 'node_modules', 'retrovue-library');
    fs.mkdirSync(pkg, { recursive: true });
    await run(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', path.join(pkg, 'dist')], {
      cwd: root,
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: manifest.name, type: 'module', exports: manifest.exports }),
    );
    // The SDK's own dependencies, as npm would have installed them beside it.
    for (const dep of fs.readdirSync(path.join(root, 'node_modules'))) {
      if (dep.startsWith('.')) continue;
      fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(work, 'node_modules', dep));
    }
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    fs.writeFileSync(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
      }),
    );
  });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('ships declarations and JavaScript for the SDK, without server source', () => {
    const dist = path.join(work, 'node_modules', 'retrovue-library', 'dist');
    assert.ok(fs.existsSync(path.join(dist, 'sdk', 'index.d.ts')));
    assert.ok(fs.existsSync(path.join(dist, 'sdk', 'index.js')));
    assert.doesNotMatch(
      fs.readFileSync(path.join(dist, 'sdk', 'index.js'), 'utf8'),
      /server\/router/,
      'the runtime SDK does not load the server',
    );
  });

  it('type-checks correct calls against the built SDK', async () => {
    fs.writeFileSync(path.join(work, 'consumer.ts'), CONSUMER_OK);
    await run(process.execPath, [tsc, '-p', work], { cwd: work }).catch((err: { stdout?: string }) => {
      assert.fail(`a correct consumer failed to compile:\n${err.stdout}`);
    });
  });

  it('refuses a wrong input type at compile time', async () => {
    fs.writeFileSync(path.join(work, 'consumer.ts'), CONSUMER_BAD);
    const result = await run(process.execPath, [tsc, '-p', work], { cwd: work }).then(
      () => ({ failed: false, stdout: '' }),
      (err: { stdout?: string }) => ({ failed: true, stdout: err.stdout ?? '' }),
    );
    assert.ok(result.failed, 'a wrong input type compiled');
    assert.match(result.stdout, /consumer\.ts.*error TS2322|consumer\.ts.*error TS2769|consumer\.ts.*error TS2345/);
  });
});
