/**
 * Narrowing an `unexplained_balance_change` that lists several candidate
 * combinations of refunded payouts, as evidence arrives:
 * - a payout the provider's daily report lists as refunded, or that the
 *   poller saw leave `succeeded`, is in the answer: combinations without it go;
 * - a payout whose refund another balance increase already explains is not
 *   in this one: combinations with it go.
 * When one combination remains, its payouts become `suspected_manual_refund`s
 * with this increase as balance evidence (confirmed where the report or a
 * regression agrees), their reported refunds are marked as seen on the
 * balance, and the exception is closed automatically. Run inside the
 * monitor's (or the report import's) transaction.
 */
import type { Kysely } from 'kysely';
import { closeExceptionAutomatically, raiseExceptions } from '../exceptions/exception-store.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import { type Instant, MS_PER_DAY } from '../shared/time.js';
import { type CandidatePayout, loadSuspectedPayout, recordRefundEvidence, type RefundDetails, type RefundEvidence } from './refund-suspicions.js';

type Db = Kysely<LedgerDatabase>;

interface UnexplainedDetails {
  candidates?: CandidatePayout[][];
  evidence?: RefundEvidence[];
  [key: string]: unknown;
}

/** Keeps the combinations consistent with what is known; pure. */
export function narrowCombinations(combos: readonly (readonly number[])[], refunded: ReadonlySet<number>, refundedElsewhere: ReadonlySet<number>): number[][] {
  let kept = combos.filter((c) => !c.some((id) => refundedElsewhere.has(id))).map((c) => [...c]);
  for (const id of refunded) {
    const withIt = kept.filter((c) => c.includes(id));
    if (withIt.length > 0) kept = withIt;
  }
  return kept;
}

/** Returns the IDs of the exceptions closed (narrowed to one combination). */
export async function narrowCandidateSets(db: Db, currency: string, lookbackDays: number, now: Instant): Promise<number[]> {
  const open = await db
    .selectFrom('exceptions')
    .select(['id', 'fingerprint', 'summary', 'details'])
    .where('status', '=', 'open')
    .where('kind', '=', 'unexplained_balance_change')
    .where('fingerprint', 'like', `unexplained_balance_change:${currency}:%`)
    .orderBy('id')
    .execute();
  const closed: number[] = [];
  for (const e of open) {
    const details = fromJson<UnexplainedDetails>(e.details, {});
    const combos = (details.candidates ?? []).map((c) => c.map((p) => p.payout_id));
    const balance = details.evidence?.[0];
    if (combos.length < 2 || !balance) continue;
    const ids = [...new Set(combos.flat())];
    const refunded = new Set<number>();
    for (const r of await db.selectFrom('balance_movements').select('payout_id').where('kind', '=', 'refund').where('payout_id', 'in', ids).execute()) {
      if (r.payout_id !== null) refunded.add(r.payout_id);
    }
    const regressions = await db
      .selectFrom('payout_status_history')
      .select('payout_id')
      .where('regression', '=', 1)
      .where('payout_id', 'in', ids)
      .where('observed_at', '>=', now - lookbackDays * MS_PER_DAY)
      .execute();
    for (const r of regressions) refunded.add(r.payout_id);
    const elsewhere = new Set<number>();
    const suspicions = await db.selectFrom('exceptions').select(['payout_id', 'details']).where('kind', '=', 'suspected_manual_refund').where('payout_id', 'in', ids).execute();
    for (const s of suspicions) {
      const evidence = fromJson<Partial<RefundDetails>>(s.details, {}).evidence ?? [];
      if (s.payout_id !== null && evidence.some((x) => x.source === 'balance' && x.key !== balance.key)) elsewhere.add(s.payout_id);
    }
    const kept = narrowCombinations(combos, refunded, elsewhere);
    if (kept.length === 0 || kept.length === combos.length) continue;
    const byId = new Map((details.candidates ?? []).flat().map((c) => [c.payout_id, c]));
    if (kept.length > 1) {
      const candidates = kept.map((c) => c.map((id) => byId.get(id)!));
      await raiseExceptions(
        db,
        [{ kind: 'unexplained_balance_change', fingerprint: e.fingerprint, payoutId: null, internalRecordId: null, summary: e.summary, details: { ...details, candidates } }],
        now,
      );
      continue;
    }
    const answer = kept[0]!;
    const evidence: RefundEvidence = { ...balance, matched: answer.map((id) => ({ payout_id: id, amount: byId.get(id)!.amount })) };
    for (const id of answer) {
      const payout = await loadSuspectedPayout(db, id);
      if (!payout) continue;
      const recorded = await recordRefundEvidence(db, { payout }, [evidence], now, answer.map((x) => byId.get(x)!));
      const movements = await db.selectFrom('balance_movements').select(['id', 'details']).where('kind', '=', 'refund').where('payout_id', '=', id).execute();
      for (const m of movements) {
        const d = fromJson<Record<string, unknown>>(m.details, {});
        if (d.seen_on_balance !== undefined) continue;
        await db.updateTable('balance_movements').set({ details: toJson({ ...d, seen_on_balance: { exception_id: recorded.id } }) }).where('id', '=', m.id).execute();
      }
    }
    const names = answer.map((id) => byId.get(id)!.provider_payout_id).join(' + ');
    await closeExceptionAutomatically(db, e.id, `narrowed to one combination of refunded payouts (${names}) by later evidence`, now);
    closed.push(e.id);
  }
  return closed;
}
