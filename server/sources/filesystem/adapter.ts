import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IngestItem } from '../../domain/items.js';
import { collectionKey } from '../../domain/keys.js';
import { joinVersion, type PullBatch, type PullInput, type SourceAdapter } from '../port.js';
import { FilesystemSourceConfig } from './config.js';
import { probeFile, type ProbeResult } from './probe.js';

export const VIDEO_EXTENSIONS = new Set([
  '.mkv',
  '.mp4',
  '.m4v',
  '.avi',
  '.mov',
  '.mpg',
  '.mpeg',
  '.ts',
  '.m2ts',
  '.wmv',
  '.webm',
  '.flv',
  '.vob',
  '.ogv',
]);

export type ParsedPath =
  | { kind: 'episode'; show: string; year: number | null; season: number; episode: number; name: string | null }
  | { kind: 'movie'; name: string; year: number };

const clean = (s: string) =>
  s
    .replace(/[._]+/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s-]+|[\s-]+$/g, '')
    .trim();

function splitYear(name: string): { name: string; year: number | null } {
  const match = /^(.*?)[\s.(\[]*((?:19|20)\d{2})[)\]]?\s*$/.exec(name);
  return match && clean(match[1]!) ? { name: clean(match[1]!), year: Number(match[2]) } : { name: clean(name), year: null };
}

const EPISODE = /^(?<show>.*?)[\s._-]*\bS(?<season>\d{1,2})[\s._-]*E(?<episode>\d{1,3})\b(?:[\s._-]+(?<name>.+))?$/i;
const MOVIE = /^(?<name>.+?)[\s._]*\((?<year>(?:19|20)\d{2})\)/;

/**
 * Reads a title from a path relative to the collection root:
 * `Show/Season 01/Show - S01E02 - Name.mkv`, `Show.S01E02.mkv`, `Show (2008) - S01E01.mkv`,
 * `Movie (1999)/Movie (1999).mkv`. Case-insensitive. Null when the name says nothing usable.
 */
export function parseMediaPath(relativePath: string): ParsedPath | null {
  const parts = relativePath.split(/[\\/]+/).filter(Boolean);
  const base = path.parse(parts[parts.length - 1] ?? '').name;
  const episode = EPISODE.exec(base);
  if (episode?.groups) {
    // The show is named in the file, else by the top folder (`Show/Season 01/S01E02.mkv`).
    const fromFile = clean(episode.groups.show ?? '');
    const showSource = fromFile || (parts.length > 1 && !/^season\s*\d+$/i.test(parts[0]!) ? parts[0]! : '');
    if (!showSource) return null;
    const { name: show, year } = splitYear(showSource);
    const name = episode.groups.name ? clean(episode.groups.name) || null : null;
    return { kind: 'episode', show, year, season: Number(episode.groups.season), episode: Number(episode.groups.episode), name };
  }
  const movie = MOVIE.exec(base) ?? (parts.length > 1 ? MOVIE.exec(parts[parts.length - 2]!) : null);
  if (movie?.groups) return { kind: 'movie', name: clean(movie.groups.name!), year: Number(movie.groups.year) };
  return null;
}

/** Every video file under `root`, skipping hidden files and folders, in a stable order. */
export async function* walkVideos(root: string): AsyncGenerator<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    return; // a folder that vanished mid-walk, or unreadable: its files count as gone
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) yield* walkVideos(full);
    else if (entry.isFile() && VIDEO_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) yield full;
  }
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

function itemFor(
  file: string,
  rel: string,
  key: string,
  stat: { size: number; mtimeMs: number },
  probe: ProbeResult | null,
  hash: string | null,
): IngestItem {
  const parsed = parseMediaPath(rel);
  const asset = {
    uri: pathToFileURL(file).href,
    size: stat.size,
    durationMs: probe?.durationMs ?? null,
    videoCodec: probe?.videoCodec ?? null,
    audioCodec: probe?.audioCodec ?? null,
    container: probe?.container ?? (path.extname(file).slice(1).toLowerCase() || null),
    hashSha256: hash,
    canonical: true,
    providerRefs: [{ provider: 'filesystem', key, raw: { size: stat.size, mtimeMs: Math.round(stat.mtimeMs) } }],
  };
  const review = !probe
    ? { review: { reason: 'the media probe could not read this file', confidence: 0.5 } }
    : probe.damaged
      ? { review: { reason: 'the file looks damaged (truncated or malformed)', confidence: 0.5 } }
      : {};
  if (!parsed) return { assets: [asset], ...review };
  if (parsed.kind === 'movie') {
    return {
      title: { kind: 'movie', name: parsed.name, year: parsed.year },
      episode: { number: null, name: parsed.name },
      assets: [asset],
      ...review,
    };
  }
  return {
    title: { kind: 'show', name: parsed.show, year: parsed.year },
    season: { number: parsed.season },
    episode: { number: parsed.episode, name: parsed.name },
    assets: [asset],
    ...review,
  };
}

const BATCH_SIZE = 100;

/**
 * Walks the collection's folder. Files whose size and mtime are unchanged since the last scan
 * are not probed again (only named as skipped, so they count as present); new and changed files
 * are probed (and hashed when the source asks for it).
 */
async function* pullFolder({ config, collection, storedVersions }: PullInput<FilesystemSourceConfig>): AsyncGenerator<PullBatch> {
  const root = typeof collection.config?.path === 'string' ? collection.config.path : collection.externalId;
  let batch: PullBatch = { items: [], skippedKeys: [] };
  for await (const file of walkVideos(root)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const key = collectionKey(collection.id, rel);
    const stat = await fs.stat(file).catch(() => null);
    if (!stat) continue;
    if (storedVersions.get(key) === joinVersion(stat.size, Math.round(stat.mtimeMs))) {
      batch.skippedKeys!.push(key);
    } else {
      const probe = await safeProbe(file);
      const hash = config.hash ? await sha256File(file) : null;
      batch.items.push(itemFor(file, rel, key, stat, probe, hash));
    }
    if (batch.items.length >= BATCH_SIZE || batch.skippedKeys!.length >= 10 * BATCH_SIZE) {
      yield batch;
      batch = { items: [], skippedKeys: [] };
    }
  }
  if (batch.items.length || batch.skippedKeys!.length) yield batch;
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

  pull: pullFolder,
} satisfies SourceAdapter<FilesystemSourceConfig>;
