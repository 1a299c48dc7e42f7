import fs from 'node:fs';
import path from 'node:path';

/**
 * One owner per embedded database directory. PGlite runs inside the process that opens it, so two
 * processes on one directory (`npm start` and `npx knex seed:run`, or two servers) would each write
 * their own copy and the last to save would silently win. The first process takes `<dir>.lock`
 * (its pid, command and a heartbeat); any other process refuses at once, naming the holder.
 *
 * A lock left by a crashed process (SIGKILL, power loss) never blocks: it is taken over when its pid
 * is gone, or when its heartbeat is older than `staleMs` (a pid reused by an unrelated process).
 */
export interface OwnerInfo {
  pid: number;
  command: string;
  since: string;
  heartbeat: string;
}

export class DirectoryInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: OwnerInfo,
  ) {
    super(
      `the embedded database ${dir} is in use by process ${holder.pid} (${holder.command}, since ${holder.since}). ` +
        'Only one process may open it: stop that process first (e.g. stop `npm start`, then run the seed or knex command), ' +
        'or work through the running server (the API, the SDK or `npx retrovue`), or set DATABASE_URL to share a PostgreSQL database.',
    );
    this.name = 'DirectoryInUseError';
  }
}

const HEARTBEAT_MS = 5_000;
const DEFAULT_STALE_MS = 30_000;

interface Held {
  lockPath: string;
  count: number;
  timer: NodeJS.Timeout;
}
const held = new Map<string, Held>();

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function readOwner(lockPath: string): OwnerInfo | null {
  try {
    return JSON.parse(fs.readFileSync(lockPath, 'utf8')) as OwnerInfo;
  } catch {
    return null; // gone, or half-written by a process that died while writing it
  }
}

function isStale(lockPath: string, owner: OwnerInfo | null, staleMs: number): boolean {
  if (!owner || !Number.isInteger(owner.pid)) return true;
  if (!isAlive(owner.pid)) return true;
  try {
    return Date.now() - fs.statSync(lockPath).mtimeMs > staleMs;
  } catch {
    return true;
  }
}

const commandLine = (): string =>
  path.basename(process.argv[1] ?? process.argv0) + (process.argv[2] ? ` ${process.argv.slice(2).join(' ')}` : '');

/** Takes the directory for this process (re-entrant); returns the release function. Throws DirectoryInUseError. */
export function acquireOwnerLock(dir: string, { staleMs = DEFAULT_STALE_MS }: { staleMs?: number } = {}): () => void {
  const lockPath = `${path.resolve(dir)}.lock`;
  const mine = held.get(lockPath);
  if (mine) {
    mine.count++;
    return once(() => release(lockPath));
  }
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const now = new Date().toISOString();
  const info: OwnerInfo = { pid: process.pid, command: commandLine(), since: now, heartbeat: now };
  const tmp = `${lockPath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, lockPath); // atomic: fails when a lock file exists
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      }
      const owner = readOwner(lockPath);
      if (owner && owner.pid === process.pid) break; // ours, e.g. left by a closed knex of this process
      if (!isStale(lockPath, owner, staleMs)) throw new DirectoryInUseError(dir, owner!);
      // Move the stale lock aside; if another process replaced it in between, put theirs back and give up.
      const aside = `${lockPath}.${process.pid}.stale`;
      try {
        fs.renameSync(lockPath, aside);
      } catch {
        continue;
      }
      const moved = readOwner(aside);
      if (moved && owner && moved.pid !== owner.pid && !isStale(aside, moved, staleMs)) {
        try {
          fs.linkSync(aside, lockPath);
        } catch {
          /* someone else holds it now */
        }
        fs.rmSync(aside, { force: true });
        throw new DirectoryInUseError(dir, moved);
      }
      fs.rmSync(aside, { force: true });
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const timer = setInterval(() => {
    const t = new Date();
    try {
      fs.utimesSync(lockPath, t, t);
    } catch {
      /* the directory went away; nothing to keep alive */
    }
  }, HEARTBEAT_MS);
  timer.unref();
  held.set(lockPath, { lockPath, count: 1, timer });
  return once(() => release(lockPath));
}

function release(lockPath: string): void {
  const mine = held.get(lockPath);
  if (!mine || --mine.count > 0) return;
  clearInterval(mine.timer);
  held.delete(lockPath);
  if (readOwner(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

// A normal exit (including process.exit after SIGTERM) leaves no lock behind; a crash leaves a stale one.
process.once('exit', () => {
  for (const lockPath of [...held.keys()]) {
    const mine = held.get(lockPath)!;
    mine.count = 1;
    release(lockPath);
  }
});
