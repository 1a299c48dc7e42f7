import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Real folders for filesystem sources (a folder source's paths must exist), removed when the run ends. */
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'retrovue-folders-'));
process.on('exit', () => fs.rmSync(ROOT, { recursive: true, force: true }));

/** `<tmp>/<name>`, created if missing; `collections.discover` names the collection after `name`. */
export function folder(name: string): string {
  const dir = path.join(ROOT, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A path under the same root that does not exist. */
export const missingFolder = (name: string): string => path.join(ROOT, 'missing', name);

/** A plain file under the same root (not a folder). */
export function plainFile(name: string): string {
  const file = path.join(ROOT, name);
  fs.writeFileSync(file, '');
  return file;
}
