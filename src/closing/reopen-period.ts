/**
 * `payout-recon reopen`: reopens the latest closed period, with a note. The
 * close stays in the ledger (state `reopened`, who and why) with its
 * snapshot, manifest and adjustments: the audit trail. Closing the period
 * again makes a new snapshot; adjustments are then detected against it.
 */
import type { Ledger } from '../ledger/ledger.js';
import type { ReportPeriod } from '../reports/report-period.js';
import { UsageError } from '../shared/errors.js';
import { CLOSE_LOCK_KEY, type ManifestEntry } from './close-period.js';

export interface ReopenPeriodOptions {
  period: ReportPeriod;
  note: string;
  actor: string;
  now: number;
}

export interface ReopenPeriodResult {
  closeId: number;
  label: string;
  closedAt: number;
  closedBy: string;
  reopenedAt: number;
  reopenedBy: string;
  payouts: number;
  /** Adjustments the close had collected (kept). */
  adjustments: number;
  manifest: ManifestEntry[];
}

export async function reopenPeriod(ledger: Ledger, options: ReopenPeriodOptions): Promise<ReopenPeriodResult> {
  const { period, now } = options;
  if (options.note.trim() === '') throw new UsageError('reopen: --note <why> is required (it is kept in the audit trail)');
  return ledger.transaction(async (trx) => {
    await ledger.lockUntilCommit(trx, CLOSE_LOCK_KEY);
    const latest = await trx.selectFrom('period_closes').selectAll().where('state', '=', 'closed').orderBy('period_to', 'desc').orderBy('id', 'desc').executeTakeFirst();
    const mine = await trx
      .selectFrom('period_closes')
      .select('id')
      .where('state', '=', 'closed')
      .where('period_from', '=', period.from)
      .where('period_to', '=', period.to)
      .executeTakeFirst();
    if (!mine) throw new UsageError(`reopen: ${period.label} is not closed`);
    if (!latest || latest.id !== mine.id) {
      throw new UsageError(`reopen: only the latest closed period can be reopened; ${latest?.label ?? '?'} is closed after ${period.label} (reopen it first)`);
    }
    await trx
      .updateTable('period_closes')
      .set({ state: 'reopened', reopened_at: now, reopened_by: options.actor, reopen_note: options.note })
      .where('id', '=', latest.id)
      .execute();
    await trx
      .insertInto('audit_log')
      .values({ at: now, actor: options.actor, action: 'reopen', payout_id: null, internal_record_id: null, exception_id: null, details: JSON.stringify({ close_id: latest.id, period: latest.label, note: options.note }) })
      .execute();
    const adjustments = await trx.selectFrom('payout_adjustments').select((eb) => eb.fn.countAll<number>().as('n')).where('close_id', '=', latest.id).executeTakeFirstOrThrow();
    return {
      closeId: latest.id,
      label: latest.label,
      closedAt: latest.closed_at,
      closedBy: latest.closed_by,
      reopenedAt: now,
      reopenedBy: options.actor,
      payouts: latest.payouts,
      adjustments: Number(adjustments.n),
      manifest: latest.manifest ? (JSON.parse(latest.manifest) as ManifestEntry[]) : [],
    };
  });
}
