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
