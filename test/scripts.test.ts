import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { migrationConfig } from '../server/db/knex.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

describe('package scripts', () => {
  // `npm run seed` and `npm run migrate` once pointed at files that did not exist. CI runs both
  // for real (.ci/run, on a scratch embedded database); this catches a dangling path in any script.
  it('every file a script or the bin names exists', () => {
    const named = [
      ...Object.values(pkg.scripts).flatMap((script) =>
        (script.match(/[\w./*-]+\.(?:ts|js|mjs)\b/g) ?? []).filter((file) => !file.includes('*')),
      ),
      ...Object.values(pkg.bin),
    ];
    const missing = named.filter((file) => !file.startsWith('dist/') && !fs.existsSync(path.join(ROOT, file)));
    assert.deepEqual(missing, []);
  });

  it('migrate and seed go through the knex CLI and its knexfile', () => {
    assert.match(pkg.scripts.migrate!, /\bknex migrate:latest\b/);
    assert.match(pkg.scripts.seed!, /\bknex migrate:latest\b.*\bknex seed:run\b/);
    assert.ok(fs.existsSync(path.join(ROOT, 'knexfile.js')));
  });

  it('npm start and the retrovue bin run compiled JavaScript from dist/; tsx is a dev dependency', () => {
    const pkgFull = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    // `exec`: npm's SIGTERM reaches node itself (through `sh -c` it would orphan the server).
    assert.equal(pkg.scripts.start, 'exec node bin/start.js');
    assert.match(fs.readFileSync(path.join(ROOT, 'bin', 'start.js'), 'utf8'), /runBuilt\('server\/main\.js'\)/);
    assert.match(fs.readFileSync(path.join(ROOT, pkg.bin.retrovue!), 'utf8'), /runBuilt\('sdk\/cli\.js'\)/);
    assert.equal(pkgFull.dependencies.tsx, undefined);
    assert.ok(pkgFull.devDependencies.tsx);
  });

  it('records migrations under their source names, whether run from the sources or from dist/', () => {
    const source = migrationConfig.migrationSource!;
    assert.equal(source.getMigrationName('20261124000000_library_schema.js'), '20261124000000_library_schema.ts');
    assert.equal(source.getMigrationName('20261124000000_library_schema.ts'), '20261124000000_library_schema.ts');
  });
});
