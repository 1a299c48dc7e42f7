import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { isEmbedded } from '../../db/knex.js';
import { mapError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JsonObject } from '../../models/index.js';
import type { CollectionInfo, ListenState, LiveListener } from '../../sources/port.js';
import { adapterFor, type RegisteredAdapter } from '../../sources/registry.js';
import type { IngestQueue } from '../ingest/queue.js';
import { versionsOf } from '../ingest/storedVersions.js';
import { collectionLive, type CollectionLiveSettings, type LiveSettings } from './settings.js';
import { runTargeted, storedItemKeys, type TargetedJob, type TargetedResult } from './targeted.js';

/**
 * Live sync in a worker process. Every `refreshSeconds` it reads the enabled collections whose
 * config says `live: true` and holds, per group, the source's change feed open: one Plex
 * notification socket per Plex source (all its live sections share it), one folder watch per folder
 * collection. Changes are coalesced per collection (a trailing debounce, `maxWaitMs` at most) into
 * one targeted job (an `ingest_jobs` row of kind `live`, listed by `ingest.list`), worked by any worker.
 *
 * Backstops, per Plex collection: a poll of items updated since the last poll (`pollSeconds`; at
 * once after a dropped stream reconnects), and a deletion sweep (`sweepSeconds`): the section's
 * full listing compared with the catalogue. A folder collection's sweep is a full scan (queued as a
 * collection ingest), also run when its watch starts, for what changed while nobody watched.
 *
 * Several workers: on PostgreSQL each group is held by whichever worker takes its session advisory
 * lock (`pg_try_advisory_lock`, on one connection this process keeps for its locks); the others
 * try again at each refresh, so a worker that dies hands its groups over within a refresh. The
 * embedded database has one process: no locks.
 */

interface Group {
  key: string;
  kind: string;
  adapter: RegisteredAdapter;
  sourceConfig: JsonObject | null;
  collections: Array<CollectionInfo & { live: CollectionLiveSettings }>;
  fingerprint: string;
}

interface Running {
  group: Group;
  listener: LiveListener | null;
  timers: NodeJS.Timeout[];
  state: ListenState;
  /** Per collection: epoch seconds the next poll looks back from, and the poll running or last run. */
  pollSince: Map<string, number>;
  polls: Map<string, Promise<void>>;
  everClosed: boolean;
}

interface Pending {
  changes: Map<string, boolean>;
  timer: NodeJS.Timeout;
  firstAt: number;
}

interface LockConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface LiveSyncEvents {
  queued: [job: TargetedJob];
  done: [job: TargetedJob, result: TargetedResult];
  state: [group: string, state: ListenState, detail: { error?: string; retryInMs?: number; attempt?: number }];
}

