import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { conflict, mapError, notFound } from '../../errors.js';
import { SourceCollection } from '../../models/index.js';
import { IngestRun, type IngestReport } from './core.js';
import { pullCollection } from './pull.js';

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

async function run(db: Knex, job: IngestJob, collection: SourceCollection): Promise<IngestJob> {
  const ingest = new IngestRun(db, {
    collectionId: collection.id,
    onProgress: ({ itemsDone, batchesDone, report }) => {
      job.progress = { itemsDone, batchesDone };
      job.report = report;
    },
  });
  try {
    job.report = await pullCollection(db, collection, ingest);
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
export async function startCollectionIngest(db: Knex, collectionId: string): Promise<IngestJob> {
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
    run(db, job, collection).finally(() => running.delete(job.id)),
  );
  return snapshot(job);
}

/** Runs a collection ingest to the end; a failed run answers with its error. */
export async function runCollectionIngest(db: Knex, collectionId: string): Promise<IngestJob> {
  const started = await startCollectionIngest(db, collectionId);
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
