/**
 * The exceptions that belong to a period, in any status (an auditor sees
 * what was resolved and how, not only what is open): those about a payout
 * created in the period, else about an internal record created in the
 * period, else (balance exceptions have neither) opened in the period.
 * Read in chunks by ID.
 */
import type { Period } from '../../shared/time.js';
import { WIDE_CHUNK_ROWS } from './payout-rows.js';
import type { LedgerReader } from './read-snapshot.js';

export interface ExceptionReportRow {
  id: number;
  kind: string;
  status: string;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  provider: string | null;
  providerPayoutId: string | null;
  payoutCreatedAt: number | null;
  internalId: string | null;
  recordCreatedAt: number | null;
  /** The payout's amount, else the internal record's. */
  amount: number | null;
  currency: string | null;
  summary: string;
  resolvedBy: string | null;
  resolutionNote: string | null;
  details: string;
}

export async function* readExceptionRows(
  db: LedgerReader,
  period: Period,
  chunkRows = WIDE_CHUNK_ROWS,
): AsyncGenerator<ExceptionReportRow[]> {
  let afterId = 0;
  for (;;) {
    const rows = await db
      .selectFrom('exceptions as e')
      .leftJoin('payouts as p', 'p.id', 'e.payout_id')
      .leftJoin('internal_records as r', 'r.id', 'e.internal_record_id')
      .select([
        'e.id',
        'e.kind',
        'e.status',
        'e.opened_at',
        'e.updated_at',
        'e.closed_at',
        'e.summary',
        'e.resolved_by',
        'e.resolution_note',
        'e.details',
        'p.provider',
        'p.provider_payout_id',
        'p.created_at as payout_created_at',
        'p.amount as payout_amount',
        'p.currency as payout_currency',
        'r.internal_id',
        'r.created_at as record_created_at',
        'r.amount as record_amount',
        'r.currency as record_currency',
      ])
      .where('e.id', '>', afterId)
      .where((eb) =>
        eb.or([
          eb.and([eb('p.created_at', '>=', period.from), eb('p.created_at', '<', period.to)]),
          eb.and([eb('p.id', 'is', null), eb('r.created_at', '>=', period.from), eb('r.created_at', '<', period.to)]),
          eb.and([eb('p.id', 'is', null), eb('r.id', 'is', null), eb('e.opened_at', '>=', period.from), eb('e.opened_at', '<', period.to)]),
        ]),
      )
      .orderBy('e.id')
      .limit(chunkRows)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      openedAt: r.opened_at,
      updatedAt: r.updated_at,
      closedAt: r.closed_at,
      provider: r.provider,
      providerPayoutId: r.provider_payout_id,
      payoutCreatedAt: r.payout_created_at,
      internalId: r.internal_id,
      recordCreatedAt: r.record_created_at,
      amount: r.payout_amount ?? r.record_amount,
      currency: r.payout_currency ?? r.record_currency,
      summary: r.summary,
      resolvedBy: r.resolved_by,
      resolutionNote: r.resolution_note,
      details: r.details,
    }));
    afterId = rows[rows.length - 1]!.id;
    if (rows.length < chunkRows) return;
  }
}
