/**
 * `npx retrovue ...`: the operator's command line, a thin client of the SDK.
 * Server address from --url or RETROVUE_URL (with or without /trpc); token from --token or
 * RETROVUE_API_TOKEN. Every command prints one thing: a table or tree for people, or exactly one
 * JSON document with --json. Errors are one line on stderr, exit code 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { cliHint, duration, progressLine, table, trpcUrl, type ProgressState } from './cliFormat.js';
import { createRetrovueClient, isRetrovueError, type RetrovueClient, type RouterInputs, type RouterOutputs } from './index.js';

const version = (): string => {
  for (const dir of [import.meta.dirname, path.join(import.meta.dirname, '..', '..', 'sdk')]) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
};

const program = new Command()
  .name('retrovue')
  .description('Operate a Retrovue library service: titles, assets, sources, collections, ingest, review queue.')
  .version(version(), '-V, --version')
  .option('--url <url>', 'server address, with or without /trpc', process.env.RETROVUE_URL ?? 'http://127.0.0.1:3000')
  .option('--token <token>', 'API token (or RETROVUE_API_TOKEN)', process.env.RETROVUE_API_TOKEN)
  .option('--json', 'print one JSON document instead of tables')
  .showHelpAfterError();

const opts = () => program.opts<{ url: string; token?: string; json?: boolean }>();

function api(): RetrovueClient {
  const { url, token } = opts();
  return createRetrovueClient({ url: trpcUrl(url), ...(token ? { token } : {}) });
}

// ---- output ----

/** The one thing a command prints: `json` with --json, else what `human` renders. */
function output(json: unknown, human: () => string): void {
  console.log(opts().json ? JSON.stringify(json, null, 2) : human());
}

// ---- errors: one line, hints in the CLI's own terms ----

/** Ids the running command works on, so a hint can name the exact command to run next. */
const context: { collectionId?: string; sourceId?: string } = {};

function rootCause(err: unknown): string {
  let last = err instanceof Error ? err.message : String(err);
  for (let e = (err as { cause?: unknown }).cause; e instanceof Error; e = e.cause) {
    last = (e as { code?: string }).code ?? e.message;
  }
  return last;
}

// ---- titles ----

const titles = program.command('titles').description('the catalogue: shows and movies');
titles
  .command('list')
  .option('--kind <kind>', 'movie | show')
  .option('--search <text>', 'name contains')
  .option('--limit <n>', 'how many', '100')
  .action(async (o: { kind?: 'movie' | 'show'; search?: string; limit: string }) => {
    const page = await api().titles.list.query({
      limit: Number(o.limit),
      ...(o.kind ? { kind: o.kind } : {}),
      ...(o.search ? { search: o.search } : {}),
    });
    output(page, () => table(page.items.map((t) => ({ id: t.id, kind: t.kind, name: t.name, year: t.year }))));
  });

type TitleGraph = RouterOutputs['titles']['get'];
type EpisodeGraph = NonNullable<TitleGraph['episodes']>[number];

function episodeLines(episodes: EpisodeGraph[], season: number | null, indent: string): string[] {
  return episodes.flatMap((e) => {
    const code =
      season === null
        ? e.number === null
          ? ''
          : `E${String(e.number).padStart(2, '0')}`
        : `S${String(season).padStart(2, '0')}E${String(e.number ?? 0).padStart(2, '0')}`;
    const files = (e.assets ?? []).map(
      (a) =>
        `${indent}    ${a.canonical ? '*' : ' '} ${a.uri}  ${duration(a.durationMs)}  ${[a.container, a.videoCodec, a.audioCodec].filter(Boolean).join('/')}`,
    );
    return [
      `${indent}${code ? `${code} ` : ''}${e.name ?? '(untitled)'}  ${e.id}`,
      ...(files.length ? files : [`${indent}      (no files)`]),
    ];
  });
}

function titleTree(t: TitleGraph): string {
  const lines = [`${t.name}${t.year ? ` (${t.year})` : ''}  ${t.kind}  ${t.id}`];
  for (const s of t.seasons ?? []) {
    lines.push(`  Season ${s.number}  ${s.id}`);
    lines.push(...episodeLines(s.episodes ?? [], s.number, '    '));
  }
  const loose = t.episodes?.filter((e) => e.seasonId === null) ?? [];
  if (loose.length) lines.push(...episodeLines(loose, null, '  '));
  lines.push('(* canonical file)');
  return lines.join('\n');
}

