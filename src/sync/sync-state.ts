/**
 * The `sync_state` rows: one per synced list, e.g. `smart2pay:payouts`.
 * `watermark` means "every payout the provider showed with a creation time
 * before this instant is in the ledger"; it only ever moves forward.
 */
import type { Ledger } from '../ledger/ledger.js';
import type { Instant } from '../shared/time.js';

export const SMART2PAY_PAYOUTS_STATE = 'smart2pay:payouts';

export interface SyncState {
  key: string;
  watermark: Instant | null;
  details: Record<string, unknown>;
  updatedAt: Instant;
}

export async function readSyncState(ledger: Ledger, key: string): Promise<SyncState | null> {
  const row = await ledger.db.selectFrom('sync_state').selectAll().where('key', '=', key).executeTakeFirst();
  if (!row) return null;
  let details: Record<string, unknown> = {};
  try {
    details = row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {};
  } catch {
    details = {};
  }
  return { key: row.key, watermark: row.watermark, details, updatedAt: row.updated_at };
}

/**
 * Moves the watermark forward to `watermark` (never backwards) and merges
 * `details`, in one transaction.
 */
export async function advanceWatermark(
  ledger: Ledger,
  key: string,
  watermark: Instant | null,
  details: Record<string, unknown>,
  now: Instant,
): Promise<Instant | null> {
  return ledger.transaction(async (trx) => {
    const row = await trx.selectFrom('sync_state').selectAll().where('key', '=', key).executeTakeFirst();
    const current = row?.watermark ?? null;
    const next = watermark === null ? current : current === null || watermark > current ? watermark : current;
    let merged: Record<string, unknown> = {};
    try {
      merged = row?.details ? (JSON.parse(row.details) as Record<string, unknown>) : {};
    } catch {
      merged = {};
    }
    const text = JSON.stringify({ ...merged, ...details });
    if (row) {
      await trx.updateTable('sync_state').set({ watermark: next, details: text, updated_at: now }).where('key', '=', key).execute();
    } else {
      await trx.insertInto('sync_state').values({ key, watermark: next, details: text, updated_at: now }).execute();
    }
    return next;
  });
}
