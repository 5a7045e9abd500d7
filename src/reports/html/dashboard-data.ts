/**
 * What the HTML report and the daemon's dashboard show, read from one ledger
 * snapshot. Totals come from the same queries as the workbook's Summary
 * (`collectSummary`), so every figure on the page equals the workbook's; the
 * rest are GROUP BY queries whose results are small (days × purposes,
 * reasons, kinds × age buckets): nothing here walks the period's payouts in
 * JavaScript, so a month of a million payouts costs a few scans in SQL.
 */
import { sql } from 'kysely';
import { computeRunway, type Runway } from '../../monitoring/runway.js';
import { dayRangePeriod, MS_PER_DAY, type Period } from '../../shared/time.js';
import type { LocalTime } from '../local-time.js';
import { readBalanceDays } from '../rows/balance-rows.js';
import { type ExceptionReportRow, readExceptionRows } from '../rows/exception-rows.js';
import { formatReasons, purposeGroup } from '../rows/payout-rows.js';
import type { LedgerReader } from '../rows/read-snapshot.js';
import { readRefundRows, type RefundReportRow } from '../rows/refund-rows.js';
import type { ReportPeriod } from '../report-period.js';
import { collectSummary, type CurrencyStatusTotals, statusTotals, type SummaryData } from '../sections/summary-section.js';
import { payoutTotals } from '../rows/report-aggregates.js';

/** Purposes drawn as their own series per currency; the rest are summed into one. */
export const TOP_PURPOSES = 8;
export const OTHER_PURPOSES = 'All other purposes';
export const OPEN_EXCEPTIONS_SHOWN = 100;
export const AGE_BUCKETS = ['0–1 days', '2–3 days', '4–7 days', '8+ days'] as const;

export interface DashboardOptions {
  period: ReportPeriod;
  time: LocalTime;
  /** "Generated at", and "now" for exception ages and the runway. */
  now: number;
  /** Low-balance thresholds per currency, minor units (`alerts.lowBalance`). */
  lowBalance?: Readonly<Record<string, number>>;
  /** Days of payouts that make the recent daily rate (`alerts.runwayLookbackDays`). */
  runwayLookbackDays?: number;
}

export interface DailyVolume {
  currency: string;
  /** Local days of the period, `YYYY-MM-DD`. */
  days: string[];
  /** Paid out (succeeded) per day, minor units, per purpose series (largest first). */
  series: { purpose: string; amounts: number[] }[];
}

export interface ExceptionAges {
  kind: string;
  /** Open exceptions per age bucket (`AGE_BUCKETS`). */
  counts: number[];
}

export interface BalanceSeries {
  currency: string;
  days: string[];
  closing: (number | null)[];
  lowest: (number | null)[];
  topups: number[];
  refunds: number[];
  threshold: number | null;
  /** At the last snapshot of the period, at the rate of the look-back before it. */
  runway: Runway | null;
}

export interface DashboardData {
  period: ReportPeriod;
  summary: SummaryData;
  /** The period of the same length just before, per currency (for "change"). */
  previous: CurrencyStatusTotals[];
  daily: DailyVolume[];
  failureReasons: { currency: string; reason: string; count: number; amount: number }[];
  exceptionAges: ExceptionAges[];
  balances: BalanceSeries[];
  suspectedRefunds: RefundReportRow[];
  openExceptions: ExceptionReportRow[];
  openExceptionCount: number;
}

export async function collectDashboard(db: LedgerReader, options: DashboardOptions): Promise<DashboardData> {
  const { period, time, now } = options;
  const { summary } = await collectSummary(db, period, now);
  const previousPeriod = { from: period.from - (period.to - period.from), to: period.from };
  const previous = statusTotals((await payoutTotals(db, previousPeriod)).purposes);
  const days = localDays(period);
  const open = await openExceptions(db, period);
  return {
    period,
    summary,
    previous,
    daily: await dailyVolume(db, days),
    failureReasons: await failureReasons(db, period),
    exceptionAges: await exceptionAges(db, period, now),
    balances: await balanceSeries(db, period, time, days, options),
    suspectedRefunds: await suspectedRefunds(db, period),
    openExceptions: open.rows,
    openExceptionCount: open.count,
  };
}

interface LocalDay {
  day: string;
  from: number;
  to: number;
}

