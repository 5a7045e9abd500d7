/**
 * Which instants a report pack covers, and what the pack is called. Pure:
 * the period is cut in the reporting zone by `src/shared/time.ts`, so a
 * payout at 23:30 UTC on 31 October belongs to November in Bucharest, and a
 * month with a daylight-saving change is an hour longer or shorter.
 */
import { UsageError } from '../shared/errors.js';
import { dayRangePeriod, monthPeriod, type Period, TimeFormatError } from '../shared/time.js';

export interface ReportPeriodRequest {
  /** `YYYY-MM`. */
  month?: string | undefined;
  /** First day, `YYYY-MM-DD`. */
  from?: string | undefined;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  to?: string | undefined;
}

export interface ReportPeriod extends Period {
  /** In file names: `2026-10`, `2026-10-01_2026-10-15`, or `2026-10-01` for one day. */
  label: string;
  /** First local day, `YYYY-MM-DD`. */
  firstDay: string;
  /** Last local day (inclusive), `YYYY-MM-DD`. */
  lastDay: string;
  /** The IANA zone the period was cut in. */
  zone: string;
}

/** Turns `--month` or `--from/--to` into a period cut in `zone`; bad usage is a `UsageError`. */
export function resolveReportPeriod(request: ReportPeriodRequest, zone: string): ReportPeriod {
  const { month, from, to } = request;
  if (month !== undefined && (from !== undefined || to !== undefined)) {
    throw new UsageError('report: give either --month or --from/--to, not both');
  }
  try {
    if (month !== undefined) {
      const period = monthPeriod(month, zone);
      const [year, monthNumber] = month.split('-').map(Number) as [number, number];
      const days = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
      return { ...period, label: month, firstDay: `${month}-01`, lastDay: `${month}-${String(days).padStart(2, '0')}`, zone };
    }
    if (from === undefined || to === undefined) {
      throw new UsageError('report: give --month YYYY-MM, or both --from YYYY-MM-DD and --to YYYY-MM-DD');
    }
    const period = dayRangePeriod(from, to, zone);
    return { ...period, label: from === to ? from : `${from}_${to}`, firstDay: from, lastDay: to, zone };
  } catch (error) {
    if (error instanceof TimeFormatError) throw new UsageError(`report: ${error.message}`, { cause: error });
    throw error;
  }
}

/** `payouts-2026-10`: the workbook is `<name>.xlsx`, the CSV folder `<name>/`. */
export function packName(period: ReportPeriod): string {
  return `payouts-${period.label}`;
}

/** `2026-10-01 to 2026-10-31`, or the one day. */
export function describePeriodDays(period: ReportPeriod): string {
  return period.firstDay === period.lastDay ? period.firstDay : `${period.firstDay} to ${period.lastDay}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `October 2026`, `1–15 October 2026`, `28 September – 3 October 2026`, `5 October 2026`: the period as a person says it. */
export function describePeriodWords(period: ReportPeriod): string {
  const [fy, fm, fd] = period.firstDay.split('-').map(Number) as [number, number, number];
  const [ly, lm, ld] = period.lastDay.split('-').map(Number) as [number, number, number];
  const monthName = (m: number): string => MONTHS[m - 1] ?? String(m);
  const lastOfMonth = new Date(Date.UTC(ly, lm, 0)).getUTCDate();
  if (fy === ly && fm === lm) {
    if (fd === 1 && ld === lastOfMonth) return `${monthName(fm)} ${fy}`;
    if (fd === ld) return `${fd} ${monthName(fm)} ${fy}`;
    return `${fd}–${ld} ${monthName(fm)} ${fy}`;
  }
  if (fd === 1 && ld === lastOfMonth) return fy === ly ? `${monthName(fm)} – ${monthName(lm)} ${ly}` : `${monthName(fm)} ${fy} – ${monthName(lm)} ${ly}`;
  return fy === ly ? `${fd} ${monthName(fm)} – ${ld} ${monthName(lm)} ${ly}` : `${fd} ${monthName(fm)} ${fy} – ${ld} ${monthName(lm)} ${ly}`;
}

/** The pack's title: `Payouts, October 2026, Europe/Bucharest`. */
export function packTitle(period: ReportPeriod): string {
  return `Payouts, ${describePeriodWords(period)}, ${period.zone}`;
}
