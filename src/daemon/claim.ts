/**
 * Who runs a scheduled job's tick: the pure rule behind the conditional
 * update on `job_state` (see `job-state-store.ts`), tested with plain values.
 *
 * - A live lease (owner set, not yet expired) means the job is running
 *   somewhere: nobody else claims it (no overlap, also across replicas).
 * - A tick already claimed is not claimed again (exactly once per tick).
 * - A tick that failed for good (`retryTickAt`) is claimed once more by a
 *   catch-up at the next start.
 * - An expired lease that is still set means its run never finished (the
 *   replica died or lost the ledger): the job may be claimed again for the
 *   latest tick, and that run is recorded as abandoned.
 */
import type { Instant } from '../shared/time.js';

/** Why a run happens (`retry`: a later attempt at a tick whose run failed, within the tick). */
export type JobTrigger = 'schedule' | 'catch-up' | 'takeover' | 'retry';

export interface JobStateSnapshot {
  lastTickAt: Instant | null;
  /** A tick that failed for good and runs once more at the next start. */
  retryTickAt?: Instant | null;
  leaseOwner: string | null;
  leaseExpiresAt: Instant | null;
}

export interface ClaimRequest {
  /** The schedule tick to run. */
  tick: Instant;
  now: Instant;
  trigger: JobTrigger;
}

export type ClaimDecision =
  | {
      claim: true;
      /** The tick the run is for: the requested one, or a later unfinished one being taken over. */
      tick: Instant;
      /** The replica whose expired lease is taken over, if any. */
      takeoverFrom: string | null;
      /** True when this re-runs a tick that failed for good (it is not given back again if it fails). */
      rerun?: boolean;
    }
  | { claim: false; reason: 'lease-held' | 'tick-already-claimed' | 'no-expired-lease' };

export function isLeaseLive(state: JobStateSnapshot, now: Instant): boolean {
  return state.leaseOwner !== null && state.leaseExpiresAt !== null && state.leaseExpiresAt > now;
}

export function decideClaim(state: JobStateSnapshot, request: ClaimRequest): ClaimDecision {
  if (isLeaseLive(state, request.now)) return { claim: false, reason: 'lease-held' };
  const unfinishedOwner = state.leaseOwner;
  // The takeover sweep only acts on a dead replica's run, never on ticks skipped by overlap.
  if (request.trigger === 'takeover' && unfinishedOwner === null) return { claim: false, reason: 'no-expired-lease' };
  const last = state.lastTickAt;
  // A tick that failed for good is claimed once more although it was claimed before.
  if (unfinishedOwner === null && request.trigger === 'catch-up' && state.retryTickAt === request.tick) {
    return { claim: true, tick: request.tick, takeoverFrom: null, rerun: true };
  }
  if (unfinishedOwner === null && last !== null && last >= request.tick) {
    return { claim: false, reason: 'tick-already-claimed' };
  }
  return { claim: true, tick: last === null ? request.tick : Math.max(request.tick, last), takeoverFrom: unfinishedOwner };
}
