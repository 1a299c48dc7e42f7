import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** A child process on the embedded database in `dataDir`; resolves `ready` when the output matches. */
function run(args: string[], dataDir: string, ready?: RegExp) {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DATABASE_URL: '', RETROVUE_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const matched = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready?.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  matched.catch(() => undefined);
  return { child, exited, ready: matched, output: () => output };
}

const server = (dataDir: string) => run(['--import', 'tsx', 'server/main.ts'], dataDir, /"msg":"listening"/);
const knexCli = (dataDir: string, command: string) => run(['node_modules/knex/bin/cli.js', command], dataDir);

describe('the embedded database has one owner', function () {
  this.timeout(120_000);
  let dataDir: string;
  const started: ChildProcess[] = [];
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-owner-'));
  });
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a second server and the knex CLI refuse at once, naming the holder; after a SIGKILL the directory is free again', async () => {
    const first = server(dataDir);
    started.push(first.child);
    await first.ready;
    const holder = first.child.pid!;

    for (const second of [server(dataDir), knexCli(dataDir, 'seed:run'), knexCli(dataDir, 'migrate:latest')]) {
      started.push(second.child);
      const t0 = Date.now();
      assert.notEqual(await second.exited, 0, second.output());
      assert.ok(Date.now() - t0 < 30_000);
      assert.match(second.output(), new RegExp(`in use by process ${holder}`));
      assert.match(second.output(), /stop that process first/);
      // Only that message: no "Failed to read config" from the knex CLI, no stack trace.
      assert.doesNotMatch(second.output(), /Failed to read config|DirectoryInUseError|^\s+at /m, second.output());
    }

    // A crash leaves the lock file behind; the next owner takes it over instead of waiting forever.
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(fs.existsSync(path.join(dataDir, 'pgdata.lock')));
    const next = server(dataDir);
    started.push(next.child);
    await next.ready;
    const exited = next.exited;
    next.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(fs.existsSync(path.join(dataDir, 'pgdata.lock')), false, 'a clean exit removes the lock');
  });
});
