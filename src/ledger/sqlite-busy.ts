/**
 * Waiting for SQLite's write lock without blocking the event loop. SQLite's
 * own busy handler sleeps in the calling thread: on the daemon's main thread
 * a job thread holding the write lock for seconds would freeze `/healthz`,
 * the notification endpoints and the signals with it. A ledger opened with
 * `waitForLocksAsync` keeps that native wait short and retries a statement
 * refused with SQLITE_BUSY after an asynchronous backoff (cockatiel) until
 * `busyTimeoutMs` has passed. A refused statement changed nothing (SQLite
 * statements are atomic), so running it again is safe.
 */
import { ExponentialBackoff, handleWhen, type RetryPolicy, retry } from 'cockatiel';

/** The native busy wait of a ledger that waits asynchronously: one slice, short enough not to be felt. */
export const NATIVE_BUSY_SLICE_MS = 20;

const MAX_DELAY_MS = 100;

export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Retries SQLITE_BUSY for about `waitMs` in all, with short asynchronous pauses. */
export function sqliteBusyPolicy(waitMs: number): RetryPolicy {
  return retry(handleWhen(isSqliteBusy), {
    // Each attempt itself waits up to NATIVE_BUSY_SLICE_MS in SQLite, each pause up to MAX_DELAY_MS.
    maxAttempts: Math.max(3, Math.ceil(waitMs / (MAX_DELAY_MS + NATIVE_BUSY_SLICE_MS))),
    backoff: new ExponentialBackoff({ initialDelay: 5, maxDelay: MAX_DELAY_MS }),
  });
}
