/**
 * A credit imported after the balance increase it explains: a top-up or a
 * reported refund imported once the monitor has already flagged the
 * increase. The import calls `explainEarlierIncrease` for each new credit:
 * - an open `unexplained_balance_change` of the same currency and amount,
 *   seen within the credit's window, is closed automatically (for a
 *   reported refund, its balance evidence moves onto the payout's refund:
 *   confirmed);
 * - for a top-up, open `suspected_manual_refund`s whose only evidence is
 *   that same balance increase are closed automatically: the money was the
 *   top-up, not a refund.
 * The credit is then marked as seen on the balance, so it explains nothing else.
 */
import type { Kysely } from 'kysely';
import { closeExceptionAutomatically } from '../exceptions/exception-store.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import { formatMoneyForDisplay } from '../shared/money.js';
import { type Instant, MS_PER_DAY } from '../shared/time.js';
import { loadSuspectedPayout, recordRefundEvidence, type RefundDetails, type RefundEvidence } from './refund-suspicions.js';

type Db = Kysely<LedgerDatabase>;

export interface ImportedCredit {
  movementId: number;
  kind: 'topup' | 'refund';
  reference: string;
  currency: string;
  amount: number;
  occurredAt: Instant;
  payoutId: number | null;
  details: Record<string, unknown>;
}

interface BalanceEvidenceView extends RefundEvidence {
  increase?: number;
  to?: { taken_at?: string };
}

function withinWindow(evidence: BalanceEvidenceView, credit: ImportedCredit, windowDays: number): boolean {
  const to = evidence.to?.taken_at === undefined ? Number.NaN : Date.parse(evidence.to.taken_at);
  return !Number.isNaN(to) && to >= credit.occurredAt - MS_PER_DAY && to <= credit.occurredAt + windowDays * MS_PER_DAY;
}

/** Returns the IDs of the exceptions closed. Run inside the import's transaction. */
export async function explainEarlierIncrease(db: Db, credit: ImportedCredit, windowDays: number, now: Instant): Promise<number[]> {
  const what = `${credit.kind === 'topup' ? 'top-up' : 'reported refund'} ${credit.reference} (${credit.currency} ${formatMoneyForDisplay(credit.amount, credit.currency)})`;
  const open = await db
    .selectFrom('exceptions')
    .select(['id', 'kind', 'fingerprint', 'details'])
    .where('status', '=', 'open')
    .where('kind', 'in', ['unexplained_balance_change', 'suspected_manual_refund'])
    .orderBy('id')
    .execute();
  const closed: number[] = [];
  let seen: Record<string, unknown> | null = null;

  // 1. An unexplained increase of exactly this amount.
  for (const e of open) {
    if (e.kind !== 'unexplained_balance_change' || !e.fingerprint.startsWith(`unexplained_balance_change:${credit.currency}:`)) continue;
    const details = fromJson<{ amount?: number; evidence?: BalanceEvidenceView[] }>(e.details, {});
    const evidence = details.evidence?.[0];
    if (details.amount !== credit.amount || !evidence || !withinWindow(evidence, credit, windowDays)) continue;
    await closeExceptionAutomatically(db, e.id, `explained by ${what}, imported later`, now);
    closed.push(e.id);
    seen = { exception_id: e.id, evidence_key: evidence.key };
    if (credit.kind === 'refund') {
      const payout = credit.payoutId === null ? undefined : await loadSuspectedPayout(db, credit.payoutId);
      const matched = [{ movement_id: credit.movementId, reference: credit.reference, amount: credit.amount }];
      await recordRefundEvidence(
        db,
        payout ? { payout } : { operationId: credit.reference, amount: credit.amount, currency: credit.currency },
        [{ ...evidence, matched }],
        now,
      );
    }
    break;
  }

  // 2. A top-up that a balance-only suspicion mistook for a refund.
  if (!seen && credit.kind === 'topup') {
    let key: string | null = null;
    for (const e of open) {
      if (e.kind !== 'suspected_manual_refund') continue;
      const details = fromJson<Partial<RefundDetails>>(e.details, {});
      const evidence = details.evidence ?? [];
      if (details.currency !== credit.currency || evidence.length !== 1 || evidence[0]!.source !== 'balance') continue;
      const balance = evidence[0] as BalanceEvidenceView;
      if (balance.increase !== credit.amount || !withinWindow(balance, credit, windowDays)) continue;
      if (key !== null && balance.key !== key) continue; // only the payouts of one increase
      key = balance.key;
      await closeExceptionAutomatically(db, e.id, `the balance increase was ${what}, imported later`, now);
      closed.push(e.id);
    }
    if (key !== null) seen = { exception_ids: closed, evidence_key: key };
  }

  if (seen) {
    await db
      .updateTable('balance_movements')
      .set({ details: toJson({ ...credit.details, seen_on_balance: seen }) })
      .where('id', '=', credit.movementId)
      .execute();
  }
  return closed;
}
