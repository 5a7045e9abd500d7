/**
 * The Balance sheet: one row per local day and prefunding wallet with the
 * day's first, last and lowest snapshot, plus the day's top-ups and refunds
 * (balance movements) in that currency. Snapshots and movements are read in
 * chunks; what is kept is one entry per day and wallet, a few hundred at most.
 */
import type { Period } from '../../shared/time.js';
import type { LocalTime } from '../local-time.js';
import { DEFAULT_CHUNK_ROWS } from './payout-rows.js';
import type { LedgerReader } from './read-snapshot.js';

export interface BalanceDayRow {
  day: string;
  provider: string | null;
  walletId: string | null;
  currency: string;
  opening: number | null;
  closing: number | null;
  lowest: number | null;
  snapshots: number;
  lastSnapshotAt: number | null;
  topups: number;
  refunds: number;
}

export async function readBalanceDays(
  db: LedgerReader,
  period: Period,
  time: LocalTime,
  chunkRows = DEFAULT_CHUNK_ROWS,
): Promise<BalanceDayRow[]> {
  const days = new Map<string, BalanceDayRow>();
  const key = (day: string, currency: string, provider: string | null, wallet: string | null): string =>
    JSON.stringify([day, currency, provider ?? '', wallet ?? '']);

  let after: { at: number; id: number } | undefined;
  for (;;) {
    let query = db
      .selectFrom('balance_snapshots')
      .select(['id', 'provider', 'wallet_id', 'currency', 'amount', 'taken_at'])
      .where('taken_at', '<', period.to);
    if (after) {
      const { at, id } = after;
      query = query.where('taken_at', '>=', at).where((eb) => eb.or([eb('taken_at', '>', at), eb('id', '>', id)]));
    } else {
      query = query.where('taken_at', '>=', period.from);
    }
    const rows = await query.orderBy('taken_at').orderBy('id').limit(chunkRows).execute();
    for (const s of rows) {
      const day = time.day(s.taken_at);
      const k = key(day, s.currency, s.provider, s.wallet_id);
      const row = days.get(k);
      if (!row) {
        days.set(k, {
          day,
          provider: s.provider,
          walletId: s.wallet_id,
          currency: s.currency,
          opening: s.amount,
          closing: s.amount,
          lowest: s.amount,
          snapshots: 1,
          lastSnapshotAt: s.taken_at,
          topups: 0,
          refunds: 0,
        });
        continue;
      }
      row.closing = s.amount;
      row.lowest = Math.min(row.lowest ?? s.amount, s.amount);
      row.snapshots += 1;
      row.lastSnapshotAt = s.taken_at;
    }
    if (rows.length < chunkRows) break;
    const last = rows[rows.length - 1]!;
    after = { at: last.taken_at, id: last.id };
  }

  let afterMovement = 0;
  for (;;) {
    const rows = await db
      .selectFrom('balance_movements')
      .select(['id', 'kind', 'provider', 'currency', 'amount', 'occurred_at'])
      .where('occurred_at', '>=', period.from)
      .where('occurred_at', '<', period.to)
      .where('id', '>', afterMovement)
      .orderBy('id')
      .limit(chunkRows)
      .execute();
    for (const m of rows) {
      const day = time.day(m.occurred_at);
      const row = findWalletDay(days, day, m.currency, m.provider) ?? newMovementDay(days, key(day, m.currency, m.provider, null), day, m.currency, m.provider);
      if (m.kind === 'topup') row.topups += m.amount;
      else if (m.kind === 'refund') row.refunds += m.amount;
    }
    if (rows.length < chunkRows) break;
    afterMovement = rows[rows.length - 1]!.id;
  }

  return [...days.values()].sort(
    (a, b) =>
      cmp(a.day, b.day) || cmp(a.currency, b.currency) || cmp(a.provider ?? '', b.provider ?? '') || cmp(a.walletId ?? '', b.walletId ?? ''),
  );
}

/** Movements carry no wallet: they go to the first wallet of their provider (any provider when unknown) that day. */
function findWalletDay(days: Map<string, BalanceDayRow>, day: string, currency: string, provider: string | null): BalanceDayRow | undefined {
  let found: BalanceDayRow | undefined;
  for (const row of days.values()) {
    if (row.day !== day || row.currency !== currency) continue;
    if (provider !== null && row.provider !== provider) continue;
    if (!found || cmp(row.walletId ?? '', found.walletId ?? '') < 0) found = row;
  }
  return found;
}

function newMovementDay(days: Map<string, BalanceDayRow>, k: string, day: string, currency: string, provider: string | null): BalanceDayRow {
  const row: BalanceDayRow = {
    day,
    provider,
    walletId: null,
    currency,
    opening: null,
    closing: null,
    lowest: null,
    snapshots: 0,
    lastSnapshotAt: null,
    topups: 0,
    refunds: 0,
  };
  days.set(k, row);
  return row;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
