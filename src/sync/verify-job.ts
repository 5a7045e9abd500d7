/**
 * The daemon's `verify` job (`schedule.verify`, weekly by default): the
 * sync self-check over the last `smart2pay.verifyDays` days. Payouts the
 * regular sync had missed raise the critical alert `sync_missed_payouts`
 * (they are stored by then); a clean check resolves it.
 */
import { raiseAlert, resolveAlert } from '../alerts/alerts.js';
import type { JobDefinition, JobSummary } from '../daemon/jobs.js';
import { formatInstant, MS_PER_DAY } from '../shared/time.js';
import { runVerify } from './verify-sync.js';

export const SYNC_MISSED_PAYOUTS_ALERT = 'sync_missed_payouts';

export const verifyJob: JobDefinition = {
  name: 'verify',
  description: 'self-check of the sync: re-walk the last smart2pay.verifyDays days with shifted windows, alert on missed payouts',
  run: async (ctx): Promise<JobSummary> => {
    const days = ctx.config.smart2pay?.verifyDays ?? 35;
    const result = await runVerify({
      config: ctx.config,
      ledger: ctx.ledger,
      log: ctx.log,
      clock: ctx.clock,
      since: ctx.clock() - days * MS_PER_DAY,
      signal: ctx.signal,
    });
    if (result.range === null) return { checked: false, missed: 0 };
    const alerts = { config: ctx.config.alerts, log: ctx.log, clock: ctx.clock };
    const from = formatInstant(result.range.from);
    const to = formatInstant(result.range.to);
    if (result.missed > 0) {
      await raiseAlert(
        ctx.ledger,
        {
          kind: SYNC_MISSED_PAYOUTS_ALERT,
          conditionKey: SYNC_MISSED_PAYOUTS_ALERT,
          severity: 'critical',
          title: 'payout-recon sync missed payouts',
          text:
            `The sync self-check found ${result.missed} payouts created between ${from} and ${to} that the regular sync had missed ` +
            `(now stored; e.g. ${result.missedIds.slice(0, 5).join(', ')}). Reports and reconciliations of that period may need a re-run.`,
          details: { missed: result.missed, missed_ids: result.missedIds, from, to },
        },
        alerts,
      );
    } else {
      await resolveAlert(ctx.ledger, SYNC_MISSED_PAYOUTS_ALERT, `The sync self-check of ${from} to ${to} found no missed payouts.`, {
        ...alerts,
        details: { from, to },
      });
    }
    return { checked: true, from, to, fetched: result.synced?.fetched ?? 0, missed: result.missed, missed_ids: result.missedIds };
  },
};