titles
  .command('show <titleId>')
  .description('a title with its seasons, episodes and files')
  .action(async (id: string) => {
    const title = await api().titles.get.query({ id, include: ['seasons.episodes.assets', 'episodes.assets'] });
    output(title, () => titleTree(title));
  });

// ---- assets ----

const assets = program.command('assets').description('media files');
assets
  .command('list')
  .option('--unlinked', 'only files not linked to any episode')
  .option('--container <name>', 'e.g. mkv')
  .option('--limit <n>', 'how many', '100')
  .action(async (o: { unlinked?: boolean; container?: string; limit: string }) => {
    const page = await api().assets.list.query({
      limit: Number(o.limit),
      ...(o.unlinked ? { unlinked: true } : {}),
      ...(o.container ? { container: o.container } : {}),
    });
    output(page, () =>
      table(
        page.items.map((a) => ({
          id: a.id,
          uri: a.uri,
          duration: duration(a.durationMs),
          size: a.size,
          container: a.container,
          canonical: a.canonical ? 'yes' : '',
        })),
      ),
    );
  });
assets
  .command('show <assetId>')
  .description('a file with its episodes, markers and reviews')
  .action(async (id: string) => {
    const a = await api().assets.get.query({ id, include: ['episodes.title', 'markers', 'reviews'] });
    output(a, () =>
      [
        `${a.uri}  ${a.id}`,
        `  size ${a.size}  duration ${duration(a.durationMs)}  ${[a.container, a.videoCodec, a.audioCodec].filter(Boolean).join('/')}  ${a.canonical ? 'canonical' : ''}`.trimEnd(),
        '  episodes:',
        ...(a.episodes?.length
          ? a.episodes.map((e) => `    ${e.title?.name ?? ''} ${e.number ?? ''} ${e.name ?? ''}  ${e.id}`)
          : ['    (none)']),
        '  markers:',
        ...(a.markers?.length
          ? a.markers.map((m) => `    ${m.kind}  ${duration(m.startMs)}-${duration(m.endMs)}`)
          : ['    (none)']),
        '  reviews:',
        ...(a.reviews?.length ? a.reviews.map((r) => `    ${r.status}  ${r.confidence}  ${r.reason}`) : ['    (none)']),
      ].join('\n'),
    );
  });

/** `30d`, `12h`, `45m` or `90s` -> milliseconds. */
function parseAge(age: string): number {
  const match = /^(\d+)\s*([dhms])$/.exec(age.trim());
  if (!match) throw new Error(`--older-than must be like 30d, 12h, 45m or 90s (got "${age}")`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[match[2] as 'd' | 'h' | 'm' | 's'];
  return Number(match[1]) * unit;
}

assets
  .command('purge-missing')
  .description('delete assets missing from their source for longer than --older-than (with links, markers, refs)')
  .requiredOption('--older-than <age>', 'e.g. 30d, 12h')
  .option('--dry-run', 'list what would be deleted, delete nothing')
  .action(async (o: { olderThan: string; dryRun?: boolean }) => {
    const olderThan = new Date(Date.now() - parseAge(o.olderThan));
    const result = await api().assets.purgeMissing.mutate({ olderThan, dryRun: Boolean(o.dryRun) });
    output(result, () =>
      [
        `${result.dryRun ? 'would purge' : 'purged'} ${result.purged} missing asset(s)`,
        ...result.assets.map((a) => `  ${a.uri} (missing since ${a.missingSince.toISOString()})`),
      ].join('\n'),
    );
  });

// ---- sources ----

const collect = (value: string, previous: string[] = []) => [...previous, value];
const sourceRow = (s: RouterOutputs['sources']['get']) => ({
  id: s.id,
  name: s.name,
  kind: s.kind,
  secrets: s.secretKeys.join(','),
});

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
    output(source, () => table([sourceRow(source)]));
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
    output(source, () => table([sourceRow(source)]));
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
      output(source, () => table([sourceRow(source)]));
    });
}
sources.command('list').action(async () => {
  const page = await api().sources.list.query({ limit: 500 });
  output(page, () => table(page.items.map(sourceRow)));
});
sources
  .command('update <sourceId>')
  .description('rename a source or change its settings (other settings and secrets are kept)')
  .option('--name <name>')
  .option('--base-url <url>', 'Plex address')
  .option('--plex-token <token>', 'a new X-Plex-Token')
  .option('--api-key <key>', 'a new Jellyfin or Emby API key')
  .option('--path <dir>', 'folder paths, replacing the current ones (repeatable)', collect)
  .action(async (id: string, o: { name?: string; baseUrl?: string; plexToken?: string; apiKey?: string; path?: string[] }) => {
    context.sourceId = id;
    const changes = {
      ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
      ...(o.plexToken ? { token: o.plexToken } : {}),
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      ...(o.path ? { paths: o.path } : {}),
    };
    const client = api();
    // The server replaces the visible settings it is sent (secrets not resent are kept), and
    // checks `kind` against the source: resend the rest of the settings with it.
    const current = await client.sources.get.query({ id });
    const input = {
      id,
      kind: current.kind,
      ...(o.name ? { name: o.name } : {}),
      ...(Object.keys(changes).length ? { config: { ...current.config, ...changes } } : {}),
    } as RouterInputs['sources']['update']; // the server validates config against the kind
    const source = await client.sources.update.mutate(input);
    output(source, () => table([sourceRow(source)]));
  });
