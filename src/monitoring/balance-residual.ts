/**
 * The arithmetic of "did the balance change as the ledger says it should".
 *
 * Between two snapshots the expected change is
 *   − (payouts debited in the interval) + (payouts released back in the interval);
 * the residual is the actual change minus that. Imported top-ups and
 * reported refunds are not in the expected change: they are "pending
 * credits" matched to a positive residual by amount (a top-up is dated by
 * the day treasury sent it, and reaches the balance some time later).
 *
 * We only see a debit when we observe the payout's status, some minutes (a
 * poll, a sync) after the provider made it. A debit that straddles a
 * snapshot shows as a drop no payout explains (−X), then, once observed, as
 * an expected debit that the balance does not repeat (+X): the +X must not
 * read as money coming back. So a negative residual is carried for
 * `lagMs` (config `alerts.observationLagHours`) and a later positive
 * residual is netted against it first, oldest first. Older drops (fees, a
 * debit we never see) expire and no longer mask increases.
 */
import type { Instant } from '../shared/time.js';

export interface CarriedDrop {
  /** When the drop was seen (the later snapshot of its interval). */
  at: Instant;
  /** Negative, minor units: what is still unexplained of it. */
  amount: number;
}

export interface PayoutFlows {
  /** Payouts debited in the interval, minor units (positive). */
  debited: number;
  /** Payouts released back in the interval, minor units (positive). */
  released: number;
}

export function expectedChange(flows: PayoutFlows): number {
  return flows.released - flows.debited;
}

export interface NettedResidual {
  /** The residual of the interval: actual − expected. */
  residual: number;
  /** What is left as an unexplained increase after netting (>= 0). */
  increase: number;
  /** How much of the residual went to earlier drops (>= 0). */
  netted: number;
  /** The drops still carried after this interval, oldest first. */
  carry: CarriedDrop[];
}

/**
 * Nets one interval's residual against the drops carried from earlier
 * intervals. `at` is the later snapshot of the interval.
 */
export function netResidual(
  actualChange: number,
  flows: PayoutFlows,
  carry: readonly CarriedDrop[],
  at: Instant,
  lagMs: number,
): NettedResidual {
  const residual = actualChange - expectedChange(flows);
  const live = carry.filter((d) => d.amount < 0 && at - d.at <= lagMs).map((d) => ({ ...d }));
  if (residual <= 0) {
    if (residual < 0) live.push({ at, amount: residual });
    return { residual, increase: 0, netted: 0, carry: live };
  }
  let left = residual;
  for (const drop of live) {
    if (left === 0) break;
    const take = Math.min(left, -drop.amount);
    drop.amount += take;
    left -= take;
  }
  return { residual, increase: left, netted: residual - left, carry: live.filter((d) => d.amount < 0) };
}
