/**
 * The daemon's bookkeeping in the ledger: `job_state` (one row per job: the
 * last claimed tick, the lease, failures in a row, last success) and
 * `job_runs` (one row per run). Every change is one short transaction.
 *
 * Claiming is read-decide-write under a row lock: `SELECT … FOR UPDATE` on
 * PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite (several
 * processes on one file). The decision itself is `decideClaim` (pure).
 * Lease and tick changes are conditional on `lease_owner = <this replica>`,
 * so a replica that lost its lease never overwrites the new owner's state.
 */
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import type { Instant } from '../shared/time.js';
import { type ClaimDecision, type ClaimRequest, decideClaim, type JobTrigger } from './claim.js';
import type { JobSummary } from './jobs.js';

export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'abandoned';

/** A run this replica claimed and must finish. */
export interface ClaimedRun {
  job: string;
  runId: number;
  tick: Instant;
  trigger: JobTrigger;
  startedAt: Instant;
  /** `last_tick_at` before the claim, to give the tick back when the run is cancelled. */
  previousTickAt: Instant | null;
  /** The replica whose expired lease was taken over, if any. */
  takeoverFrom: string | null;
  /** This run re-runs a tick that failed for good (at the next start). */
  rerun: boolean;
}

export type ClaimResult = { claim: true; run: ClaimedRun } | Extract<ClaimDecision, { claim: false }>;

export interface FinishedRun {
  outcome: Exclude<RunOutcome, 'running'>;
  error: string | null;
  summary: JobSummary | null;
}

export interface FinishResult {
  /** False when another replica took the lease over meanwhile (its state was left alone). */
  leaseHeld: boolean;
  /** Failures in a row before and after this run. */
  previousFailures: number;
  consecutiveFailures: number;
}

export interface JobStateRecord {
  job: string;
  lastTickAt: Instant | null;
  lastSuccessAt: Instant | null;
  lastRunAt: Instant | null;
  consecutiveFailures: number;
  leaseOwner: string | null;
  leaseExpiresAt: Instant | null;
  /** A tick that failed for good, run once more at the next start. */
  retryTickAt: Instant | null;
  /** When the current run of failed ticks began. */
  failingSince: Instant | null;
}

export interface JobRunRecord {
  id: number;
  job: string;
  replica: string | null;
  startedAt: Instant;
  finishedAt: Instant | null;
  outcome: string;
  error: string | null;
  summary: unknown;
  scheduledAt: Instant | null;
  trigger: string | null;
}

export class JobStateStore {
  readonly #ledger: Ledger;
  readonly #replica: string;
  readonly #leaseMs: number;

  constructor(ledger: Ledger, replica: string, leaseMs: number) {
    this.#ledger = ledger;
    this.#replica = replica;
    this.#leaseMs = leaseMs;
  }

  get replica(): string {
    return this.#replica;
  }

