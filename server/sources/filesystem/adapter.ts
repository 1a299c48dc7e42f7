import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { canonicalFileUri } from '../../domain/fileUri.js';
import type { IngestAssetItem, IngestItem } from '../../domain/items.js';
import { collectionKey } from '../../domain/keys.js';
import { ServiceError } from '../../errors.js';
import { joinVersion, type PullBatch, type PullInput, type PullItemsInput, type SourceAdapter } from '../port.js';
import { itemsForFile, partGroupKey } from './catalogItems.js';
import { FilesystemSourceConfig } from './config.js';
import type { ProviderIds } from './naming/names.js';
import { applyNfo, parseNfo, type NfoMetadata, type NfoResult, type Sidecars } from './naming/nfo.js';
import { parseMediaPath, type ParsedPath } from './naming/parsePath.js';
import { VIDEO_EXTENSIONS } from './naming/vocabulary.js';
import { probeFile, type ProbeResult } from './probe.js';
import { watchFolders } from './watch.js';

export { parseMediaPath, VIDEO_EXTENSIONS };

/** One folder of the walk: its video files and NFO sidecars, by name. */
interface Folder {
  dir: string;
  videos: string[];
  nfos: Set<string>;
}

/** The most an NFO may weigh: tinyMediaManager's are a few kB; anything larger is not one. */
const MAX_NFO_BYTES = 1_000_000;

/**
 * The collection's folder, checked before anything is read: a missing, unreadable or unmounted
 * root fails the ingest (nothing is reported removed), instead of looking like an emptied library.
 */
async function checkRoot(root: string, knownFiles: number): Promise<void> {
  const unavailable = (why: string) =>
    new ServiceError('SERVICE_UNAVAILABLE', `the collection's folder ${root} ${why}; nothing was changed (is the disk mounted?)`);
  let entries: string[];
  try {
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) throw unavailable('is not a folder');
    entries = await fs.readdir(root);
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw unavailable(
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read'
          : `cannot be read (${code})`,
    );
  }
  // An unmounted disk often leaves its mount point behind, empty.
  if (entries.length === 0 && knownFiles > 0) throw unavailable(`is empty while ${knownFiles} of its files are catalogued`);
}

/**
 * Every folder under `root` with its video files, in a stable order (files before subfolders, so
 * the parts of one version arrive together), skipping hidden files and folders. A subfolder that
 * cannot be read is reported through `unreadable`, so its files are not taken for removed.
 */