sources
  .command('delete <sourceId>')
  .description('remove a source with its collections and path mappings (the catalogue stays)')
  .action(async (id: string) => {
    const result = await api().sources.delete.mutate({ id });
    output(result, () => `deleted source ${id}`);
  });

// ---- collections ----

type Collection = RouterOutputs['collections']['get'];
const collectionRow = (c: Collection, sourceNames: Map<string, string>) => ({
  id: c.id,
  name: c.name,
  source: sourceNames.get(c.sourceId) ?? c.sourceId,
  enabled: c.enabled ? 'yes' : 'no',
  externalId: c.externalId,
});

async function sourceNames(client: RetrovueClient): Promise<Map<string, string>> {
  const { items } = await client.sources.list.query({ limit: 500 });
  return new Map(items.map((s) => [s.id, `${s.name} (${s.kind})`]));
}

const collections = program.command('collections').description('libraries within sources');
collections
  .command('discover <sourceId>')
  .description('ask the source for its libraries (new ones start disabled)')
  .action(async (sourceId: string) => {
    context.sourceId = sourceId;
    const client = api();
    const found = await client.collections.discover.mutate({ sourceId });
    const names = await sourceNames(client);
    output(found, () => table(found.map((c) => collectionRow(c, names))));
  });
collections
  .command('list')
  .option('--source <sourceId>')
  .action(async (o: { source?: string }) => {
    const client = api();
    const [page, names] = await Promise.all([
      client.collections.list.query({ limit: 500, ...(o.source ? { sourceId: o.source } : {}) }),
      sourceNames(client),
    ]);
    output(page, () => table(page.items.map((c) => collectionRow(c, names))));
  });
for (const [name, enabled] of [
  ['enable', true],
  ['disable', false],
] as const) {
  collections.command(`${name} <collectionId>`).action(async (id: string) => {
    context.collectionId = id;
    const client = api();
    const c = await client.collections.update.mutate({ id, enabled });
    output(c, () => `${c.name} (${c.id}) ${c.enabled ? 'enabled' : 'disabled'}`);
  });
}

program
  .command('map <collectionId> <sourcePath> <localPath>')
  .description('map a path as the source sees it to this machine, e.g. "D:\\Media\\TV" /mnt/tv')
  .action(async (collectionId: string, plexPath: string, localPath: string) => {
    context.collectionId = collectionId;
    const m = await api().pathMappings.create.mutate({ collectionId, plexPath, localPath });
    output(m, () => table([{ id: m.id, sourcePath: m.plexPath, localPath: m.localPath }]));
  });

// ---- ingest ----

