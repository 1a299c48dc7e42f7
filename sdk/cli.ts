/**
 * `npx retrovue ...`: the operator's command line, a thin client of the SDK.
 * Server address from --url or RETROVUE_URL; token from --token or RETROVUE_API_TOKEN.
 */
import { SingleBar } from 'cli-progress';
import { TRPCClientError } from '@trpc/client';
import { Command } from 'commander';
import { createRetrovueClient, isRetrovueError, type RetrovueClient } from './index.js';

const program = new Command()
  .name('retrovue')
  .description('Operate a Retrovue library service: sources, collections, ingest, review queue.')
  .option('--url <url>', 'tRPC endpoint', process.env.RETROVUE_URL ?? 'http://127.0.0.1:3000/trpc')
  .option('--token <token>', 'API token (or RETROVUE_API_TOKEN)', process.env.RETROVUE_API_TOKEN)
  .option('--json', 'print JSON instead of tables')
  .showHelpAfterError();

function api(): RetrovueClient {
  const { url, token } = program.opts<{ url: string; token?: string }>();
  return createRetrovueClient({ url, ...(token ? { token } : {}) });
}

function print(rows: object[] | object): void {
  if (program.opts<{ json?: boolean }>().json || !Array.isArray(rows)) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) console.log('(none)');
  else console.table(rows);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const sources = program.command('sources').description('content sources');
sources
  .command('add-plex')
  .description('register a Plex server')
  .requiredOption('--name <name>')
  .requiredOption('--base-url <url>', 'e.g. http://192.168.1.10:32400')
  .requiredOption('--plex-token <token>', 'X-Plex-Token (stored, never shown again)')
  .action(async (o: { name: string; baseUrl: string; plexToken: string }) => {
    const source = await api().sources.create.mutate({
      kind: 'plex',
      name: o.name,
      config: { baseUrl: o.baseUrl, token: o.plexToken },
    });
    print({ id: source.id, name: source.name, kind: source.kind, config: source.config, secretKeys: source.secretKeys });
  });
sources
  .command('add-folder')
  .description('register folders of video files (one collection per --path)')
  .requiredOption('--name <name>')
  .requiredOption('--path <dir>', 'absolute folder path (repeatable)', collect)
  .option('--hash', 'compute SHA-256 of new and changed files')
  .action(async (o: { name: string; path: string[]; hash?: boolean }) => {
    const source = await api().sources.create.mutate({
      kind: 'filesystem',
      name: o.name,
      config: { paths: o.path, ...(o.hash ? { hash: true } : {}) },
    });
    print({ id: source.id, name: source.name, kind: source.kind, config: source.config });
  });

// Jellyfin and Emby: one API in two dialects, so one block registers either.
for (const [verb, kind, label] of [
  ['add-jellyfin', 'jellyfin', 'Jellyfin'],
  ['add-emby', 'emby', 'Emby'],
] as const) {
  sources
    .command(verb)
    .description(`register a ${label} server`)
    .requiredOption('--name <name>')
    .requiredOption('--base-url <url>', 'e.g. http://192.168.1.10:8096')
    .requiredOption('--api-key <key>', `${label} API key (Dashboard > API Keys; stored, never shown again)`)
    .action(async (o: { name: string; baseUrl: string; apiKey: string }) => {
      const source = await api().sources.create.mutate({ kind, name: o.name, config: { baseUrl: o.baseUrl, apiKey: o.apiKey } });
      print({ id: source.id, name: source.name, kind: source.kind, config: source.config, secretKeys: source.secretKeys });
    });
}
sources.command('list').action(async () => {
  const { items } = await api().sources.list.query({ limit: 500 });
  print(items.map((s) => ({ id: s.id, name: s.name, kind: s.kind, secrets: s.secretKeys.join(',') })));
});

const collections = program.command('collections').description('libraries within sources');
collections
  .command('discover <sourceId>')
  .description('ask the source for its libraries (new ones start disabled)')
  .action(async (sourceId: string) => {
    const found = await api().collections.discover.mutate({ sourceId });
    print(found.map((c) => ({ id: c.id, name: c.name, externalId: c.externalId, enabled: c.enabled })));
  });
