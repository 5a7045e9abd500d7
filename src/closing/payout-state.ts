/**
 * What a closed period remembers of each payout, and the adjustments that
 * take one remembered state to another. Pure: the detector feeds it the
 * state the ledger last booked (the snapshot, or the latest adjustment) and
 * the state the ledger shows now.
 *
 * Amount effects are changes of the currency's **paid-out** amount: a payout
 * counts when it succeeded and no manual refund of it is confirmed. Each
 * step's effect is `paidOut(after) − paidOut(before)` in the step's
 * currency, and the steps chain (each starts from the previous one's state),
 * so the effects add up exactly to today's paid-out amount minus the closed
 * one: closed totals + adjustments = the ledger today.
 */
import { formatMoney } from '../shared/money.js';
import { reportStatus } from '../reports/rows/reconciliation-outcome.js';

export const REFUND_STATES = ['none', 'suspected', 'confirmed'] as const;
export type RefundState = (typeof REFUND_STATES)[number];

export interface PayoutState {
  status: string;
  amount: number;
  currency: string;
  /** The report's purpose group (a known code or `UNSPECIFIED`). */
  purpose: string;
  /** The reconciliation outcome: matched, an exception kind, or unreconciled. */
  outcome: string;
  refund: RefundState;
}

/** Everything that can become an adjustment row, in the order a detection records them. */
export const WHAT_CHANGED = ['late_payout', 'moved_out', 'currency', 'amount', 'status', 'manual_refund', 'purpose', 'reconciliation'] as const;
export type WhatChanged = (typeof WHAT_CHANGED)[number];

export interface AdjustmentStep {
  whatChanged: WhatChanged;
  before: string | null;
  after: string | null;
  currency: string;
  /** Minor units, signed: the change of the currency's paid-out amount. */
  amountEffect: number;
  /** The payout's state after this step; null: no longer in the period. */
  stateAfter: PayoutState | null;
}

const SUSPECTED_MANUAL_REFUND = 'suspected_manual_refund';

/** The amount a payout adds to its currency's paid-out total. */
export function paidOut(state: PayoutState | null): number {
  return state !== null && reportStatus(state.status) === 'succeeded' && state.refund !== 'confirmed' ? state.amount : 0;
}

/** The adjustments that take `known` (what the period booked last) to `current` (the ledger now). */
export function adjustmentSteps(known: PayoutState | null, current: PayoutState | null): AdjustmentStep[] {
  if (known === null && current === null) return [];
  if (known === null && current !== null) {
    return [{ whatChanged: 'late_payout', before: null, after: current.status, currency: current.currency, amountEffect: paidOut(current), stateAfter: current }];
  }
  if (known !== null && current === null) {
    return [{ whatChanged: 'moved_out', before: known.status, after: null, currency: known.currency, amountEffect: 0 - paidOut(known), stateAfter: null }];
  }
  const steps: AdjustmentStep[] = [];
  let state = known as PayoutState;
  const now = current as PayoutState;
  const step = (whatChanged: WhatChanged, next: PayoutState, before: string, after: string): void => {
    if (whatChanged === 'currency') {
      // One row per currency: the amount leaves the old one and enters the new one.
      steps.push({ whatChanged, before, after, currency: state.currency, amountEffect: 0 - paidOut(state), stateAfter: next });
      steps.push({ whatChanged, before, after, currency: next.currency, amountEffect: paidOut(next), stateAfter: next });
    } else {
      steps.push({ whatChanged, before, after, currency: next.currency, amountEffect: paidOut(next) - paidOut(state), stateAfter: next });
    }
    state = next;
  };
  if (now.currency !== state.currency) step('currency', { ...state, currency: now.currency }, state.currency, now.currency);
  if (now.amount !== state.amount) {
    step('amount', { ...state, amount: now.amount }, formatMoney(state.amount, state.currency), formatMoney(now.amount, now.currency));
  }
  if (now.status !== state.status) step('status', { ...state, status: now.status }, state.status, now.status);
  if (now.refund !== state.refund) {
    // A refund exception is also the payout's reconciliation outcome: one change, one row.
    const outcomeIsTheRefund = now.outcome !== state.outcome && (now.outcome === SUSPECTED_MANUAL_REFUND || state.outcome === SUSPECTED_MANUAL_REFUND);
    step('manual_refund', { ...state, refund: now.refund, outcome: outcomeIsTheRefund ? now.outcome : state.outcome }, state.refund, now.refund);
  }
  if (now.purpose !== state.purpose) step('purpose', { ...state, purpose: now.purpose }, state.purpose, now.purpose);
  if (now.outcome !== state.outcome) step('reconciliation', { ...state, outcome: now.outcome }, state.outcome, now.outcome);
  return steps;
}

/** A stored state (`payout_adjustments.state_after`) back as a state; null when absent or unreadable. */
export function parseState(json: string): PayoutState | null {
  const value: unknown = JSON.parse(json);
  if (value === null || typeof value !== 'object') return null;
  const s = value as Record<string, unknown>;
  const refund = REFUND_STATES.find((r) => r === s.refund) ?? 'none';
  if (typeof s.status !== 'string' || typeof s.amount !== 'number' || typeof s.currency !== 'string' || typeof s.purpose !== 'string' || typeof s.outcome !== 'string') {
    throw new Error(`payout_adjustments.state_after is not a payout state: ${json.slice(0, 80)}`);
  }
  return { status: s.status, amount: s.amount, currency: s.currency, purpose: s.purpose, outcome: s.outcome, refund };
}

/** A refund exception's standing: open, or resolved by a person (accepted), counts; auto-closed or ignored does not. */
export function refundStateOf(exceptions: readonly { status: string; resolvedBy: string | null; details: string }[]): RefundState {
  let state: RefundState = 'none';
  for (const e of exceptions) {
    const counts = e.status === 'open' || (e.status === 'resolved' && e.resolvedBy !== null && e.resolvedBy !== 'system');
    if (!counts) continue;
    let reported: unknown;
    try {
      reported = (JSON.parse(e.details) as { state?: unknown }).state;
    } catch {
      reported = undefined;
    }
    const s: RefundState = reported === 'confirmed' ? 'confirmed' : 'suspected';
    if (s === 'confirmed' || state === 'none') state = s;
  }
  return state;
}
