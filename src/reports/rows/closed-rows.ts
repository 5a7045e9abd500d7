/**
 * A closed period as the ledger keeps it: which close covers a period, its
 * payouts as they were reported (`closed_payouts`, in the same order and
 * with the same values as the Payouts sheet had), their totals, and the
 * closed pack's other sections kept as JSON rows (`closed_pack_rows`).
 */
import type { Period } from '../../shared/time.js';
import { sql } from 'kysely';
import { type PayoutReportRow, toPayoutRow } from './payout-rows.js';
import type { LedgerReader, ReadSnapshot } from './read-snapshot.js';
import { mergePayoutGroups, type OutcomeTotal, type PurposeTotal } from './report-aggregates.js';

export interface ClosedPeriodRecord {
  id: number;
  label: string;
  closedAt: number;
  closedBy: string;
  note: string | null;
  /** The closed pack's Summary as JSON (without its generation time). */
  summary: string | null;
}

/** The close (still in force) of exactly this period, if any. */
export async function closeOfPeriod(db: LedgerReader, period: Period): Promise<ClosedPeriodRecord | null> {
  const row = await db
    .selectFrom('period_closes')
    .select(['id', 'label', 'closed_at', 'closed_by', 'note', 'summary'])
    .where('state', '=', 'closed')
    .where('period_from', '=', period.from)
    .where('period_to', '=', period.to)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? { id: row.id, label: row.label, closedAt: row.closed_at, closedBy: row.closed_by, note: row.note, summary: row.summary } : null;
}

/** The snapshot's payouts in creation order, in chunks (keyset on created_at, payout id). */
export async function* readClosedPayoutRows(snapshot: ReadSnapshot, closeId: number, chunkRows: number): AsyncGenerator<PayoutReportRow[]> {
  let after: { createdAt: number; id: number } | null = null;
  for (;;) {
    const position: { createdAt: number; id: number } | null = after;
    const query = snapshot.db
      .selectFrom('closed_payouts as c')
      .select([
        'c.payout_id',
        'c.provider',
        'c.provider_payout_id',
        'c.merchant_transaction_id',
        'c.created_at',
        'c.amount',
        'c.currency',
        'c.status',
        'c.provider_status',
        'c.reasons',
        'c.method',
        'c.purpose',
        'c.country',
        'c.description',
        sql<null>`null`.as('match_id'),
        'c.internal_id',
        'c.reconciliation',
      ])
      .where('c.close_id', '=', closeId)
      .where((eb) =>
        position === null
          ? eb.lit(true)
          : eb.and([eb('c.created_at', '>=', position.createdAt), eb.or([eb('c.created_at', '>', position.createdAt), eb('c.payout_id', '>', position.id)])]),
      )
      .orderBy('c.created_at')
      .orderBy('c.payout_id')
      .limit(chunkRows);
    const values = await snapshot.rows(query);
    if (values.length === 0) return;
    // Same columns as the live reader's (a null match), then the outcome as reported.
    const rows = values.map((v) => ({ ...toPayoutRow(v), reconciliation: v[16] as string }));
    yield rows;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
    if (rows.length < chunkRows) return;
  }
}

/** The snapshot's totals, in the report's buckets (the same merge as a live period's). */
export async function closedPayoutTotals(db: LedgerReader, closeId: number): Promise<{ purposes: PurposeTotal[]; outcomes: OutcomeTotal[] }> {
  const groups = await db
    .selectFrom('closed_payouts')
    .select((eb) => ['currency', 'purpose', 'status', 'reconciliation', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('amount').as('amount')])
    .where('close_id', '=', closeId)
    .groupBy(['currency', 'purpose', 'status', 'reconciliation'])
    .execute();
  return mergePayoutGroups(groups.map((g) => ({ currency: g.currency, purpose: g.purpose, status: g.status, outcome: g.reconciliation, count: Number(g.count), amount: Number(g.amount) })));
}

/** A closed pack's section rows as written (JSON-safe values only), chunk by chunk. */
export async function* readClosedPackRows<R>(db: LedgerReader, closeId: number, section: string): AsyncGenerator<R[]> {
  let chunk = -1;
  for (;;) {
    const row = await db
      .selectFrom('closed_pack_rows')
      .select(['chunk', 'rows'])
      .where('close_id', '=', closeId)
      .where('section', '=', section)
      .where('chunk', '>', chunk)
      .orderBy('chunk')
      .limit(1)
      .executeTakeFirst();
    if (!row) return;
    chunk = row.chunk;
    yield JSON.parse(row.rows) as R[];
  }
}