collections
  .command('list')
  .option('--source <id>')
  .action(async (o: { source?: string }) => {
    const { items } = await api().collections.list.query({ limit: 500, ...(o.source ? { sourceId: o.source } : {}) });
    print(items.map((c) => ({ id: c.id, name: c.name, externalId: c.externalId, enabled: c.enabled })));
  });
for (const [name, enabled] of [
  ['enable', true],
  ['disable', false],
] as const) {
  collections.command(`${name} <collectionId>`).action(async (id: string) => {
    const c = await api().collections.update.mutate({ id, enabled });
    print({ id: c.id, name: c.name, enabled: c.enabled });
  });
}

program
  .command('map <collectionId> <sourcePath> <localPath>')
  .description('map a path as the source sees it to this machine, e.g. "D:\\Media\\TV" /mnt/tv')
  .action(async (collectionId: string, plexPath: string, localPath: string) => {
    const m = await api().pathMappings.create.mutate({ collectionId, plexPath, localPath });
    print({ id: m.id, plexPath: m.plexPath, localPath: m.localPath });
  });

program
  .command('ingest <collectionId>')
  .description('pull a whole collection from its source, with progress and a final report')
  .action(async (collectionId: string) => {
    const client = api();
    const job = await client.ingest.start.mutate({ collectionId });
    const bar = new SingleBar({
      format: 'ingest {bar} {value} items | {batches} batches | {duration}s',
      stream: process.stderr,
      noTTYOutput: false,
    });
    bar.start(0, 0, { batches: 0 });
    let status = job;
    while (status.state === 'running') {
      await new Promise((r) => setTimeout(r, 250));
      status = await client.ingest.status.query({ jobId: job.id });
      bar.setTotal(Math.max(status.progress.itemsDone, 1));
      bar.update(status.progress.itemsDone, { batches: status.progress.batchesDone });
    }
    bar.stop();
    if (status.state === 'failed') throw new Error(`${status.error?.code}: ${status.error?.message}`);
    const { byKind, removedAssets, ...totals } = status.report!;
    print(totals);
    print(Object.entries(byKind).map(([kind, c]) => ({ kind, ...c })));
    if (removedAssets.length) print(removedAssets);
  });

program
  .command('parse <path...>')
  .description('how the folder scanner reads these paths (kind, show/title, numbers, reason); touches nothing')
  .action(async (paths: string[]) => {
    const { items } = await api().ingest.parsePaths.query({ paths });
    print(items.map(({ providerIds, ...item }) => ({ ...item, ...(providerIds && { ids: JSON.stringify(providerIds) }) })));
  });

const reviews = program.command('reviews').description('the review queue');
reviews
  .command('list')
  .option('--status <status>', 'pending | resolved | rejected', 'pending')
  .action(async (o: { status: 'pending' | 'resolved' | 'rejected' }) => {
    const { items } = await api().reviews.list.query({ status: o.status, limit: 500 });
    print(items.map((r) => ({ id: r.id, asset: r.assetId, confidence: r.confidence, reason: r.reason })));
  });
reviews
  .command('resolve <reviewId>')
  .option('--episode <episodeId>', 'link the asset to this episode')
  .option('--canonical', "make it the episode's canonical version")
  .action(async (id: string, o: { episode?: string; canonical?: boolean }) => {
    const r = await api().reviews.resolve.mutate({
      id,
      ...(o.episode ? { episodeId: o.episode } : {}),
      makeCanonical: Boolean(o.canonical),
    });
    print({ id: r.id, status: r.status, resolvedAt: r.resolvedAt });
  });
reviews.command('reject <reviewId>').action(async (id: string) => {
  const r = await api().reviews.reject.mutate({ id });
  print({ id: r.id, status: r.status, resolvedAt: r.resolvedAt });
});

/** The innermost cause, e.g. ECONNREFUSED under fetch's "fetch failed". */
function rootCause(err: unknown): string {
  let last = err instanceof Error ? err.message : String(err);
  for (let e = (err as { cause?: unknown }).cause; e instanceof Error; e = e.cause) {
    last = (e as { code?: string }).code ?? e.message;
  }
  return last;
}

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = isRetrovueError(err)
    ? `${err.code}: ${err.message}`
    : err instanceof TRPCClientError
      ? `cannot reach the server at ${program.opts<{ url: string }>().url} (${rootCause(err)})`
      : err instanceof Error
        ? err.message
        : String(err);
  console.error(`retrovue: ${message}`);
  process.exit(1);
});
