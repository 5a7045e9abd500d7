/**
 * The real daemon's scheduled jobs: each calls the same function as its
 * command, so a scheduled run does exactly what `payout-recon <command>`
 * does. Periods of report jobs are computed from the tick they run for, so a
 * late catch-up still writes the right day or month.
 */
import { bookAdjustments, CHANGES_PAYOUTS } from '../closing/after-command.js';
import { runClose } from '../closing/run-close.js';
import { reconcile } from '../matching/reconcile.js';
import { rulesFromConfig } from '../matching/rules.js';
import { runBalanceCheck, summarizeBalanceCheck } from '../monitoring/balance-check.js';
import { openLedger } from '../ledger/ledger.js';
import { writeReportPack } from '../reports/report-pack.js';
import { htmlReportSettings } from '../reports/html/html-settings.js';
import { resolveReportPeriod } from '../reports/report-period.js';
import { closeOfPeriod } from '../reports/rows/closed-rows.js';
import { instantToWallClock } from '../shared/time.js';
import { runPoll, runSync } from '../sync/run-sync.js';
import { verifyJob } from '../sync/verify-job.js';
import { inThreads, type JobContext, type JobDefinition, type JobSummary } from './jobs.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** The local day before the tick, `YYYY-MM-DD`, in `zone`. */
export function dayBefore(tick: number, zone: string): string {
  const w = instantToWallClock(tick, zone);
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day - 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The local month before the tick's month, `YYYY-MM`, in `zone`. */
export function monthBefore(tick: number, zone: string): string {
  const w = instantToWallClock(tick, zone);
  const d = new Date(Date.UTC(w.year, w.month - 2, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

async function reportJob(ctx: JobContext, request: { month?: string; from?: string; to?: string }): Promise<JobSummary> {
  const { config } = ctx;
  const period = resolveReportPeriod(request, config.timezone);
  // On SQLite a report holds its ledger handle's only connection for its
  // whole run: give it its own handle so the other jobs are not held up.
  const own = ctx.ledger.dialect === 'sqlite';
  const ledger = own ? await openLedger({ url: config.database.url, migrate: false, baseDir: ctx.resolvePath('.') }) : ctx.ledger;
  try {
    const pack = await writeReportPack(ledger, {
      period,
      format: config.reports.format,
      outDir: ctx.resolvePath(config.reports.dir),
      now: ctx.clock(),
      log: ctx.log,
      signal: ctx.signal,
      // The files are published only while this replica still holds the job's lease.
      beforeCommit: () => ctx.ledger.checkFence(),
      html: htmlReportSettings(config),
      csv: config.reports.csv,
    });
    return { period: period.label, payouts: pack.summary.payouts, xlsx: pack.xlsx, csv_files: pack.csvFiles.length, html: pack.html };
  } finally {
    if (own) await ledger.close();
  }
}

/**
 * The production jobs, each run by the daemon in a worker thread (see
 * `job-thread.ts`), which finds it again through this function.
 */
export function productionJobs(): JobDefinition[] {
  return inThreads(productionJobList(), import.meta.url, 'productionJobs');
}

function productionJobList(): JobDefinition[] {
  const jobs: JobDefinition[] = [
    {
      name: 'sync',
      description: 'pull new payouts from the Smart2Pay list, then poll statuses',
      run: async (ctx) => {
        const { synced, polled, inbox } = await runSync({ config: ctx.config, ledger: ctx.ledger, log: ctx.log, clock: ctx.clock, signal: ctx.signal });
        return {
          fetched: synced.fetched,
          inserted: synced.inserted,
          updated: synced.updated,
          requests: synced.requests + (polled?.requests ?? 0),
          status_changes: synced.statusChanges + (polled?.changed ?? 0),
          watermark: synced.watermark === null ? null : new Date(synced.watermark).toISOString(),
          inbox_confirmed: inbox.confirmed,
          inbox_rejected: inbox.rejected,
        };
      },
    },
    {
      name: 'poll',
      description: 'refresh the status of non-final and recently final payouts',
      run: async (ctx) => {
        const polled = await runPoll({ config: ctx.config, ledger: ctx.ledger, log: ctx.log, clock: ctx.clock, signal: ctx.signal });
        return {
          polled: polled.polled,
          changed: polled.changed,
          regressions: polled.regressions,
          missing: polled.missing,
          inbox_confirmed: polled.inbox.confirmed,
          inbox_rejected: polled.inbox.rejected,
        };
      },
    },
    {
      name: 'balance',
      description: 'fetch prefunding balances, run the balance and refund monitors, send alerts',
      run: async (ctx) =>
        summarizeBalanceCheck(
          await runBalanceCheck(ctx.ledger, ctx.config, {
            log: ctx.log,
            clock: ctx.clock,
            resolvePath: (p) => ctx.resolvePath(p),
            signal: ctx.signal,
          }),
        ),
    },
    {
      name: 'reconcile',
      description: 'match payouts against internal records and classify every difference',
      run: async (ctx) => {
        const outcome = await reconcile(ctx.ledger, {
          rules: rulesFromConfig(ctx.config.matching),
          clock: ctx.clock,
          log: ctx.log,
          signal: ctx.signal,
        });
        return { matched: outcome.matched, open_exceptions: outcome.openExceptions, opened: outcome.opened, closed: outcome.closed };
      },
    },
    verifyJob,
    {
      name: 'dailyReport',
      description: "write the previous day's report pack",
      run: async (ctx) => {
        const day = dayBefore(ctx.scheduledAt, ctx.config.timezone);
        return reportJob(ctx, { from: day, to: day });
      },
    },
    {
      name: 'monthlyReport',
      description: "write the previous month's report pack",
      run: async (ctx) => reportJob(ctx, { month: monthBefore(ctx.scheduledAt, ctx.config.timezone) }),
    },
    {
      name: 'close',
      description: 'close the previous month once its data is complete (refused, and retried next tick, until then)',
      run: async (ctx) => closeJob(ctx, monthBefore(ctx.scheduledAt, ctx.config.timezone)),
    },
  ];
  return jobs.map(bookingAdjustments);
}

/** Jobs that can change payouts book changes to closed periods right after (as the commands do). */
function bookingAdjustments(job: JobDefinition): JobDefinition {
  if (!CHANGES_PAYOUTS.has(job.name)) return job;
  return {
    ...job,
    run: async (ctx) => {
      const summary = await job.run(ctx);
      const adjustments = await bookAdjustments(ctx.ledger, ctx.clock, ctx.log);
      return adjustments > 0 ? { ...summary, adjustments } : summary;
    },
  };
}

async function closeJob(ctx: JobContext, month: string): Promise<JobSummary> {
  const period = resolveReportPeriod({ month }, ctx.config.timezone);
  const done = await closeOfPeriod(ctx.ledger.db, period);
  if (done) return { period: month, closed: false, reason: 'already closed' };
  const result = await runClose(ctx.ledger, ctx.config, { request: { month }, actor: 'daemon', note: 'closed by schedule.close', reportsDir: ctx.resolvePath(ctx.config.reports.dir), now: ctx.clock(), log: ctx.log });
  return { period: month, closed: true, close_id: result.closeId, payouts: result.payouts, files: result.manifest.length };
}
