/**
 * Every payout created in the period, in creation order, in chunks: keyset
 * pagination on (created_at, id), so each chunk is an index range scan and
 * memory holds one chunk at a time however long the month. Each row carries
 * its reconciliation outcome (matched / most important open exception /
 * unreconciled) and the internal ID it was matched to (or that its
 * exception points at).
 */
import { isPurposeCode, UNSPECIFIED_PURPOSE } from '../../domain/purposes.js';
import type { Period } from '../../shared/time.js';
import type { LedgerReader, ReadSnapshot } from './read-snapshot.js';
import { exceptionRank, reconciliationOutcome } from './reconciliation-outcome.js';

/**
 * A payout as the report shows it: the ledger columns (snake_case, as read)
 * with its purpose group, readable reasons, reconciliation outcome and
 * internal ID filled in.
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

/** The payout's own columns of a Payouts row, in sheet order: the live reader and the close's snapshot select the same. */
export const PAYOUT_REPORT_COLUMNS = [
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
] as const;

export const DEFAULT_CHUNK_ROWS = 2000;

/**
 * Payouts per read when the pack writes a workbook. `--trace-gc` over the
 * Payouts sheet with pages of 2,000 (or 1,000, or 500): every scavenge
 * promoted ~2 MB (the page's value arrays and row objects, alive while the
 * page is encoded into the sheet and its batches wait for back-pressure), the
 * old generation climbed from ~23 to ~75 MB (heap total ~105 MB) before each
 * late mark-compact, and the peak RSS depended on where in that saw-tooth the
 * run happened to be. With 250 a page is gone before the next scavenge: the
 * old generation stays at ~22-35 MB, the heap at ~60 MB, at any size, for the
 * same CPU. A CSV-only pack keeps 2,000 (250 cost it ~13 % more CPU: a
 * message to the CSV thread per chunk).
 */
export const XLSX_PAYOUT_CHUNK_ROWS = 250;

/**
 * Rows per read for sections whose rows carry JSON diagnostics or evidence
 * (exceptions, refunds): about 1 KB of text a row against ~150 bytes for a
 * payout, and several copies of it alive while a row is encoded (the ledger's
 * string, the quoted one, the line). A chunk of 2,000 was ~15 MB of live
 * objects: it outlived the young generation's scavenges, was promoted, and
 * the old generation grew ~15 MB a chunk until a late full GC (at 1,000,000
 * payouts, 39,000 exceptions, the heap climbed past 200 MB). With 250 rows it
 * still crept up by ~1 MB a chunk in some runs (heap 77 -> 121 MB); with 100
 * it stays within a few MB of the payouts' (six runs at 1,000,000).
 */
export const WIDE_CHUNK_ROWS = 100;

/** The report's purpose group of a ledger purpose. */
export function purposeGroup(purpose: string | null): string {
  return purpose !== null && isPurposeCode(purpose) ? purpose : UNSPECIFIED_PURPOSE;
}

export async function* readPayoutRows(
  snapshot: ReadSnapshot,
  period: Period,
  chunkRows = DEFAULT_CHUNK_ROWS,
): AsyncGenerator<PayoutReportRow[]> {
  const db = snapshot.db;
  let after: { createdAt: number; id: number } | undefined;
  for (;;) {
    let query = db
      .selectFrom('payouts as p')
      .leftJoin('matches as m', 'm.payout_id', 'p.id')
      .leftJoin('internal_records as r', 'r.id', 'm.internal_record_id')
      .select([
        'p.id',
        ...PAYOUT_REPORT_COLUMNS,
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
    const values = await snapshot.rows(query.orderBy('p.created_at').orderBy('p.id').limit(chunkRows));
    if (values.length === 0) return;
    const rows = values.map(toPayoutRow);

    const unmatched = rows.filter((r) => r.match_id === null).map((r) => r.id);
    const open = unmatched.length > 0 ? await openExceptionsOf(db, unmatched) : new Map<number, OpenException>();
    for (const r of rows) {
      const exception = r.match_id === null ? open.get(r.id) : undefined;
      if (exception) {
        r.reconciliation = exception.kind;
        r.internal_id ??= exception.internalId;
      }
    }
    yield rows;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
    if (rows.length < chunkRows) return;
  }
}

/** One result row, in the select order above, as the report's row. */
export function toPayoutRow(v: unknown[]): PayoutReportRow {
  const matchId = v[14] as number | null;
  return {
    id: v[0] as number,
    provider: v[1] as string,
    provider_payout_id: v[2] as string,
    merchant_transaction_id: v[3] as string | null,
    created_at: v[4] as number,
    amount: v[5] as number,
    currency: v[6] as string,
    status: v[7] as string,
    provider_status: v[8] as string | null,
    reasons: formatReasons(v[9] as string | null),
    method: v[10] as string,
    purpose: purposeGroup(v[11] as string | null),
    country: v[12] as string | null,
    description: v[13] as string | null,
    match_id: matchId,
    internal_id: v[15] as string | null,
    reconciliation: reconciliationOutcome(matchId !== null, []),
  };
}

interface OpenException {
  kind: string;
  internalId: string | null;
}

/**
 * The most important open exception of each payout. The status is checked
 * here, not in SQL: with `status = 'open'` in the query SQLite prefers the
 * (status, kind) index and scans every open exception for each chunk.
 */
async function openExceptionsOf(db: LedgerReader, payoutIds: readonly number[]): Promise<Map<number, OpenException>> {
  const rows = await db
    .selectFrom('exceptions as e')
    .leftJoin('internal_records as r', 'r.id', 'e.internal_record_id')
    .select(['e.id', 'e.payout_id', 'e.kind', 'e.status', 'r.internal_id'])
    .where('e.payout_id', 'in', payoutIds)
    .execute();
  const best = new Map<number, OpenException & { id: number }>();
  for (const row of rows) {
    if (row.payout_id === null || row.status !== 'open') continue;
    const current = best.get(row.payout_id);
    const rank = exceptionRank(row.kind);
    if (!current || rank < exceptionRank(current.kind) || (rank === exceptionRank(current.kind) && row.id < current.id)) {
      best.set(row.payout_id, { id: row.id, kind: row.kind, internalId: row.internal_id });
    }
  }
  return best;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : JSON.stringify(value);
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
      const c = scalarText(code);
      const i = scalarText(info);
      return c && i ? `${c}: ${i}` : c || i;
    });
    const text = parts.filter((p) => p !== '').join('; ');
    return text === '' ? null : text;
  } catch {
    return json;
  }
}