  /** Claims `request.tick` of `job` for this replica, or says why not. On success a `running` run row exists. */
  claim(job: string, request: ClaimRequest): Promise<ClaimResult> {
    return this.#ledger.transaction(async (trx) => {
      await trx
        .insertInto('job_state')
        .values({
          job,
          last_success_at: null,
          last_run_at: null,
          consecutive_failures: 0,
          lease_owner: null,
          lease_expires_at: null,
          last_tick_at: null,
          retry_tick_at: null,
          failing_since: null,
        })
        .onConflict((oc) => oc.column('job').doNothing())
        .execute();
      const row = await this.#lockState(trx, job);
      const decision = decideClaim(
        { lastTickAt: row.last_tick_at, leaseOwner: row.lease_owner, leaseExpiresAt: row.lease_expires_at, retryTickAt: row.retry_tick_at },
        request,
      );
      if (!decision.claim) return decision;
      const now = request.now;
      const rerun = decision.rerun === true;
      await trx
        .updateTable('job_state')
        .set({
          // A re-run of a failed tick leaves the latest claimed tick as it is, and is run only once.
          last_tick_at: rerun ? Math.max(row.last_tick_at ?? decision.tick, decision.tick) : decision.tick,
          ...(rerun ? { retry_tick_at: null } : {}),
          lease_owner: this.#replica,
          lease_expires_at: now + this.#leaseMs,
          last_run_at: now,
        })
        .where('job', '=', job)
        .execute();
      if (decision.takeoverFrom !== null) {
        await trx
          .updateTable('job_runs')
          .set({ outcome: 'abandoned', finished_at: now, error: `replica ${decision.takeoverFrom} stopped renewing its lease; taken over by ${this.#replica}` })
          .where('job', '=', job)
          .where('outcome', '=', 'running')
          .where('replica', '=', decision.takeoverFrom)
          .execute();
      }
      const id = await this.#startRun(trx, job, decision.tick, request.trigger, now);
      return {
        claim: true,
        run: {
          job,
          runId: id,
          tick: decision.tick,
          trigger: request.trigger,
          startedAt: now,
          previousTickAt: row.last_tick_at,
          takeoverFrom: decision.takeoverFrom,
          rerun,
        },
      };
    });
  }

  /**
   * Records a failed attempt of a run that is retried within its tick: the
   * attempt's row is closed as failed, a new `running` row (trigger `retry`)
   * takes its place; the lease and the tick stay claimed.
   * Null when the lease is no longer ours (the run must stop).
   */
  nextAttempt(run: ClaimedRun, error: string, now: Instant): Promise<ClaimedRun | null> {
    return this.#ledger.transaction(async (trx) => {
      await trx.updateTable('job_runs').set({ finished_at: now, outcome: 'failed', error }).where('id', '=', run.runId).execute();
      const row = await this.#lockState(trx, run.job);
      if (row.lease_owner !== this.#replica) return null;
      await trx.updateTable('job_state').set({ lease_expires_at: now + this.#leaseMs, last_run_at: now }).where('job', '=', run.job).execute();
      const id = await this.#startRun(trx, run.job, run.tick, 'retry', now);
      return { ...run, runId: id, trigger: 'retry' as const, startedAt: now };
    });
  }

  /** Extends this replica's lease on `job`; false when it is no longer ours. */
  async renew(job: string, now: Instant): Promise<boolean> {
    const result = await this.#ledger.db
      .updateTable('job_state')
      .set({ lease_expires_at: now + this.#leaseMs })
      .where('job', '=', job)
      .where('lease_owner', '=', this.#replica)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Records the end of a run and releases the lease. A success resets the
   * failures in a row and stores the last success; a failure (after its
   * retries) counts one more and marks its tick to run once more at the next
   * start; a cancelled or abandoned run gives its tick back, so the next
   * start catches it up.
   */
  finish(run: ClaimedRun, finished: FinishedRun, now: Instant): Promise<FinishResult> {
    return this.#ledger.transaction(async (trx) => {
      await trx
        .updateTable('job_runs')
        .set({
          finished_at: now,
          outcome: finished.outcome,
          error: finished.error,
          details: finished.summary === null ? null : JSON.stringify(finished.summary),
        })
        .where('id', '=', run.runId)
        .execute();
      const row = await this.#lockState(trx, run.job);
      const previousFailures = row.consecutive_failures;
      if (row.lease_owner !== this.#replica) {
        return { leaseHeld: false, previousFailures, consecutiveFailures: previousFailures };
      }
      const release = { lease_owner: null, lease_expires_at: null };
      let consecutiveFailures = previousFailures;
      if (finished.outcome === 'succeeded') {
        consecutiveFailures = 0;
        await trx
          .updateTable('job_state')
          .set({ ...release, last_success_at: now, consecutive_failures: 0, failing_since: null })
          .where('job', '=', run.job)
          .execute();
      } else if (finished.outcome === 'failed') {
        consecutiveFailures = previousFailures + 1;
        await trx
          .updateTable('job_state')
          .set({
            ...release,
            consecutive_failures: consecutiveFailures,
            failing_since: row.failing_since ?? now,
            // Failed for good: the next start runs the tick once more, unless this was that run.
            retry_tick_at: run.rerun ? null : run.tick,
          })
          .where('job', '=', run.job)
          .execute();
      } else if (run.rerun) {
        await trx
          .updateTable('job_state')
          .set({ ...release, retry_tick_at: run.tick })
          .where('job', '=', run.job)
          .execute();
      } else {
        await trx
          .updateTable('job_state')
          .set({ ...release, last_tick_at: unclaimedTick(run) })
          .where('job', '=', run.job)
          .execute();
      }
      return { leaseHeld: true, previousFailures, consecutiveFailures };
    });
  }

  /** The state rows of `jobs` (jobs that never ran have none). */
  async states(jobs: readonly string[]): Promise<Map<string, JobStateRecord>> {
    if (jobs.length === 0) return new Map();
    const rows = await this.#ledger.db.selectFrom('job_state').selectAll().where('job', 'in', [...jobs]).execute();
    return new Map(
      rows.map((r) => [
        r.job,
        {
          job: r.job,
          lastTickAt: r.last_tick_at,
          lastSuccessAt: r.last_success_at,
          lastRunAt: r.last_run_at,
          consecutiveFailures: r.consecutive_failures,
          leaseOwner: r.lease_owner,
          leaseExpiresAt: r.lease_expires_at,
          retryTickAt: r.retry_tick_at,
          failingSince: r.failing_since,
        },
      ]),
    );
  }

  /** The most recent run of each job, if any. */
  async lastRuns(jobs: readonly string[]): Promise<Map<string, JobRunRecord>> {
    const found = new Map<string, JobRunRecord>();
    for (const job of jobs) {
      const r = await this.#ledger.db
        .selectFrom('job_runs')
        .selectAll()
        .where('job', '=', job)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!r) continue;
      found.set(job, {
        id: r.id,
        job: r.job,
        replica: r.replica,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        outcome: r.outcome,
        error: r.error,
        summary: parseSummary(r.details),
        scheduledAt: r.scheduled_at,
        trigger: r.trigger,
      });
    }
    return found;
  }

  /** A `running` row in `job_runs` for this replica; its ID. */
  async #startRun(trx: LedgerTransaction, job: string, tick: Instant, trigger: JobTrigger, now: Instant): Promise<number> {
    const { id } = await trx
      .insertInto('job_runs')
      .values({ job, replica: this.#replica, started_at: now, finished_at: null, outcome: 'running', error: null, details: null, scheduled_at: tick, trigger })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  #lockState(trx: LedgerTransaction, job: string) {
    return trx
      .selectFrom('job_state')
      .selectAll()
      .where('job', '=', job)
      // SQLite has no FOR UPDATE: its transactions already hold the write lock (BEGIN IMMEDIATE).
      .$if(this.#ledger.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirstOrThrow();
  }
}

/**
 * The `last_tick_at` that makes `run.tick` due again: the value before the
 * claim, or just below the tick when the run was itself re-running an
 * unfinished tick of a dead replica.
 */
export function unclaimedTick(run: Pick<ClaimedRun, 'tick' | 'previousTickAt'>): Instant | null {
  return run.previousTickAt === null ? null : Math.min(run.previousTickAt, run.tick - 1);
}

function parseSummary(details: string | null): unknown {
  if (details === null) return null;
  try {
    return JSON.parse(details) as unknown;
  } catch {
    return null;
  }
}
