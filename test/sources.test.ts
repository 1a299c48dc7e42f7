import assert from 'node:assert/strict';
import { expectError, expectRefusedUnchanged } from './support/expect.js';
import { folder, missingFolder, plainFile } from './support/folders.js';
import { baseUrl, client, db } from './support/harness.js';

describe('sources', () => {
  it('creates a Plex source and never returns its token', async () => {
    const source = await client().sources.create.mutate({
      kind: 'plex',
      name: 'Living Room',
      config: { baseUrl: 'http://127.0.0.1:32400', token: 'super-secret' },
    });
    assert.deepEqual(source.config, { baseUrl: 'http://127.0.0.1:32400' });
    assert.deepEqual(source.secretKeys, ['token']);
    assert.ok(source.updatedAt instanceof Date);
    const stored = await db()('sources').where({ id: source.id }).first();
    assert.equal(stored.config.token, 'super-secret', 'the token is stored for the adapter');

    const listed = await client().sources.list.query({});
    const got = await client().sources.get.query({ id: source.id, include: ['collections'] });
    for (const body of [JSON.stringify(listed), JSON.stringify(got)]) assert.doesNotMatch(body, /super-secret/);
    // Over raw HTTP as well.
    const raw = await (await fetch(`${baseUrl()}/sources.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`)).text();
    assert.doesNotMatch(raw, /super-secret/);
  });

  it('update keeps a secret that is not resent, replaces or removes one that is', async () => {
    const source = await client().sources.create.mutate({
      kind: 'plex',
      name: 'P',
      config: { baseUrl: 'http://a:1', token: 't1' },
    });
    const renamed = await client().sources.update.mutate({
      id: source.id,
      kind: 'plex',
      name: 'Renamed',
      config: { baseUrl: 'http://b:2' },
    });
    assert.equal(renamed.name, 'Renamed');
    assert.ok(renamed.updatedAt > source.updatedAt);
    let stored = await db()('sources').where({ id: source.id }).first();
    assert.deepEqual(stored.config, { baseUrl: 'http://b:2', token: 't1' });
    await client().sources.update.mutate({ id: source.id, kind: 'plex', config: { baseUrl: 'http://b:2', token: 't2' } });
    stored = await db()('sources').where({ id: source.id }).first();
    assert.equal(stored.config.token, 't2');
    // Removing the token leaves an invalid Plex config: refused, nothing changed.
    await expectRefusedUnchanged(
      () => client().sources.update.mutate({ id: source.id, kind: 'plex', config: { baseUrl: 'http://b:2', token: null } }),
      'BAD_REQUEST',
    );
    stored = await db()('sources').where({ id: source.id }).first();
    assert.equal(stored.config.token, 't2');
  });

  it('validates config per kind and refuses duplicates', async () => {
    await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'plex', name: 'P', config: { baseUrl: 'not a url', token: 'x' } }),
      'BAD_REQUEST',
    );
    await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: ['relative/path'] } }),
      'BAD_REQUEST',
    );
    // @ts-expect-error not a source kind
    await expectRefusedUnchanged(() => client().sources.create.mutate({ kind: 'ftp', name: 'F', config: {} }), 'BAD_REQUEST');
    await client().sources.create.mutate({ kind: 'filesystem', name: 'F', externalId: 'nas', config: { paths: [folder('tv')] } });
    await expectRefusedUnchanged(
      () =>
        client().sources.create.mutate({ kind: 'filesystem', name: 'G', externalId: 'nas', config: { paths: [folder('x')] } }),
      'CONFLICT',
    );
  });

  it('refuses a folder source whose folder does not exist, or is a file, and stores nothing', async () => {
    const missing = missingFolder('not-mounted');
    const error = await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: [folder('tv'), missing] } }),
      'BAD_REQUEST',
    );
    assert.match(error.message, /config\.paths\.1: .*not-mounted does not exist/);
    await expectRefusedUnchanged(
      () => client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: [plainFile('a-file')] } }),
      'BAD_REQUEST',
    );
    const source = await client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: [folder('tv')] } });
    await expectRefusedUnchanged(
      () => client().sources.update.mutate({ id: source.id, kind: 'filesystem', config: { paths: [missing] } }),
      'BAD_REQUEST',
    );
  });

  it('takes config per kind: a wrong one does not compile, and update refuses another kind', async () => {
    const source = await client().sources.create.mutate({ kind: 'filesystem', name: 'F', config: { paths: [folder('tv')] } });
    await expectRefusedUnchanged(
      () =>
        client().sources.create.mutate({
          kind: 'filesystem',
          name: 'G',
          // @ts-expect-error a Plex config on a filesystem source
          config: { baseUrl: 'http://plex:32400', token: 't' },
        }),
      'BAD_REQUEST',
    );
    const error = await expectRefusedUnchanged(
      () => client().sources.update.mutate({ id: source.id, kind: 'plex', config: { baseUrl: 'http://plex:32400', token: 't' } }),
      'BAD_REQUEST',
    );
    assert.match(error.message, /is a filesystem source/);
  });

  it('deletes a source with its collections', async () => {
    const source = await client().sources.create.mutate({
      kind: 'filesystem',
      name: 'F',
      config: { paths: [folder('tv'), folder('movies')] },
    });
    await client().collections.discover.mutate({ sourceId: source.id });
    await client().sources.delete.mutate({ id: source.id });
    assert.equal((await client().collections.list.query({})).items.length, 0);
    await expectError(client().sources.get.query({ id: source.id }), 'NOT_FOUND');
  });
});
