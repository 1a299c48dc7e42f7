// Runs compiled JavaScript from dist/, building it first (`npm run build`) when it is missing or
// older than a source file, so `npm start` and `retrovue` never run stale code and need no
// TypeScript loader at run time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const SOURCES = ['server', 'sdk', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** What building or packing the SDK writes inside sdk/: outputs, not sources. */
const OUTPUTS = new Set(['dist', '.build', 'node_modules']);

/** The newest modification time under `file` (a file or a folder), outputs and tarballs aside. */
function newest(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return file.endsWith('.tgz') ? 0 : stat.mtimeMs;
  return fs
    .readdirSync(file)
    .filter((entry) => !OUTPUTS.has(entry))
    .reduce((max, entry) => Math.max(max, newest(path.join(file, entry))), 0);
}

/** Imports `dist/<entry>`, building dist/ first when needed. */
export async function runBuilt(entry) {
  const target = path.join(root, 'dist', entry);
  const built = fs.statSync(target, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built < Math.max(...SOURCES.map((s) => newest(path.join(root, s))))) {
    let tsc;
    try {
      tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    } catch {
      if (!built) throw new Error('dist/ is missing and TypeScript is not installed: run `npm ci && npm run build`');
    }
    if (tsc) {
      process.stderr.write('retrovue: building dist/ (npm run build)\n');
      execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
    }
  }
  await import(pathToFileURL(target).href);
}
