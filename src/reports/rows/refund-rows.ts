/**
 * Refunds for the Refunds sheet: bank payouts the provider refunded by hand
 * (`suspected_manual_refund` exceptions, suspected or confirmed), balance
 * increases nobody explained (`unexplained_balance_change`), both when
 * detected in the period or about a payout of the period; then refunds the
 * provider reported (`balance_movements` of kind `refund`) in the period.
 * The monitors write the refund into the exception's details as
 * `{state, amount (minor), currency, evidence…}`; anything missing or of an
 * unexpected shape falls back to the payout's own amount.
 */
import { z } from 'zod';
import type { Period } from '../../shared/time.js';
import { WIDE_CHUNK_ROWS } from './payout-rows.js';
import type { LedgerReader } from './read-snapshot.js';

export type RefundType = 'suspected_manual_refund' | 'confirmed_manual_refund' | 'unexplained_balance_change' | 'provider_report_refund';

export interface RefundReportRow {
  type: RefundType;
  /** When it was detected (exception) or happened (provider report). */
  at: number;
  provider: string | null;
  providerPayoutId: string | null;
  payoutCreatedAt: number | null;
  amount: number | null;
  currency: string | null;
  exceptionId: number | null;
  exceptionStatus: string | null;
  reference: string | null;
  summary: string | null;
  evidence: string | null;
}

const refundDetails = z.looseObject({
  state: z.enum(['suspected', 'confirmed']).optional().catch(undefined),
  amount: z.number().int().optional().catch(undefined),
  currency: z.string().min(1).optional().catch(undefined),
});

const REFUND_KINDS = ['suspected_manual_refund', 'unexplained_balance_change'] as const;

export async function* readRefundRows(
  db: LedgerReader,
  period: Period,
  chunkRows = WIDE_CHUNK_ROWS,
): AsyncGenerator<RefundReportRow[]> {
  let afterId = 0;
  for (;;) {
    const rows = await db
      .selectFrom('exceptions as e')
      .leftJoin('payouts as p', 'p.id', 'e.payout_id')
      .select([
        'e.id',
        'e.kind',
        'e.status',
        'e.opened_at',
        'e.summary',
        'e.details',
        'p.provider',
        'p.provider_payout_id',
        'p.created_at',
        'p.amount',
        'p.currency',
      ])
      .where('e.kind', 'in', REFUND_KINDS)
      .where('e.id', '>', afterId)
      .where((eb) =>
        eb.or([
          eb.and([eb('e.opened_at', '>=', period.from), eb('e.opened_at', '<', period.to)]),
          eb.and([eb('p.created_at', '>=', period.from), eb('p.created_at', '<', period.to)]),
        ]),
      )
      .orderBy('e.id')
      .limit(chunkRows)
      .execute();
    if (rows.length > 0) {
      yield rows.map((r): RefundReportRow => {
        const parsed = refundDetails.safeParse(parseJson(r.details));
        const details = parsed.success ? parsed.data : {};
        const { state, amount, currency, ...rest } = details;
        const detailAmount = amount !== undefined && (currency !== undefined || r.currency !== null);
        return {
          type: r.kind === 'unexplained_balance_change' ? 'unexplained_balance_change' : state === 'confirmed' ? 'confirmed_manual_refund' : 'suspected_manual_refund',
          at: r.opened_at,
          provider: r.provider,
          providerPayoutId: r.provider_payout_id,
          payoutCreatedAt: r.created_at,
          amount: detailAmount ? amount : r.amount,
          currency: detailAmount ? (currency ?? r.currency) : r.currency,
          exceptionId: r.id,
          exceptionStatus: r.status,
          reference: null,
          summary: r.summary,
          evidence: describeEvidence(rest),
        };
      });
      afterId = rows[rows.length - 1]!.id;
    }
    if (rows.length < chunkRows) break;
  }

  let after: { at: number; id: number } | undefined;
  for (;;) {
    let query = db
      .selectFrom('balance_movements as b')
      .leftJoin('payouts as p', 'p.id', 'b.payout_id')
      .select([
        'b.id',
        'b.occurred_at',
        'b.amount',
        'b.currency',
        'b.reference',
        'b.details',
        'b.provider',
        'p.provider as payout_provider',
        'p.provider_payout_id',
        'p.created_at',
      ])
      .where('b.kind', '=', 'refund')
      .where('b.occurred_at', '<', period.to);
    if (after) {
      const { at, id } = after;
      query = query.where('b.occurred_at', '>=', at).where((eb) => eb.or([eb('b.occurred_at', '>', at), eb('b.id', '>', id)]));
    } else {
      query = query.where('b.occurred_at', '>=', period.from);
    }
    const rows = await query.orderBy('b.occurred_at').orderBy('b.id').limit(chunkRows).execute();
    if (rows.length === 0) return;
    yield rows.map(
      (r): RefundReportRow => ({
        type: 'provider_report_refund',
        at: r.occurred_at,
        provider: r.payout_provider ?? r.provider,
        providerPayoutId: r.provider_payout_id,
        payoutCreatedAt: r.created_at,
        amount: r.amount,
        currency: r.currency,
        exceptionId: null,
        exceptionStatus: null,
        reference: r.reference,
        summary: null,
        evidence: r.details,
      }),
    );
    const last = rows[rows.length - 1]!;
    after = { at: last.occurred_at, id: last.id };
    if (rows.length < chunkRows) return;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { evidence: text };
  }
}

function describeEvidence(rest: Record<string, unknown>): string | null {
  const evidence = 'evidence' in rest ? rest.evidence : Object.keys(rest).length > 0 ? rest : undefined;
  if (evidence === undefined || evidence === null) return null;
  return typeof evidence === 'string' ? evidence : JSON.stringify(evidence);
}
