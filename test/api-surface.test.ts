import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { jsonSchemaOf } from '../server/contract.js';
import {
  additiveChanges,
  breakingChanges,
  currentSurface,
  major,
  readSnapshot,
  SNAPSHOT_FILE,
  type Surface,
} from '../sdk/tools/surface.js';

const surfaceOf = (procedures: Record<string, { type?: string; input?: z.ZodType; output?: z.ZodType }>): Surface => ({
  sdkVersion: '1.0.0',
  procedures: Object.fromEntries(
    Object.entries(procedures).map(([name, p]) => [
      name,
      {
        type: p.type ?? 'query',
        input: jsonSchemaOf(p.input, 'input') ?? null,
        output: jsonSchemaOf(p.output, 'output') ?? null,
      },
    ]),
  ),
});

const Title = z.object({ id: z.string(), name: z.string(), year: z.number().int().nullable(), createdAt: z.date() });
const ListInput = z.strictObject({
  kind: z.enum(['movie', 'show']).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
const base = surfaceOf({ 'titles.list': { input: ListInput, output: z.object({ items: z.array(Title) }) } });

describe('API surface (compatibility)', () => {
  it('the committed snapshot matches the router (refresh additive changes with npm run api:snapshot)', () => {
    const committed = readSnapshot();
    assert.ok(committed, `${SNAPSHOT_FILE} is missing: run npm run api:snapshot`);
    const current = currentSurface();
    const breaking = breakingChanges(committed, current);
    if (breaking.length && major(current.sdkVersion) <= major(committed.sdkVersion)) {
      assert.fail(`breaking API changes without a new SDK major version:\n  ${breaking.join('\n  ')}`);
    }
    const changed = additiveChanges(committed, current);
    assert.deepEqual(changed, [], 'the API changed: run npm run api:snapshot and note it in sdk/CHANGELOG.md');
    assert.equal(committed.sdkVersion, current.sdkVersion, 'run npm run api:snapshot after moving the SDK version');
  });

  it('the SDK changelog has an entry for the current version', () => {
    const changelog = fs.readFileSync(path.join(path.dirname(SNAPSHOT_FILE), 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, new RegExp(`^## ${currentSurface().sdkVersion.replace(/\./g, '\\.')}\\b`, 'm'));
  });

  it('flags removed procedures and query/mutation swaps', () => {
    assert.deepEqual(breakingChanges(base, surfaceOf({})), ['titles.list: removed']);
    const swapped = surfaceOf({
      'titles.list': { type: 'mutation', input: ListInput, output: z.object({ items: z.array(Title) }) },
    });
    assert.deepEqual(breakingChanges(base, swapped), ['titles.list: query -> mutation']);
  });

  it('flags inputs that refuse what they accepted', () => {
    const narrowed = (input: z.ZodType) =>
      breakingChanges(base, surfaceOf({ 'titles.list': { input, output: z.object({ items: z.array(Title) }) } }));
    assert.match(narrowed(ListInput.extend({ search: z.string() })).join(), /input\.search: missing/);
    assert.match(narrowed(ListInput.extend({ kind: z.enum(['show']).optional() })).join(), /input\.kind: values/);
    assert.match(
      narrowed(ListInput.extend({ limit: z.number().int().min(1).max(100).default(50) })).join(),
      /maximum 500 -> 100/,
    );
    assert.match(narrowed(ListInput.extend({ limit: z.string().optional() })).join(), /input\.limit: type changed/);
    assert.match(narrowed(z.strictObject({ limit: ListInput.shape.limit })).join(), /input\.kind: no longer accepted/);
    const byKind = z.discriminatedUnion('kind', [
      ListInput.extend({ kind: z.literal('movie') }),
      ListInput.extend({ kind: z.literal('show') }),
    ]);
    assert.match(narrowed(byKind).join(), /input: type changed/, 'a union that requires kind');
  });

  it('flags outputs that drop, loosen or retype a field', () => {
    const changedOutput = (title: z.ZodType) =>
      breakingChanges(base, surfaceOf({ 'titles.list': { input: ListInput, output: z.object({ items: z.array(title) }) } }));
    assert.match(changedOutput(Title.omit({ year: true })).join(), /items\[\]\.year: missing/);
    assert.match(changedOutput(Title.extend({ name: z.string().optional() })).join(), /items\[\]\.name: may now be missing/);
    assert.match(changedOutput(Title.extend({ year: z.string().nullable() })).join(), /items\[\]\.year: type changed/);
  });

  it('lets additive changes through: new procedures, optional inputs, output fields, wider inputs', () => {
    const grown = surfaceOf({
      'titles.list': {
        input: ListInput.extend({ search: z.string().optional(), limit: z.number().int().min(1).max(1000).default(50) }),
        output: z.object({ items: z.array(Title.extend({ sortName: z.string() })), nextCursor: z.string().nullable() }),
      },
      'titles.count': { input: z.strictObject({}), output: z.number() },
    });
    assert.deepEqual(breakingChanges(base, grown), []);
    assert.deepEqual(additiveChanges(base, grown), ['titles.list: changed', 'titles.count: added']);
  });
});
