import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { conflict, mapError, notFound } from '../../errors.js';
import { SourceCollection } from '../../models/index.js';
import { FilesystemSourceConfig } from '../../sources/config.js';
import { pullFilesystem } from '../../sources/filesystem.js';
import type { AdapterOptions } from '../../sources/index.js';
import { badRequest } from '../../errors.js';
import { PlexSourceConfig } from '../../sources/config.js';
import { pullPlexCollection } from '../../sources/plex/collection.js';
import { PlexHttp } from '../../sources/plex/http.js';
import { emptyPullStats, type PlexPullStats } from '../../sources/plex/sync.js';
import type { CollectionPull } from '../../sources/types.js';
import { IngestRun, type IngestReport } from './core.js';
import type { IngestItem } from './items.js';

/** A collection ingest, followed through `ingest.status` while it runs (kept in memory, last 100). */
export interface IngestJob {
  id: string;
  collectionId: string;
  state: 'running' | 'done' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  progress: { itemsDone: number; batchesDone: number };
  report: IngestReport | null;
  error: { code: string; message: string } | null;
}

const jobs = new Map<string, IngestJob>();
const running = new Map<string, Promise<IngestJob>>();
/** The error a failed run ended with, for a caller waiting on it to rethrow (mapped once, by the error map). */
const failures = new Map<string, unknown>();
const KEEP_JOBS = 100;

function remember(job: IngestJob): void {
  jobs.set(job.id, job);
  while (jobs.size > KEEP_JOBS) jobs.delete(jobs.keys().next().value!);
}

const snapshot = (job: IngestJob): IngestJob => structuredClone(job);

export function getJob(id: string): IngestJob {
  const job = jobs.get(id);
  if (!job) throw notFound('ingest job', id);
  return snapshot(job);
}

async function* itemsOf(
  db: Knex,
  collection: SourceCollection,
  pull: CollectionPull,
  options: AdapterOptions,
  stats: PlexPullStats,
): AsyncGenerator<IngestItem[]> {
  const source = collection.source!;
  if (source.kind === 'plex') {
    const config = PlexSourceConfig.safeParse(source.config);
    if (!config.success) throw badRequest('the Plex source config needs baseUrl and token');
    const http = new PlexHttp({ ...config.data, fetch: options.fetch });
    yield* pullPlexCollection(db, http, collection, collection.pathMappings ?? [], pull, stats);
  } else {
    const config = FilesystemSourceConfig.safeParse(source.config);
    yield* pullFilesystem(db, collection, { hash: config.success && config.data.hash === true }, pull);
  }
}

async function run(db: Knex, job: IngestJob, collection: SourceCollection, options: AdapterOptions): Promise<IngestJob> {
  const pull: CollectionPull = {
    provider: collection.source!.kind,
    keyPrefix: `${collection.id}:`,
    seenKeys: [],
    keepPrefixes: [],
    skipped: 0,
  };
  const ingest = new IngestRun(db, {
    collectionId: collection.id,
    onProgress: ({ itemsDone, batchesDone, report }) => {
      job.progress = { itemsDone, batchesDone };
      job.report = report;
    },
  });
  try {
    const stats = emptyPullStats();
    for await (const items of itemsOf(db, collection, pull, options, stats)) {
      for (const item of items)
        for (const asset of item.assets.flatMap((a) => [a, ...(a.parts ?? [])]))
          for (const ref of asset.providerRefs ?? [])
            if (ref.provider === pull.provider && ref.key.startsWith(pull.keyPrefix)) pull.seenKeys.push(ref.key);
      await ingest.push(items);
    }
    job.report = await ingest.finish(pull);
    if (collection.source!.kind === 'plex')
      job.report.source = {
        requests: stats.requests,
        markerRequests: stats.markerRequests,
        rejected: stats.rejected,
        rejectedCount: stats.rejectedCount,
        markersClamped: stats.markers.clamped,
        markersDropped: stats.markers.dropped,
      };
    job.state = 'done';
  } catch (err) {
    const { code, message } = mapError(err);
    job.state = 'failed';
    job.error = { code, message };
    failures.set(job.id, err);
  } finally {
    job.finishedAt = new Date();
  }
  return job;
}

/** Checks the collection, then runs its ingest in the background; one run per collection at a time. */
export async function startCollectionIngest(db: Knex, collectionId: string, options: AdapterOptions = {}): Promise<IngestJob> {
  const collection = await SourceCollection.query(db).findById(collectionId).withGraphFetched('[source, pathMappings]');
  if (!collection) throw notFound('collection', collectionId);
  if (!collection.enabled) throw conflict('the collection is disabled; enable it with collections.update first');
  const active = [...jobs.values()].find((j) => j.collectionId === collectionId && j.state === 'running');
  if (active) return snapshot(active);
  const job: IngestJob = {
    id: randomUUID(),
    collectionId,
    state: 'running',
    startedAt: new Date(),
    finishedAt: null,
    progress: { itemsDone: 0, batchesDone: 0 },
    report: null,
    error: null,
  };
  remember(job);
  running.set(
    job.id,
    run(db, job, collection, options).finally(() => running.delete(job.id)),
  );
  return snapshot(job);
}

/** Runs a collection ingest to the end; a failed run answers with its error. */
export async function runCollectionIngest(db: Knex, collectionId: string, options: AdapterOptions = {}): Promise<IngestJob> {
  const started = await startCollectionIngest(db, collectionId, options);
  const job = (await running.get(started.id)) ?? jobs.get(started.id)!;
  const failure = failures.get(job.id);
  failures.delete(job.id);
  if (job.state === 'failed') throw failure;
  return snapshot(job);
}

/** Waits for every running ingest (graceful shutdown). */
export async function drainIngests(): Promise<void> {
  await Promise.allSettled(running.values());
}
