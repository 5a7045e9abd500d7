/**
 * Every payout created in the period, in creation order, in chunks: keyset
 * pagination on (created_at, id), so each chunk is an index range scan and
 * memory holds one chunk at a time however long the month. Each row carries
 * its reconciliation outcome (matched / most important open exception /
 * unreconciled) and the internal ID it was matched to (or that its
 * exception points at).
 */
import { isPurposeCode, UNSPECIFIED_PURPOSE } from '../domain/purposes.js';
import type { Period } from '../shared/time.js';
import type { LedgerReader } from './read-snapshot.js';
import { exceptionRank, reconciliationOutcome } from './reconciliation-outcome.js';

/**
 * A payout as the report shows it: the ledger row (snake_case, as read, to
 * avoid copying a million objects) with its purpose group, readable reasons,
 * reconciliation outcome and internal ID filled in.
 */
export interface PayoutReportRow {
  id: number;
  provider: string;
  provider_payout_id: string;
  merchant_transaction_id: string | null;
  created_at: number;
  amount: number;
  currency: string;
  status: string;
  provider_status: string | null;
  /** `code: info; code: info`, from the provider's reasons JSON. */
  reasons: string | null;
  method: string;
  /** A known purpose code, or `UNSPECIFIED`. */
  purpose: string;
  country: string | null;
  /** The provider's free-text description. */
  description: string | null;
  match_id: number | null;
  /** The matched internal record's ID, else the one its most important open exception names. */
  internal_id: string | null;
  reconciliation: string;
}

export const DEFAULT_CHUNK_ROWS = 5000;

/** The report's purpose group of a ledger purpose. */
export function purposeGroup(purpose: string | null): string {
  return purpose !== null && isPurposeCode(purpose) ? purpose : UNSPECIFIED_PURPOSE;
}

export async function* readPayoutRows(
  db: LedgerReader,
  period: Period,
  chunkRows = DEFAULT_CHUNK_ROWS,
): AsyncGenerator<PayoutReportRow[]> {
  let after: { createdAt: number; id: number } | undefined;
  for (;;) {
    let query = db
      .selectFrom('payouts as p')
      .leftJoin('matches as m', 'm.payout_id', 'p.id')
      .leftJoin('internal_records as r', 'r.id', 'm.internal_record_id')
      .select([
        'p.id',
        'p.provider',
        'p.provider_payout_id',
        'p.merchant_transaction_id',
        'p.created_at',
        'p.amount',
        'p.currency',
        'p.status',
        'p.provider_status',
        'p.reasons',
        'p.method',
        'p.purpose',
        'p.country',
        'p.description',
        'm.id as match_id',
        'r.internal_id',
      ])
      .where('p.created_at', '<', period.to);
    if (after) {
      const { createdAt, id } = after;
      // The plain range keeps it an index scan; the OR only breaks ties inside one millisecond.
      query = query
        .where('p.created_at', '>=', createdAt)
        .where((eb) => eb.or([eb('p.created_at', '>', createdAt), eb('p.id', '>', id)]));
    } else {
      query = query.where('p.created_at', '>=', period.from);
    }
    const rows = await query.orderBy('p.created_at').orderBy('p.id').limit(chunkRows).execute();
    if (rows.length === 0) return;

    const unmatched = rows.filter((r) => r.match_id === null).map((r) => r.id);
    const open = unmatched.length > 0 ? await openExceptionsOf(db, unmatched) : new Map<number, OpenException>();

    // The rows are completed in place: one object per payout, no copies.
    const report = rows as (typeof rows)[number][] & PayoutReportRow[];
    for (const r of report) {
      const exception = r.match_id === null ? open.get(r.id) : undefined;
      r.reasons = formatReasons(r.reasons);
      r.purpose = purposeGroup(r.purpose);
      r.internal_id = r.internal_id ?? exception?.internalId ?? null;
      r.reconciliation = reconciliationOutcome(r.match_id !== null, exception ? [exception.kind] : []);
    }
    yield report;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
    if (rows.length < chunkRows) return;
  }
}

interface OpenException {
  kind: string;
  internalId: string | null;
}

/** The most important open exception of each payout. */
async function openExceptionsOf(db: LedgerReader, payoutIds: readonly number[]): Promise<Map<number, OpenException>> {
  const rows = await db
    .selectFrom('exceptions as e')
    .leftJoin('internal_records as r', 'r.id', 'e.internal_record_id')
    .select(['e.payout_id', 'e.kind', 'r.internal_id'])
    .where('e.status', '=', 'open')
    .where('e.payout_id', 'in', payoutIds)
    .orderBy('e.id')
    .execute();
  const best = new Map<number, OpenException>();
  for (const row of rows) {
    if (row.payout_id === null) continue;
    const current = best.get(row.payout_id);
    if (!current || exceptionRank(row.kind) < exceptionRank(current.kind)) {
      best.set(row.payout_id, { kind: row.kind, internalId: row.internal_id });
    }
  }
  return best;
}

/** The provider's reasons (`[{code, info}]`) as one line. */
export function formatReasons(json: string | null): string | null {
  if (json === null || json === '' || json === '[]') return null;
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return json;
    const parts = parsed.map((reason: unknown) => {
      if (typeof reason !== 'object' || reason === null) return String(reason);
      const { code, info } = reason as { code?: unknown; info?: unknown };
      const c = code === undefined || code === null ? '' : String(code);
      const i = info === undefined || info === null || info === '' ? '' : String(info);
      return c && i ? `${c}: ${i}` : c || i;
    });
    const text = parts.filter((p) => p !== '').join('; ');
    return text === '' ? null : text;
  } catch {
    return json;
  }
}