/** The period's local days with their UTC bounds (a day is 23 or 25 hours at a DST change), cut as reports cut them. */
export function localDays(period: ReportPeriod): LocalDay[] {
  const days: LocalDay[] = [];
  for (let day = period.firstDay; day <= period.lastDay; day = nextDay(day)) {
    const bounds = dayRangePeriod(day, day, period.zone);
    days.push({ day, from: bounds.from, to: bounds.to });
  }
  return days;
}

/** `YYYY-MM-DD` of the calendar day after (calendar arithmetic, no zone involved). */
function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** Succeeded payouts per local day, currency and purpose: one GROUP BY with the day found by a CASE over the day bounds. */
async function dailyVolume(db: LedgerReader, days: readonly LocalDay[]): Promise<DailyVolume[]> {
  if (days.length === 0) return [];
  const dayIndex = sql<number>`case ${sql.join(
    days.map((d, i) => sql`when p.created_at < ${sql.lit(d.to)} then ${sql.lit(i)}`),
    sql` `,
  )} end`;
  const rows = await db
    .selectFrom('payouts as p')
    .select((eb) => ['p.currency', 'p.purpose', dayIndex.as('day'), eb.fn.sum<number>('p.amount').as('amount')])
    .where('p.created_at', '>=', days[0]!.from)
    .where('p.created_at', '<', days[days.length - 1]!.to)
    .where('p.status', '=', 'succeeded')
    .groupBy(['p.currency', 'p.purpose', dayIndex])
    .execute();
  const byCurrency = new Map<string, Map<string, number[]>>();
  for (const r of rows) {
    const purposes = byCurrency.get(r.currency) ?? new Map<string, number[]>();
    byCurrency.set(r.currency, purposes);
    const purpose = purposeGroup(r.purpose);
    const amounts = purposes.get(purpose) ?? days.map(() => 0);
    purposes.set(purpose, amounts);
    amounts[Number(r.day)]! += Number(r.amount);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, purposes]) => {
      const ranked = [...purposes.entries()]
        .map(([purpose, amounts]) => ({ purpose, amounts, total: amounts.reduce((s, a) => s + a, 0) }))
        .sort((a, b) => b.total - a.total || a.purpose.localeCompare(b.purpose));
      const series = ranked.slice(0, TOP_PURPOSES).map(({ purpose, amounts }) => ({ purpose, amounts }));
      const rest = ranked.slice(TOP_PURPOSES);
      if (rest.length > 0) {
        series.push({ purpose: OTHER_PURPOSES, amounts: days.map((_, i) => rest.reduce((s, r) => s + (r.amounts[i] ?? 0), 0)) });
      }
      return { currency, days: days.map((d) => d.day), series };
    });
}

/** The ten most frequent reasons of the period's failed payouts, per currency. */
async function failureReasons(db: LedgerReader, period: Period): Promise<DashboardData['failureReasons']> {
  const rows = await db
    .selectFrom('payouts as p')
    .select((eb) => ['p.currency', 'p.reasons', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('p.amount').as('amount')])
    .where('p.created_at', '>=', period.from)
    .where('p.created_at', '<', period.to)
    .where('p.status', '=', 'failed')
    .groupBy(['p.currency', 'p.reasons'])
    .execute();
  // Two JSON texts can read the same once formatted: merge them after formatting.
  const merged = new Map<string, { currency: string; reason: string; count: number; amount: number }>();
  for (const r of rows) {
    const reason = formatReasons(r.reasons) ?? '(no reason given)';
    const key = `${r.currency}\u0000${reason}`;
    const entry = merged.get(key) ?? { currency: r.currency, reason, count: 0, amount: 0 };
    entry.count += Number(r.count);
    entry.amount += Number(r.amount);
    merged.set(key, entry);
  }
  return [...merged.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)).slice(0, 10);
}

/** Exceptions of the period (as the Exceptions sheet selects them) that are open, by kind and age. */
async function exceptionAges(db: LedgerReader, period: Period, now: number): Promise<ExceptionAges[]> {
  const age = sql<number>`case when e.opened_at > ${sql.lit(now - 2 * MS_PER_DAY)} then 0 when e.opened_at > ${sql.lit(now - 4 * MS_PER_DAY)} then 1 when e.opened_at > ${sql.lit(now - 8 * MS_PER_DAY)} then 2 else 3 end`;
  const rows = await periodExceptions(db, period)
    .where('e.status', '=', 'open')
    .select((eb) => ['e.kind', age.as('bucket'), eb.fn.countAll<number>().as('count')])
    .groupBy(['e.kind', age])
    .execute();
  const byKind = new Map<string, number[]>();
  for (const r of rows) {
    const counts = byKind.get(r.kind) ?? AGE_BUCKETS.map(() => 0);
    counts[Number(r.bucket)]! += Number(r.count);
    byKind.set(r.kind, counts);
  }
  return [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, counts]) => ({ kind, counts }));
}

