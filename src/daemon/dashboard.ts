/**
 * `GET /dashboard[?month=YYYY-MM]`: the HTML report's page, live, for the
 * current month (or the month asked) in the reporting zone: the latest
 * balance snapshots and the exceptions open now. The admin's only (the same
 * credentials as the detailed `/healthz`), read-only (one read snapshot of
 * the ledger, nothing written), and served with headers that forbid
 * scripts, framing and content sniffing.
 */
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import { collectDashboard } from '../reports/html/dashboard-data.js';
import { htmlReportSettings } from '../reports/html/html-settings.js';
import { renderHtmlReport } from '../reports/html/html-page.js';
import { LocalTime } from '../reports/local-time.js';
import { withReadSnapshot } from '../reports/rows/read-snapshot.js';
import { packName, resolveReportPeriod } from '../reports/report-period.js';
import type { Clock } from '../shared/clock.js';
import { instantToWallClock } from '../shared/time.js';
import { requireAdmin } from './http/admin-auth.js';
import { HttpError, type HttpHandler } from './http/router.js';

export const DASHBOARD_PATH = '/dashboard';

/** No script at all; inline styles only (the page's CSS and the charts' SVG); nothing loaded from anywhere. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

export function dashboardHandler(services: { config: Config; ledger: Ledger; clock: Clock }): HttpHandler {
  const { config, ledger, clock } = services;
  return async (request) => {
    await requireAdmin(request, config.server.admin);
    const now = clock();
    const month = request.query.get('month') ?? currentMonth(now, config.timezone);
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new HttpError(400, 'month must be YYYY-MM');
    const period = resolveReportPeriod({ month }, config.timezone);
    const settings = htmlReportSettings(config);
    const time = new LocalTime(period.zone);
    const data = await withReadSnapshot(ledger, (snapshot) =>
      collectDashboard(snapshot.db, { period, time, now, lowBalance: settings.lowBalance ?? {}, runwayLookbackDays: settings.runwayLookbackDays ?? 14 }),
    );
    const html = renderHtmlReport(data, { time, locale: settings.locale, fullListsIn: `${packName(period)}.xlsx (payout-recon report --month ${month})`, subtitle: 'Live view of the ledger.' });
    return { status: 200, headers: DASHBOARD_HEADERS, html };
  };
}

function currentMonth(now: number, zone: string): string {
  const w = instantToWallClock(now, zone);
  return `${w.year}-${String(w.month).padStart(2, '0')}`;
}