export class LiveSync extends EventEmitter<LiveSyncEvents> {
  private readonly running = new Map<string, Running>();
  private readonly pending = new Map<string, Pending>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private lockConn: LockConnection | null = null;
  private stopped = false;
  private stopWork: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Knex,
    private readonly queue: IngestQueue,
    private readonly settings: LiveSettings,
    private readonly log: Logger,
    private readonly options: { batchSize?: number | undefined; worker?: boolean } = {},
  ) {
    super();
  }

  /** Works targeted jobs (when this process is a worker) and starts listening. */
  async start(): Promise<void> {
    if (this.options.worker !== false)
      this.stopWork = await this.queue.workLive(
        async (job) => {
          const result = await runTargeted(this.db, job, { log: this.log, batchSize: this.options.batchSize });
          this.emit('done', job, result);
          return result;
        },
        { deferSeconds: this.settings.deferSeconds },
      );
    if (!this.settings.enabled) return;
    await this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), this.settings.refreshSeconds * 1000);
    this.refreshTimer.unref();
  }

  /** Stops every listener and timer, queues what was pending, and releases the locks. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.refreshing?.catch(() => undefined);
    for (const collectionId of [...this.pending.keys()]) await this.flush(collectionId).catch(() => undefined);
    await Promise.all([...this.running.keys()].map((key) => this.stopGroup(key)));
    await this.releaseLocks();
    const stopWork = this.stopWork;
    this.stopWork = null;
    await stopWork?.().catch(() => undefined);
  }

  /** Groups this process holds, with their stream state (tests, health). */
  held(): Array<{ key: string; state: ListenState; collections: string[] }> {
    return [...this.running.values()].map((r) => ({
      key: r.group.key,
      state: r.state,
      collections: r.group.collections.map((c) => c.id),
    }));
  }

  /** Reads the live collections and starts, restarts or stops listeners to match. */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.refreshing ??= this.reconcile()
      .catch((err: unknown) => this.log.warn({ err: mapError(err).message }, 'live: refresh failed'))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async reconcile(): Promise<void> {
    const wanted = await this.desiredGroups();
    for (const [key, run] of this.running) if (wanted.get(key)?.fingerprint !== run.group.fingerprint) await this.stopGroup(key);
    for (const group of wanted.values()) {
      if (this.stopped || this.running.has(group.key)) continue;
      if (!(await this.tryLock(group.key))) continue;
      this.startGroup(group);
    }
  }

  private async desiredGroups(): Promise<Map<string, Group>> {
    const rows = (await this.db('source_collections as c')
      .join('sources as s', 's.id', 'c.source_id')
      .where('c.enabled', true)
      .whereRaw(`c.config->>'live' = 'true'`)
      .orderBy(['c.source_id', 'c.id'])
      .select(
        'c.id',
        'c.external_id',
        'c.name',
        'c.config',
        's.id as source_id',
        's.kind',
        's.config as source_config',
      )) as Array<{
      id: string;
      external_id: string;
      name: string;
      config: JsonObject | null;
      source_id: string;
      kind: string;
      source_config: JsonObject | null;
    }>;
    const groups = new Map<string, Group>();
    for (const row of rows) {
      const live = collectionLive(row.config, this.settings);
      const adapter = adapterFor(row.kind);
      if (!live || !adapter.live.listen || !adapter.live.pullItems) continue;
      // One Plex socket per server (source); one watch per folder.
      const key = row.kind === 'plex' ? `source:${row.source_id}` : `collection:${row.id}`;
      const group = groups.get(key) ?? {
        key,
        kind: row.kind,
        adapter,
        sourceConfig: row.source_config,
        collections: [],
        fingerprint: '',
      };
      group.collections.push({ id: row.id, externalId: row.external_id, name: row.name, config: row.config, live });
      groups.set(key, group);
    }
    for (const group of groups.values()) group.fingerprint = JSON.stringify([group.sourceConfig, group.collections]);
    return groups;
  }

  private startGroup(group: Group): void {
    const run: Running = {
      group,
      listener: null,
      timers: [],
      state: 'connecting',
      pollSince: new Map(),
      polls: new Map(),
      everClosed: false,
    };
    this.running.set(group.key, run);
    const now = Date.now() / 1000;
    for (const c of group.collections) run.pollSince.set(c.id, now);
    try {
      run.listener = group.adapter.live.listen!({
        config: group.sourceConfig,
        collections: group.collections,
        options: {
          backoffMinMs: this.settings.backoffMinMs,
          backoffMaxMs: this.settings.backoffMaxMs,
          settleMs: this.settings.settleMs,
        },
        onChange: (change) => this.note(change.collectionId, change.key, change.deleted),
        onState: (state, detail) => this.onState(run, state, detail),
      });
    } catch (err) {
      this.log.warn({ group: group.key, err: mapError(err).message }, 'live: cannot listen');
    }
    const every = (seconds: number, task: () => Promise<unknown>) => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy || this.stopped) return;
        busy = true;
        task()
          .catch((err: unknown) => this.log.warn({ group: group.key, err: mapError(err).message }, 'live: backstop failed'))
          .finally(() => (busy = false));
      }, seconds * 1000);
      timer.unref();
      run.timers.push(timer);
    };
    for (const c of group.collections) {
      if (group.adapter.live.changedSince) {
        every(c.live.pollSeconds, () => this.poll(run, c.id));
        // What changed while nobody listened: a poll from the start of the collection's last finished ingest.
        void this.catchUp(run, c.id).catch((err: unknown) =>
          this.log.warn({ err: mapError(err).message }, 'live: catch-up failed'),
        );
      }
      every(c.live.sweepSeconds, () => this.sweep(run, c.id));
      // A folder changed while nobody watched: a full scan (skips what is unchanged) catches it up.
      if (!group.adapter.live.changedSince)
        void this.sweep(run, c.id).catch((err: unknown) =>
          this.log.warn({ err: mapError(err).message }, 'live: catch-up failed'),
        );
    }
    this.log.info({ group: group.key, kind: group.kind, collections: group.collections.map((c) => c.id) }, 'live: listening');
  }

  private onState(run: Running, state: ListenState, detail: { error?: string; retryInMs?: number; attempt?: number }): void {
    const previous = run.state;
    run.state = state;
    this.emit('state', run.group.key, state, detail);
    if (state === 'closed' && this.running.get(run.group.key) === run)
      this.log.warn({ group: run.group.key, ...detail }, 'live: stream closed; reconnecting');
    else if (state === 'open') this.log.info({ group: run.group.key, reconnected: run.everClosed }, 'live: stream open');
    if (state === 'closed') run.everClosed = true;
    // Back after a drop: poll at once for what the stream missed meanwhile.
    if (state === 'open' && previous !== 'open' && run.everClosed && run.group.adapter.live.changedSince)
      for (const c of run.group.collections)
        void this.poll(run, c.id).catch((err: unknown) =>
          this.log.warn({ err: mapError(err).message }, 'live: catch-up poll failed'),
        );
  }

  private async stopGroup(key: string): Promise<void> {
    const run = this.running.get(key);
    if (!run) return;
    this.running.delete(key);
    for (const timer of run.timers) clearInterval(timer);
    await run.listener?.close().catch(() => undefined);
    await this.unlock(key);
    this.log.info({ group: key }, 'live: stopped listening');
  }

  // ---------------------------------------------------------------------------------------------
  // coalescing

  /** One change: joins its collection's pending job (the last word on a key wins). */
  note(collectionId: string, key: string, deleted: boolean): void {
    if (this.stopped) return;
    const now = Date.now();
    let pending = this.pending.get(collectionId);
    if (pending) clearTimeout(pending.timer);
    else pending = { changes: new Map(), timer: undefined as unknown as NodeJS.Timeout, firstAt: now };
    pending.changes.set(key, deleted);
    const wait = Math.max(0, Math.min(this.settings.debounceMs, pending.firstAt + this.settings.maxWaitMs - now));
    pending.timer = setTimeout(() => void this.flush(collectionId).catch(() => undefined), wait);
    this.pending.set(collectionId, pending);
  }

  private async flush(collectionId: string): Promise<void> {
    const pending = this.pending.get(collectionId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(collectionId);
    const entries = [...pending.changes];
    const group = [...this.running.values()].find((r) => r.group.collections.some((c) => c.id === collectionId));
    await this.send({
      collectionId,
      changed: entries.filter(([, d]) => !d).map(([k]) => k),
      deleted: entries.filter(([, d]) => d).map(([k]) => k),
      reason: group?.group.kind === 'filesystem' ? 'watch' : 'notification',
    });
  }

  private async send(job: TargetedJob): Promise<void> {
    if (job.changed.length === 0 && job.deleted.length === 0) return;
    try {
      await this.queue.enqueueLive(job);
      this.emit('queued', job);
    } catch (err) {
      this.log.warn({ collectionId: job.collectionId, err: mapError(err).message }, 'live: could not queue a targeted ingest');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // backstops

  /** One poll of a collection at a time (timer, catch-up, reconnect and manual polls queue behind each other). */
  private poll(run: Running, collectionId: string, prepare?: () => Promise<void>): Promise<void> {
    const previous = run.polls.get(collectionId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        await prepare?.();
        await this.pollOnce(run, collectionId);
      });
    run.polls.set(collectionId, next);
    return next;
  }

  /** Items updated since the last poll (minus the overlap) whose version differs from the stored one. */
  private async pollOnce(run: Running, collectionId: string): Promise<void> {
    const collection = run.group.collections.find((c) => c.id === collectionId);
    if (!collection || !run.group.adapter.live.changedSince || this.stopped) return;
    const startedAt = Date.now() / 1000;
    const since = (run.pollSince.get(collectionId) ?? startedAt) - this.settings.pollOverlapSeconds;
    const adapter = run.group.adapter;
    const changed = await adapter.live.changedSince!({
      config: run.group.sourceConfig,
      collection,
      since,
      lookupVersions: (entityType, keys) => versionsOf(this.db, adapter.provider, adapter.versions.fields, entityType, keys),
    });
    run.pollSince.set(collectionId, startedAt);
    if (changed.length) {
      this.log.info({ collectionId, changed: changed.length }, 'live: poll found changes');
      await this.send({ collectionId, changed, deleted: [], reason: 'poll' });
    }
  }

  private catchUp(run: Running, collectionId: string): Promise<void> {
    return this.poll(run, collectionId, async () => {
      const last = (await this.db('ingest_jobs')
        .where({ collection_id: collectionId, kind: 'collection', state: 'done' })
        .max({ at: 'started_at' })
        .first()) as { at: Date | string | null } | undefined;
      if (last?.at)
        run.pollSince.set(
          collectionId,
          Math.min(run.pollSince.get(collectionId) ?? Infinity, new Date(last.at).getTime() / 1000),
        );
    });
  }

  /** Plex: the section's full listing against the catalogue's locators; folders: a full scan. */
  private async sweep(run: Running, collectionId: string): Promise<void> {
    const collection = run.group.collections.find((c) => c.id === collectionId);
    if (!collection || this.stopped) return;
    const adapter = run.group.adapter;
    if (!adapter.live.listKeys) {
      await this.queue.enqueue(collectionId, 'schedule');
      return;
    }
    const listed = new Set(await adapter.live.listKeys({ config: run.group.sourceConfig, collection }));
    const deleted = (await storedItemKeys(this.db, adapter.provider, collectionId)).filter((k) => !listed.has(k));
    if (deleted.length) {
      this.log.info({ collectionId, deleted: deleted.length }, 'live: sweep found deletions');
      await this.send({ collectionId, changed: [], deleted, reason: 'sweep' });
    }
  }

  /** Runs a collection's backstops now (tests, the bench). */
  async backstop(collectionId: string, which: 'poll' | 'sweep'): Promise<void> {
    const run = [...this.running.values()].find((r) => r.group.collections.some((c) => c.id === collectionId));
    if (!run) throw new Error(`collection ${collectionId} is not live in this process`);
    await (which === 'poll' ? this.poll(run, collectionId) : this.sweep(run, collectionId));
  }

  // ---------------------------------------------------------------------------------------------
  // one holder per group across workers (PostgreSQL)

  private async tryLock(key: string): Promise<boolean> {
    if (isEmbedded(this.db)) return true;
    try {
      this.lockConn ??= (await this.db.client.acquireConnection()) as LockConnection;
      const { rows } = await this.lockConn.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`retrovue:live:${key}`]);
      return rows[0]?.ok === true;
    } catch (err) {
      this.log.warn({ group: key, err: mapError(err).message }, 'live: lock connection failed');
      await this.dropLockConnection();
      return false;
    }
  }

  private async unlock(key: string): Promise<void> {
    if (!this.lockConn) return;
    await this.lockConn.query('SELECT pg_advisory_unlock(hashtext($1))', [`retrovue:live:${key}`]).catch(() => undefined);
  }

  private async releaseLocks(): Promise<void> {
    if (!this.lockConn) return;
    await this.lockConn.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await this.dropLockConnection();
  }

  private async dropLockConnection(): Promise<void> {
    const conn = this.lockConn;
    this.lockConn = null;
    if (conn) await this.db.client.releaseConnection(conn).catch(() => undefined);
  }
}