export async function* walkFolders(root: string, unreadable: (dir: string) => void): AsyncGenerator<Folder> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    unreadable(root);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  const videos = visible.filter((e) => e.isFile() && VIDEO_EXTENSIONS.has(path.extname(e.name).toLowerCase())).map((e) => e.name);
  const nfos = new Set(visible.filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.nfo')).map((e) => e.name));
  if (videos.length) yield { dir: root, videos, nfos };
  for (const entry of visible) if (entry.isDirectory()) yield* walkFolders(path.join(root, entry.name), unreadable);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function safeProbe(file: string): Promise<ProbeResult | null> {
  try {
    return await probeFile(file);
  } catch {
    return null;
  }
}

/** Reads NFO files once per scan (tvshow.nfo serves every episode below it). */
class NfoReader {
  private readonly cache = new Map<string, Promise<{ result: NfoResult; mtimeMs: number } | null>>();

  read(file: string, kind: 'show' | 'episode' | 'movie') {
    const key = `${kind}:${file}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = (async () => {
        const stat = await fs.stat(file).catch(() => null);
        if (!stat?.isFile()) return null;
        if (stat.size > MAX_NFO_BYTES)
          return { result: { ok: false as const, reason: 'too large to be an NFO' }, mtimeMs: stat.mtimeMs };
        const content = await fs.readFile(file, 'utf8').catch(() => null);
        if (content === null) return { result: { ok: false as const, reason: 'cannot be read' }, mtimeMs: stat.mtimeMs };
        return { result: parseNfo(content, kind), mtimeMs: stat.mtimeMs };
      })();
      this.cache.set(key, hit);
    }
    return hit;
  }
}

interface Sidecar {
  result: NfoResult;
  file: string;
  mtimeMs: number;
}

/** The NFOs that speak for one video: `<name>.nfo` or `movie.nfo` beside it, `tvshow.nfo` in the show's folder. */
async function sidecarsFor(root: string, folder: Folder, video: string, parsed: ParsedPath, nfo: NfoReader) {
  const found: { show?: Sidecar; episode?: Sidecar; movie?: Sidecar } = {};
  const stemNfo = `${path.parse(video).name}.nfo`;
  const own = [...folder.nfos].find((n) => n.toLowerCase() === stemNfo.toLowerCase());
  const load = async (file: string, kind: 'show' | 'episode' | 'movie') => {
    const got = await nfo.read(file, kind);
    return got ? { ...got, file } : undefined;
  };
  if (parsed.kind === 'movie' || parsed.kind === 'unknown') {
    const movieNfo = [...folder.nfos].find((n) => n.toLowerCase() === 'movie.nfo');
    const file = own ?? movieNfo;
    // An unknown file's own NFO may say it is an episode: read it as one when it holds <episodedetails>.
    if (file) found.movie = await load(path.join(folder.dir, file), 'movie');
    if (parsed.kind === 'unknown' && own) found.episode = await load(path.join(folder.dir, own), 'episode');
  }
  if (parsed.kind === 'episode' || parsed.kind === 'unknown') {
    if (own && parsed.kind === 'episode') found.episode = await load(path.join(folder.dir, own), 'episode');
    // tvshow.nfo: in this folder or one above it (a season folder's parent), never above the root.
    for (let dir = folder.dir; ; dir = path.dirname(dir)) {
      const show = await load(path.join(dir, 'tvshow.nfo'), 'show');
      if (show) {
        found.show = show;
        break;
      }
      if (path.relative(root, dir) === '' || path.dirname(dir) === dir) break;
    }
  }
  return found;
}

interface ScannedFile {
  file: string;
  rel: string;
  key: string;
  size: number;
  mtimeMs: number;
  parsed: ParsedPath;
  sidecars: { show?: Sidecar; episode?: Sidecar; movie?: Sidecar };
  /** Set once the NFOs are applied. */
  episodeIds?: ProviderIds;
  titleMetadata?: NfoMetadata;
  episodeMetadata?: NfoMetadata;
}

function assetFor(scanned: ScannedFile, probe: ProbeResult | null, hash: string | null): IngestAssetItem {
  return {
    uri: canonicalFileUri(scanned.file),
    size: scanned.size,
    durationMs: probe?.durationMs ?? null,
    videoCodec: probe?.videoCodec ?? null,
    audioCodec: probe?.audioCodec ?? null,
    container: probe?.container ?? (path.extname(scanned.file).slice(1).toLowerCase() || null),
    hashSha256: hash,
    canonical: true,
    providerRefs: [{ provider: 'filesystem', key: scanned.key, raw: { size: scanned.size, mtimeMs: scanned.mtimeMs } }],
  };
}

/** The scanner's own doubt about a file, naming it: the probe failed, or the file is damaged. */
function probeDoubt(rel: string, probe: ProbeResult | null): IngestItem['review'] | undefined {
  if (!probe) return { reason: `${rel}: the media probe could not read this file`, confidence: 0.5 };
  if (probe.damaged) return { reason: `${rel}: the file looks damaged (truncated or malformed)`, confidence: 0.5 };
  return undefined;
}

const BATCH_SIZE = 100;

/** One video of a folder, named, its sidecars read; `extra` for a file left out as an extra, null for one to ignore or gone. */
async function scanVideo(
  root: string,
  folder: Folder,
  video: string,
  nfo: NfoReader,
  collectionId: string,
): Promise<ScannedFile | 'extra' | null> {
  const file = path.join(folder.dir, video);
  const rel = path.relative(root, file).split(path.sep).join('/');
  const parsed = parseMediaPath(rel);
  if (parsed.kind === 'extra') return 'extra';
  if (parsed.kind === 'ignored') return null;
  const stat = await fs.stat(file).catch(() => null);
  if (!stat) return null;
  const sidecars = await sidecarsFor(root, folder, video, parsed, nfo);
  // An edited NFO makes its video "changed": the newest of their mtimes is the stored version.
  const mtimeMs = Math.round(Math.max(stat.mtimeMs, ...Object.values(sidecars).map((s) => s?.mtimeMs ?? 0)));
  return { file, rel, key: collectionKey(collectionId, rel), size: stat.size, mtimeMs, parsed, sidecars };
}

/** A collection's folder: its config's `path`, else its external id (the path it was discovered as). */
export const collectionRoot = (collection: { externalId: string; config: Record<string, unknown> | null }): string =>
  typeof collection.config?.path === 'string' ? collection.config.path : collection.externalId;

/** One folder as the walk sees it (its videos and NFOs), or null when it cannot be read. */
async function readFolder(dir: string): Promise<Folder | null> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => null);
  if (!entries) return null;
  const visible = entries.filter((e) => !e.name.startsWith('.') && e.isFile());
  return {
    dir,
    videos: visible
      .filter((e) => VIDEO_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort(),
    nfos: new Set(visible.filter((e) => e.name.toLowerCase().endsWith('.nfo')).map((e) => e.name)),
  };
}

/**
 * Just the named paths of a folder collection (live sync; relative to its folder, `/`-separated):
 * a video is scanned as a full scan would (name, NFOs, probe, the other parts of its version); an
 * NFO brings the videos of its folder; a folder everything under it. A path that no longer exists
 * comes back in `gone`. Nothing is inferred about other files.
 */
async function* pullFiles({ config, collection, keys }: PullItemsInput<FilesystemSourceConfig>): AsyncGenerator<PullBatch> {
  const root = collectionRoot(collection);
  const gone: string[] = [];
  const wanted = new Map<string, Set<string> | 'all'>();
  const want = (dir: string, video: string | 'all') => {
    const current = wanted.get(dir);
    if (video === 'all' || current === 'all') return wanted.set(dir, 'all');
    wanted.set(dir, (current ?? new Set()).add(video));
  };
  for (const key of keys) {
    const abs = path.resolve(root, key);
    if (path.relative(root, abs).startsWith('..')) continue; // not under the collection's folder
    const stat = await fs.stat(abs).catch(() => null);
    if (!stat) gone.push(key);
    else if (stat.isDirectory()) {
      for await (const folder of walkFolders(abs, () => undefined)) want(folder.dir, 'all');
    } else if (abs.toLowerCase().endsWith('.nfo')) want(path.dirname(abs), 'all');
    else if (VIDEO_EXTENSIONS.has(path.extname(abs).toLowerCase())) want(path.dirname(abs), path.basename(abs));
  }
  // An unmounted or emptied folder is not a deletion of everything in it.
  if (gone.length) await checkRoot(root, 1);
  const nfo = new NfoReader();
  const batch: PullBatch = { items: [], extras: 0, notices: [], gone };
  for (const [dir, videos] of wanted) {
    const folder = await readFolder(dir);
    if (!folder) continue;
    const scanned: ScannedFile[] = [];
    for (const video of folder.videos) {
      const s = await scanVideo(root, folder, video, nfo, collection.id);
      if (s === 'extra' && (videos === 'all' || videos.has(video))) batch.extras!++;
      if (s && s !== 'extra') scanned.push(s);
    }
    // The named videos, and every other part of a version one of them belongs to.
    const named = scanned.filter((s) => videos === 'all' || videos.has(path.basename(s.file)));
    const groups = new Set(named.map((s) => partGroupKey(dir, s.parsed)).filter((k) => k !== null));
    await addFolderItems(
      scanned.filter((s) => named.includes(s) || groups.has(partGroupKey(dir, s.parsed) ?? '')),
      config,
      batch,
    );
  }
  yield batch;
}

/**
 * Walks the collection's folder. Files whose size and mtime (and their NFOs' mtimes) are unchanged
 * since the last scan are not probed again (only named as skipped, so they count as present); new
 * and changed files are parsed (name and NFO sidecars), probed, and hashed when the source asks.
 * Extras (trailers, samples, featurettes...) are counted, never catalogued.
 */
async function* pullFolder({ config, collection, storedVersions }: PullInput<FilesystemSourceConfig>): AsyncGenerator<PullBatch> {
  const root = collectionRoot(collection);
  await checkRoot(root, storedVersions.size);
  const nfo = new NfoReader();
  let batch: PullBatch = { items: [], skippedKeys: [], extras: 0, notices: [] };
  const flush = function* (force: boolean): Generator<PullBatch> {
    const size = batch.items.length + batch.skippedKeys!.length / 10;
    if (
      size >= BATCH_SIZE ||
      (force && (batch.items.length || batch.skippedKeys!.length || batch.extras || batch.notices!.length))
    ) {
      yield batch;
      batch = { items: [], skippedKeys: [], extras: 0, notices: [] };
    }
  };
  const unreadable: string[] = [];
  for await (const folder of walkFolders(root, (dir) => unreadable.push(dir))) {
    const changed: ScannedFile[] = [];
    const unchanged: ScannedFile[] = [];
    for (const video of folder.videos) {
      const scanned = await scanVideo(root, folder, video, nfo, collection.id);
      if (scanned === 'extra') batch.extras!++;
      if (scanned === 'extra' || scanned === null) continue;
      const { key, size, mtimeMs } = scanned;
      if (storedVersions.get(key) === joinVersion(size, mtimeMs)) {
        batch.skippedKeys!.push(key);
        unchanged.push(scanned);
      } else changed.push(scanned);
    }
    // A version made of parts is read whole: one changed part brings its unchanged siblings along.
    const changedGroups = new Set(changed.map((s) => partGroupKey(folder.dir, s.parsed)).filter((k) => k !== null));
    if (changedGroups.size)
      for (const s of unchanged)
        if (changedGroups.has(partGroupKey(folder.dir, s.parsed) ?? '')) {
          changed.push(s);
          batch.skippedKeys!.splice(batch.skippedKeys!.indexOf(s.key), 1);
        }
    await addFolderItems(changed, config, batch);
    yield* flush(false);
  }
  // Files under a folder that could not be read are still there as far as anyone knows.
  for (const dir of unreadable) {
    const rel = path.relative(root, dir).split(path.sep).join('/');
    const prefix = collectionKey(collection.id, rel ? `${rel}/` : '');
    for (const key of storedVersions.keys()) if (key.startsWith(prefix)) batch.skippedKeys!.push(key);
    batch.notices!.push(`${rel || '.'}: the folder could not be read; its files were left as they were`);
  }
  yield* flush(true);
}

/**
 * One folder's changed files as items: NFOs applied, parts (`cd1`, `cd2`) gathered into one
 * version made of parts (the first file the version, the rest its parts), each probed.
 */
async function addFolderItems(files: ScannedFile[], config: FilesystemSourceConfig, batch: PullBatch): Promise<void> {
  const groups = new Map<string, ScannedFile[]>();
  for (const scanned of files) {
    const names: Record<string, string> = {};
    const sidecars: Sidecars = {};
    for (const kind of ['show', 'episode', 'movie'] as const) {
      const s = scanned.sidecars[kind];
      if (s) {
        sidecars[kind] = s.result;
        names[kind] = s.file;
      }
    }
    const applied = applyNfo(scanned.parsed, sidecars, names);
    scanned.parsed = applied.parsed;
    batch.notices!.push(...applied.problems);
    const group = partGroupKey(path.dirname(scanned.file), scanned.parsed) ?? scanned.key;
    groups.set(group, [...(groups.get(group) ?? []), scanned]);
    scanned.episodeIds = applied.episodeIds;
    scanned.titleMetadata = applied.titleMetadata;
    scanned.episodeMetadata = applied.episodeMetadata;
  }
  for (const members of groups.values()) {
    members.sort((a, b) => (a.parsed.part ?? 0) - (b.parsed.part ?? 0));
    const [first, ...rest] = members;
    const assets: IngestAssetItem[] = [];
    const doubts: NonNullable<IngestItem['review']>[] = [];
    for (const scanned of members) {
      const probe = await safeProbe(scanned.file);
      const hash = config.hash ? await sha256File(scanned.file) : null;
      assets.push(assetFor(scanned, probe, hash));
      const doubt = probeDoubt(scanned.rel, probe);
      if (doubt) doubts.push(doubt);
    }
    const review = doubts[0];
    const { episodeIds, titleMetadata, episodeMetadata } = first!;
    // Parts (`cd1`, `cd2`, ...) are one version: the first file is the version, the rest its parts in play order.
    const version: IngestAssetItem = {
      ...assets[0]!,
      ...(first!.parsed.edition && { edition: first!.parsed.edition.slice(0, 100) }),
      ...(rest.length && { parts: assets.slice(1).map(({ canonical: _canonical, ...part }) => part) }),
    };
    batch.items.push(
      ...itemsForFile(first!.parsed, version, {
        ...(review && { review }),
        ...(episodeIds && { episodeIds }),
        ...(titleMetadata && { titleMetadata }),
        ...(episodeMetadata && { episodeMetadata }),
      }),
    );
  }
}

export const filesystemAdapter = {
  provider: 'filesystem',
  config: FilesystemSourceConfig,
  configUpdate: FilesystemSourceConfig,
  versions: { entityType: 'asset', fields: ['size', 'mtimeMs'] },

  /** One collection per configured folder. */
  async discover(config: FilesystemSourceConfig) {
    return config.paths.map((p) => ({ externalId: p, name: path.basename(p) || p, config: { path: p } }));
  },

  /** Every configured folder must exist and be readable: a typo or an unmounted disk is refused up front. */
  async verify(config) {
    for (const [i, p] of config.paths.entries()) {
      const stat = await fs.stat(p).catch(() => null);
      if (!stat) throw new ServiceError('BAD_REQUEST', `config.paths.${i}: ${p} does not exist on this server`);
      if (!stat.isDirectory()) throw new ServiceError('BAD_REQUEST', `config.paths.${i}: ${p} is not a folder`);
      await fs.access(p, fs.constants.R_OK | fs.constants.X_OK).catch(() => {
        throw new ServiceError('BAD_REQUEST', `config.paths.${i}: ${p} cannot be read by this server`);
      });
    }
  },

  pull: pullFolder,
  pullItems: pullFiles,
  listen: (input) => watchFolders(input, collectionRoot),
} satisfies SourceAdapter<FilesystemSourceConfig>;