program
  .command('ingest <collectionId>')
  .description('pull a whole collection from its source, with progress and a final report')
  .action(async (collectionId: string) => {
    context.collectionId = collectionId;
    const client = api();
    const job = await client.ingest.start.mutate({ collectionId });
    const started = Date.now();
    let frame = 0;
    const progressOf = (s: typeof job): ProgressState => ({
      ...s.progress,
      itemsTotal: (s.progress as { itemsTotal?: number | null }).itemsTotal ?? null,
      elapsedMs: Date.now() - started,
    });
    const bar = new SingleBar({
      format: (_options, _params, payload: { line: string }) => payload.line,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      hideCursor: true,
    });
    bar.start(1, 0, { line: progressLine(progressOf(job), frame) });
    let status = job;
    while (status.state === 'queued' || status.state === 'running') {
      await new Promise((r) => setTimeout(r, 200));
      status = await client.ingest.status.query({ jobId: job.id });
      bar.update(0, { line: progressLine(progressOf(status), ++frame) });
    }
    bar.update(0, { line: progressLine(progressOf(status), ++frame) });
    bar.stop();
    if (status.state === 'failed') throw new Error(cliHint(`${status.error?.code}: ${status.error?.message}`, context));
    if (status.state === 'cancelled') throw new Error('the ingest job was cancelled');
    const report = status.report!;
    output(report, () => {
      const { byKind, removedAssets, ...totals } = report;
      return [
        table([totals]),
        '',
        table(Object.entries(byKind).map(([kind, c]) => ({ kind, ...c }))),
        ...(removedAssets.length ? ['', 'gone from the source:', table(removedAssets)] : []),
      ].join('\n');
    });
  });

program
  .command('parse <path...>')
  .description('how the folder scanner reads these paths (kind, show/title, numbers, reason); touches nothing')
  .action(async (paths: string[]) => {
    const { items } = await api().ingest.parsePaths.query({ paths });
    output({ items }, () =>
      table(items.map(({ providerIds, ...item }) => ({ ...item, ...(providerIds && { ids: JSON.stringify(providerIds) }) }))),
    );
  });

// ---- reviews ----

/** "...; suggested episode <uuid>" in a review reason. */
const SUGGESTED = /suggested episode ([0-9a-f-]{36})/i;

const reviews = program.command('reviews').description('the review queue');
reviews
  .command('list')
  .option('--status <status>', 'pending | resolved | rejected', 'pending')
  .action(async (o: { status: 'pending' | 'resolved' | 'rejected' }) => {
    const client = api();
    const { items, nextCursor } = await client.reviews.list.query({ status: o.status, limit: 500 });
    // Calls made together are batched by the SDK: a few HTTP requests, not one per row.
    const assetsById = new Map(
      (
        await Promise.all(
          [...new Set(items.map((r) => r.assetId))].map((id) => client.assets.get.query({ id }).catch(() => null)),
        )
      )
        .filter((a) => a !== null)
        .map((a) => [a.id, a]),
    );
    const suggestedIds = [...new Set(items.map((r) => SUGGESTED.exec(r.reason)?.[1]).filter((id): id is string => Boolean(id)))];
    const episodesById = new Map(
      (await Promise.all(suggestedIds.map((id) => client.episodes.get.query({ id, include: ['title'] }).catch(() => null))))
        .filter((e) => e !== null)
        .map((e) => [e.id, e]),
    );
    const rows = items.map((r) => {
      const suggestedId = SUGGESTED.exec(r.reason)?.[1];
      const episode = suggestedId ? episodesById.get(suggestedId) : undefined;
      const suggested = episode
        ? `${episode.title?.name ?? ''} ${episode.number === null ? '' : `#${episode.number}`} ${episode.name ?? ''}`
            .replace(/\s+/g, ' ')
            .trim()
        : '';
      return {
        id: r.id,
        file: assetsById.get(r.assetId)?.uri ?? r.assetId,
        confidence: r.confidence,
        reason: r.reason.replace(SUGGESTED, '').replace(/;\s*$/, ''),
        suggestedEpisode: suggested,
        suggestedEpisodeId: episode?.id ?? '',
      };
    });
    output({ items: rows, nextCursor }, () => table(rows));
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
    output(r, () => `review ${r.id} ${r.status}`);
  });
reviews.command('reject <reviewId>').action(async (id: string) => {
  const r = await api().reviews.reject.mutate({ id });
  output(r, () => `review ${r.id} ${r.status}`);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const message = isRetrovueError(err)
    ? `${err.code}: ${cliHint(err.message, context)}`
    : err instanceof TRPCClientError
      ? `cannot reach the server at ${trpcUrl(opts().url)} (${rootCause(err)})`
      : err instanceof Error
        ? cliHint(err.message, context)
        : String(err);
  console.error(`retrovue: ${message}`);
  process.exit(1);
}
