import assert from 'node:assert/strict';
import { isRetrovueError, type RetrovueError } from '../../sdk/index.js';
import { snapshotCounts } from './database.js';
import { db } from './harness.js';

/** Awaits a call that must fail with `code`; returns the error for further checks. */
export async function expectError(call: Promise<unknown>, code: string): Promise<RetrovueError> {
  let error: unknown;
  try {
    await call;
  } catch (err) {
    error = err;
  }
  assert.ok(error, `expected ${code}, but the call succeeded`);
  assert.ok(isRetrovueError(error), `expected a service error, got ${String(error)}`);
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
  assertSafeMessage(error.message);
  return error;
}

/** No message ever carries SQL, a stack trace or a driver's internals. */
export function assertSafeMessage(message: string): void {
  assert.doesNotMatch(message, /\b(select|insert into|update .* set|delete from)\b/i, `SQL in message: ${message}`);
  assert.doesNotMatch(message, /\n\s+at |node_modules|\.ts:\d+/, `stack in message: ${message}`);
}

/** Runs a call that must be refused with `code`, and proves no table changed. */
export async function expectRefusedUnchanged(call: () => Promise<unknown>, code: string): Promise<RetrovueError> {
  const before = await snapshotCounts(db());
  const error = await expectError(call(), code);
  assert.deepEqual(await snapshotCounts(db()), before, 'a refused call changed the database');
  return error;
}

/**
 * Polls `probe` every 50 ms until `done` accepts its value (which it returns), or fails after
 * `timeoutMs` naming `what` and the last value: a wait on a condition, never a fixed sleep.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