/** The exceptions that belong to the period, chosen as `readExceptionRows` chooses them. */
function periodExceptions(db: LedgerReader, period: Period) {
  return db
    .selectFrom('exceptions as e')
    .leftJoin('payouts as p', 'p.id', 'e.payout_id')
    .leftJoin('internal_records as r', 'r.id', 'e.internal_record_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('p.created_at', '>=', period.from), eb('p.created_at', '<', period.to)]),
        eb.and([eb('e.payout_id', 'is', null), eb('r.created_at', '>=', period.from), eb('r.created_at', '<', period.to)]),
        eb.and([eb('e.payout_id', 'is', null), eb('e.internal_record_id', 'is', null), eb('e.opened_at', '>=', period.from), eb('e.opened_at', '<', period.to)]),
      ]),
    );
}

async function openExceptions(db: LedgerReader, period: Period): Promise<{ rows: ExceptionReportRow[]; count: number }> {
  const counted = await periodExceptions(db, period)
    .where('e.status', '=', 'open')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  const rows: ExceptionReportRow[] = [];
  for await (const chunk of readExceptionRows(db, period)) {
    for (const row of chunk) if (row.status === 'open' && rows.length < OPEN_EXCEPTIONS_SHOWN) rows.push(row);
    if (rows.length >= OPEN_EXCEPTIONS_SHOWN) break;
  }
  return { rows, count: Number(counted?.count ?? 0) };
}

async function suspectedRefunds(db: LedgerReader, period: Period): Promise<RefundReportRow[]> {
  const rows: RefundReportRow[] = [];
  for await (const chunk of readRefundRows(db, period)) {
    for (const row of chunk) if (row.type === 'suspected_manual_refund' || row.type === 'confirmed_manual_refund') rows.push(row);
    if (rows.length >= OPEN_EXCEPTIONS_SHOWN) break;
  }
  return rows.slice(0, OPEN_EXCEPTIONS_SHOWN);
}

async function balanceSeries(
  db: LedgerReader,
  period: ReportPeriod,
  time: LocalTime,
  days: readonly LocalDay[],
  options: DashboardOptions,
): Promise<BalanceSeries[]> {
  const rows = await readBalanceDays(db, period, time);
  const byCurrency = new Map<string, BalanceSeries>();
  const dayIndex = new Map(days.map((d, i) => [d.day, i]));
  const lastAt = new Map<string, { at: number; closing: number }>();
  for (const r of rows) {
    let series = byCurrency.get(r.currency);
    if (!series) {
      series = {
        currency: r.currency,
        days: days.map((d) => d.day),
        closing: days.map(() => null),
        lowest: days.map(() => null),
        topups: days.map(() => 0),
        refunds: days.map(() => 0),
        threshold: options.lowBalance?.[r.currency] ?? null,
        runway: null,
      };
      byCurrency.set(r.currency, series);
    }
    const i = dayIndex.get(r.day);
    if (i === undefined) continue;
    // Wallets of one currency add up, as the balance monitor adds them.
    if (r.closing !== null) series.closing[i] = (series.closing[i] ?? 0) + r.closing;
    if (r.lowest !== null) series.lowest[i] = (series.lowest[i] ?? 0) + r.lowest;
    series.topups[i]! += r.topups;
    series.refunds[i]! += r.refunds;
    if (r.lastSnapshotAt !== null && r.closing !== null) {
      const seen = lastAt.get(r.currency);
      if (!seen || r.lastSnapshotAt >= seen.at) lastAt.set(r.currency, { at: r.lastSnapshotAt, closing: series.closing[i]! });
    }
  }
  const lookbackDays = options.runwayLookbackDays ?? 14;
  for (const series of byCurrency.values()) {
    const last = lastAt.get(series.currency);
    if (!last) continue;
    const paid = await db
      .selectFrom('payouts')
      .select((eb) => eb.fn.sum<number>('amount').as('amount'))
      .where('currency', '=', series.currency)
      .where('status', '=', 'succeeded')
      .where('created_at', '>=', last.at - lookbackDays * MS_PER_DAY)
      .where('created_at', '<', last.at)
      .executeTakeFirst();
    series.runway = computeRunway({ balance: last.closing, recentPayouts: Number(paid?.amount ?? 0), lookbackDays, now: last.at, zone: period.zone });
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
