import assert from 'node:assert/strict';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { transformer } from '../sdk/transformer.js';
import { appRouter } from '../server/router.js';
import { createCallerFactory, type Context } from '../server/trpc.js';
import { snapshotCounts, truncateAll } from './support/database.js';
import { assertSafeMessage } from './support/expect.js';
import { baseUrl, db, testLogger } from './support/harness.js';

/** Every procedure of the router, discovered from the router itself. */
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>).map(
  ([path, p]) => ({
    path,
    type: p._def.type,
  }),
);

const FIELDS = [
  'id',
  'kind',
  'name',
  'year',
  'limit',
  'cursor',
  'include',
  'search',
  'titleId',
  'seasonId',
  'episodeId',
  'assetId',
  'number',
  'uri',
  'size',
  'durationMs',
  'startMs',
  'endMs',
  'status',
  'confidence',
  'reason',
  'config',
  'externalId',
  'sourceId',
  'collectionId',
  'plexPath',
  'localPath',
  'path',
  'provider',
  'providerKey',
  'entityType',
  'entityId',
  'items',
  'markers',
  'enabled',
  'canonical',
  'minDurationMs',
  'maxDurationMs',
  'discoveredSince',
  'jobId',
  'raw',
  '__proto__',
  'constructor',
  'prototype',
];

/** Cases per procedure: a few in the default suite, 1,000 in `npm run fuzz` (FUZZ_RUNS). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    "'; DROP TABLE titles; --",
    "' OR '1'='1",
    '"); DELETE FROM assets; --',
    '%_\\',
    '\u0000',
    '../../etc/passwd',
    'D:\\Media\\..\\..',
    '00000000-0000-4000-8000-000000000000',
    'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ',
    'eyJzIjoidGl0bGVzIiwiayI6WyJhIiwiYiJdfQ',
    '\u202e\ud83d\ude00\ufeff',
    'file:///s/\ud800.mkv',
    '\udc00',
    'constructor',
    'prototype',
    'x'.repeat(100_000),
  ),
);

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 2 ** 31, 2 ** 53 + 1, -0),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: false }),
    fc.bigInt(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** JSON as stored in externalIds, payload, raw and config, with the keys superjson refuses by default. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('constructor', 'prototype', '__proto__', 'tmdb', 'k\ud800'), fc.string()),
      tie('json'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).json;

/** A normalized ingest item close enough to valid that the ingest core, not only validation, is exercised. */
const ingestItem = fc.record(
  {
    title: fc.record({
      kind: fc.constantFrom('movie', 'show', 'x'),
      name: fc.oneof(fc.constantFrom('Show', 'Movie'), hostileString),
      year: fc.oneof(fc.constant(1990), hostileNumber, fc.constant(null)),
      externalIds: hostileJson,
      providerRefs: fc.array(fc.record({ provider: fc.constantFrom('tmdb', 'tvdb'), key: hostileString, raw: hostileJson }), {
        maxLength: 2,
      }),
    }),
    season: fc.record({ number: fc.oneof(fc.nat(3), hostileNumber) }),
    episode: fc.record({ number: fc.oneof(fc.nat(3), hostileNumber), name: hostileString, externalIds: hostileJson }),
    assets: fc.array(
      fc.record({
        uri: fc.oneof(fc.constantFrom('file:///a.mkv', 'file:///b.mkv', 'file:///s/\ud800.mkv'), hostileString),
        size: fc.oneof(fc.nat(), hostileNumber),
        durationMs: fc.oneof(fc.nat(100_000), hostileNumber, fc.constant(null)),
        markers: fc.array(
          fc.record({
            kind: fc.constantFrom('intro', ''),
            startMs: fc.nat(200_000),
            endMs: fc.nat(200_000),
            payload: hostileJson,
          }),
          { maxLength: 3 },
        ),
      }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['title', 'assets'] },
);

const hostileInput = fc.oneof(
  fc.array(ingestItem, { maxLength: 5 }).map((items) => ({ items })),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 8 }),
  fc.array(hostileValue, { maxLength: 1500 }).map((items) => ({ items })),
);

function callerFor(): unknown {
  const ctx: Context = { db: db(), log: testLogger, requestId: 'fuzz', authorized: true };
  return createCallerFactory(appRouter)(ctx);
}

async function call(path: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: TRPCError }> {
  let fn: unknown = callerFor();
  for (const key of path.split('.')) fn = (fn as Record<string, unknown>)[key];
  try {
    return { ok: true, value: await (fn as (input: unknown) => Promise<unknown>)(input) };
  } catch (err) {
    assert.ok(err instanceof TRPCError, `${path} threw a non-tRPC error: ${String(err)}`);
    return { ok: false, error: err };
  }
}

describe('hostile input (property-based, every procedure)', function () {
  this.timeout(Math.max(300_000, RUNS * 2_000));

  it('discovers the whole router', () => {
    assert.ok(procedures.length >= 50, `only ${procedures.length} procedures found`);
    assert.ok(procedures.some((p) => p.path === 'ingest.items'));
  });

  for (const { path, type } of procedures) {
    it(`${path}: random and adversarial input never gives INTERNAL_SERVER_ERROR, leaks nothing, changes nothing when refused`, async () => {
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(hostileInput, async (input) => {
          cases++;
          const before = await snapshotCounts(db());
          const result = await call(path, input);
          if (result.ok) {
            // What was stored must also go back out: the wire format never refuses a stored value.
            assert.doesNotThrow(() => transformer.serialize(result.value as never), `${path}: the answer cannot be serialized`);
            if (type === 'mutation') await truncateAll(db());
            return;
          }
          const { code, message } = result.error!;
          assert.notEqual(code, 'INTERNAL_SERVER_ERROR', `${path} -> INTERNAL_SERVER_ERROR: ${message}`);
          assertSafeMessage(message);
          assert.doesNotMatch(message, /plex-secret|super-secret/);
          assert.deepEqual(await snapshotCounts(db()), before, `${path} changed the database on a refused call`);
        }),
        { numRuns: RUNS, seed: 20261124 },
      );
      assert.ok(cases >= RUNS, `${path}: only ${cases} cases ran`);
    });
  }

  it('malformed HTTP bodies and envelopes get 4xx answers without internals', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...procedures.filter((p) => p.type === 'mutation').map((p) => p.path)),
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.constantFrom(
            '{"json":',
            '{"json":{},"meta":{"values":{"a":["class","X"]}}}',
            '{"json":{"__proto__":{"x":1}}}',
            '\u0000',
          ),
        ),
        async (path, body) => {
          const response = await fetch(`${baseUrl()}/${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          const text = await response.text();
          assert.ok(
            response.status >= 400 && response.status < 500,
            `${path} ${JSON.stringify(body)} -> ${response.status} ${text}`,
          );
          assert.doesNotMatch(text, /"stack"|node_modules|\n\s+at |INTERNAL_SERVER_ERROR/);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('a batch of more calls than allowed is refused clearly', async () => {
    const paths = Array.from({ length: 60 }, () => 'health.check').join(',');
    const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [i, {}]))));
    const response = await fetch(`${baseUrl()}/${paths}?batch=1&input=${input}`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /batch/i);
  });
});
