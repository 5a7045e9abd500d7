/**
 * Manual-refund standing of payouts, from their `suspected_manual_refund`
 * exceptions (the evidence JSON says suspected or confirmed). Read in
 * JavaScript rather than SQL: JSON functions differ between the dialects,
 * and refund exceptions are few.
 */
import type { Kysely } from 'kysely';
import type { LedgerDatabase } from '../ledger/schema.js';
import { type RefundState, refundStateOf } from './payout-state.js';

type Db = Kysely<LedgerDatabase>;

interface RefundException {
  payoutId: number;
  status: string;
  resolvedBy: string | null;
  details: string;
}

function group(rows: readonly RefundException[]): Map<number, RefundState> {
  const byPayout = new Map<number, RefundException[]>();
  for (const r of rows) byPayout.set(r.payoutId, [...(byPayout.get(r.payoutId) ?? []), r]);
  const states = new Map<number, RefundState>();
  for (const [id, list] of byPayout) {
    const state = refundStateOf(list);
    if (state !== 'none') states.set(id, state);
  }
  return states;
}

/** Refund standing of the given payouts (absent: none). */
export async function refundStatesOf(db: Db, payoutIds: readonly number[]): Promise<Map<number, RefundState>> {
  if (payoutIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('exceptions')
    .select(['payout_id', 'status', 'resolved_by', 'details'])
    .where('kind', '=', 'suspected_manual_refund')
    .where('payout_id', 'in', payoutIds)
    .orderBy('id')
    .execute();
  return group(rows.map((r) => ({ payoutId: r.payout_id ?? 0, status: r.status, resolvedBy: r.resolved_by, details: r.details })));
}

/** Refund standing of every payout created in [from, to) that has any (absent: none). */
export async function refundStatesInPeriod(db: Db, from: number, to: number): Promise<Map<number, RefundState>> {
  const rows = await db
    .selectFrom('exceptions as e')
    .innerJoin('payouts as p', 'p.id', 'e.payout_id')
    .select(['e.payout_id', 'e.status', 'e.resolved_by', 'e.details'])
    .where('e.kind', '=', 'suspected_manual_refund')
    .where('p.created_at', '>=', from)
    .where('p.created_at', '<', to)
    .orderBy('e.id')
    .execute();
  return group(rows.map((r) => ({ payoutId: r.payout_id ?? 0, status: r.status, resolvedBy: r.resolved_by, details: r.details })));
}
