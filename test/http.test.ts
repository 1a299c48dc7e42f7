import assert from 'node:assert/strict';
import { createApp } from '../server/app.js';
import { createRetrovueClient, isRetrovueError } from '../sdk/index.js';
import { assertSafeMessage, expectError } from './support/expect.js';
import { baseUrl, client, db, listen, testLogger } from './support/harness.js';

const get = (procedure: string, input: unknown) =>
  fetch(`${baseUrl()}/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
const post = (procedure: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl()}/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('health', () => {
  it('reports the database and the migration version', async () => {
    const health = await client().health.check.query();
    assert.equal(health.status, 'ok');
    assert.equal(health.database.reachable, true);
    assert.match(health.database.migration ?? '', /^\d{14}$/);
  });
});

describe('HTTP wire format (for tools without the SDK)', () => {
  it('a query and a mutation with the superjson envelope, as the README shows', async () => {
    const created = await post('titles.create', JSON.stringify({ json: { kind: 'movie', name: 'Alien', year: 1979 } }));
    assert.equal(created.status, 200);
    const body = (await created.json()) as { result: { data: { json: { id: string; createdAt: string }; meta: unknown } } };
    assert.match(body.result.data.json.createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.ok(body.result.data.meta, 'superjson meta marks the Date');
    const listed = (await (await get('titles.list', { search: 'Alien' })).json()) as {
      result: { data: { json: { items: Array<{ name: string }> } } };
    };
    assert.deepEqual(
      listed.result.data.json.items.map((t) => t.name),
      ['Alien'],
    );
  });

  it('errors carry the code, HTTP status and a safe message, never a stack', async () => {
    const response = await get('titles.get', { id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(response.status, 404);
    const { error } = (await response.json()) as { error: { json: { message: string; data: Record<string, unknown> } } };
    assert.equal(error.json.data.code, 'NOT_FOUND');
    assert.equal(error.json.data.httpStatus, 404);
    assert.equal(error.json.data.stack, undefined);
    assertSafeMessage(error.json.message);
  });

  it('malformed JSON, a wrong envelope and an unknown procedure get clear 4xx answers', async () => {
    for (const body of [
      '{not json',
      '{"json":',
      '[]',
      '"x"',
      '{"json":{"kind":"movie","name":"x"},"meta":{"values":{"name":["bigint"]}}}',
    ]) {
      const response = await post('titles.create', body);
      assert.ok(response.status >= 400 && response.status < 500, `${body} -> ${response.status}`);
      const text = await response.text();
      assert.doesNotMatch(text, /"stack"|node_modules|\n\s+at /);
    }
    assert.equal((await get('titles.nope', {})).status, 404);
    assert.equal((await db()('titles').count({ n: '*' }).first())!.n, 0);
  });

  it('refuses bodies over the size limit', async () => {
    const response = await post('titles.create', JSON.stringify({ json: { kind: 'movie', name: 'x'.repeat(3 * 1024 * 1024) } }));
    assert.equal(response.status, 413);
  });
});

describe('errors (one map)', () => {
  it('never answers bad input with INTERNAL_SERVER_ERROR', async () => {
    const huge = 'x'.repeat(100_000);
    // Thunks, awaited one by one: each call must be refused (a success fails the test), and no
    // rejection is left unhandled while another is awaited.
    const attempts: Array<() => Promise<unknown>> = [
      () => client().titles.create.mutate({ kind: 'movie', name: huge }),
      () => client().titles.list.query({ year: 2 ** 40 }),
      () => client().assets.register.mutate({ uri: 'u', size: Number.MAX_SAFE_INTEGER + 2 }),
      () =>
        client().markers.create.mutate({ assetId: '00000000-0000-4000-8000-000000000000', kind: 'a', startMs: NaN, endMs: 1 }),
      () => client().titles.list.query({ cursor: Buffer.from('{"s":"titles","k":["a","not-a-uuid"]}').toString('base64url') }),
      () => client().titles.list.query({ cursor: Buffer.from('{"s":"titles","k":[1,2]}').toString('base64url') }),
    ];
    for (const [i, attempt] of attempts.entries()) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(isRetrovueError(err), `attempt ${i}: ${String(err)}`);
        assert.notEqual(err.code, 'INTERNAL_SERVER_ERROR', `attempt ${i}: ${err.message}`);
        assertSafeMessage(err.message);
        return true;
      });
    }
  });
});

describe('auth', () => {
  let url: string;
  let close: () => Promise<void>;
  before(async () => {
    const started = await listen(createApp({ db: db(), log: testLogger, apiTokens: ['token-one', 'token-two'] }));
    url = started.url;
    close = () => new Promise((resolve) => started.server.close(() => resolve()));
  });
  after(() => close());

  it('requires a valid bearer token for everything but health.check', async () => {
    const anonymous = createRetrovueClient({ url });
    assert.equal((await anonymous.health.check.query()).status, 'ok');
    await expectError(anonymous.titles.list.query({}), 'UNAUTHORIZED');
    await expectError(createRetrovueClient({ url, token: 'token-on' }).titles.list.query({}), 'UNAUTHORIZED');
    await expectError(
      createRetrovueClient({ url, token: 'token-one-and-more' }).titles.create.mutate({ kind: 'movie', name: 'x' }),
      'UNAUTHORIZED',
    );
    assert.equal((await db()('titles').count({ n: '*' }).first())!.n, 0);
    for (const token of ['token-one', 'token-two']) {
      const page = await createRetrovueClient({ url, token }).titles.list.query({});
      assert.deepEqual(page.items, []);
    }
    const raw = await fetch(`${url}/titles.list?input=${encodeURIComponent('{"json":{}}')}`, {
      headers: { authorization: 'Basic dG9rZW4tb25l' },
    });
    assert.equal(raw.status, 401);
  });
});
