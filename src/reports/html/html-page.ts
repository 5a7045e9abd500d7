/**
 * The HTML report: one self-contained page (inline CSS, charts as inline SVG,
 * no script, nothing fetched from outside the file), printable on A4
 * landscape with no chart split across pages. Every text that comes from the
 * ledger is escaped here; figures carry their exact value in `data-*`
 * attributes beside the formatted text, so a test or a script can read them
 * back without parsing a locale's number format.
 */
import { formatMoney, toMajorNumber } from '../../shared/money.js';
import { describePeriodWords } from '../report-period.js';
import { currencyExponent } from '../../shared/currencies.js';
import type { LocalTime } from '../local-time.js';
import { REPORT_STATUSES } from '../rows/reconciliation-outcome.js';
import type { CurrencyStatusTotals } from '../sections/summary-section.js';
import { balanceChart, type ChartFormat, dailyVolumeChart, exceptionAgesChart, horizontalBars, stackedBars } from './charts.js';
import { AGE_BUCKETS, type DashboardData, OPEN_EXCEPTIONS_SHOWN } from './dashboard-data.js';
import { PAGE_CSS } from './page-style.js';

export interface HtmlPageOptions {
  time: LocalTime;
  /** BCP 47 locale for numbers and dates (`reports.locale`). */
  locale: string;
  /** Where the full lists are, said without a link (e.g. the workbook's file name). */
  fullListsIn: string;
  /** Shown under the title (the dashboard says it is live). */
  subtitle?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Formats money and numbers in the report's locale, exactly (Intl reads the decimal string, not a float). */
export class LocaleFormat implements ChartFormat {
  readonly #locale: string;
  readonly #money = new Map<string, Intl.NumberFormat>();
  readonly #number: Intl.NumberFormat;

  constructor(locale: string) {
    this.#locale = locale;
    this.#number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  }

  money(minor: number, currency: string): string {
    let nf = this.#money.get(currency);
    if (!nf) {
      const digits = currencyExponent(currency);
      try {
        nf = new Intl.NumberFormat(this.#locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
      } catch {
        nf = new Intl.NumberFormat(this.#locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
      }
      this.#money.set(currency, nf);
    }
    // A decimal string is formatted exactly (Intl.NumberFormat v3), whatever its size.
    return nf.format(formatMoney(minor, currency) as unknown as number);
  }

  major(minor: number, currency: string): number {
    return toMajorNumber(minor, currency);
  }

  number(value: number): string {
    return this.#number.format(value);
  }

  percent(ratio: number): string {
    return new Intl.NumberFormat(this.#locale, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(ratio);
  }
}

export function renderHtmlReport(data: DashboardData, options: HtmlPageOptions): string {
  const fmt = new LocaleFormat(options.locale);
  const { period, summary } = data;
  // The workbook's title, so the page and the pack read the same.
  const title = `Payouts, ${describePeriodWords(period)}`;
  const sections = [
    headline(data, fmt),
    ...data.daily.map((v) => chartFigure(`Paid out per day by remittance purpose, ${v.currency}`, dailyVolumeChart(v, fmt), 'daily-volume', v.currency)),
    statusMix(summary.statusTotals, fmt),
    failureReasons(data, fmt),
    outcomes(data, fmt),
    exceptionAges(data, fmt),
    ...data.balances.map((b) => balanceFigure(b, fmt)),
    suspectedRefunds(data, fmt, options.time),
    openExceptions(data, fmt, options),
  ];
  const notes = summary.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
  return `<!doctype html>
<html lang="${escapeHtml(options.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(`${period.firstDay} to ${period.lastDay}, ${period.zone}. ${summary.payouts.toLocaleString(options.locale)} payouts. Generated ${options.time.plain(summary.generatedAt)}.`)}${options.subtitle ? ` ${escapeHtml(options.subtitle)}` : ''}</p>
${notes}
</header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

function headline(data: DashboardData, fmt: LocaleFormat): string {
  const previous = new Map(data.previous.map((p) => [p.currency, p]));
  const cards = data.summary.statusTotals.map((t) => {
    const before = previous.get(t.currency);
    const paid = t.byStatus.succeeded;
    const change = before && before.byStatus.succeeded.amount > 0 ? (paid.amount - before.byStatus.succeeded.amount) / before.byStatus.succeeded.amount : null;
    const figure = (label: string, status: string, amount: number, count: number): string =>
      `<div class="figure" data-currency="${escapeHtml(t.currency)}" data-status="${status}" data-amount="${formatMoney(amount, t.currency)}" data-count="${count}"><span class="label">${label}</span><span class="value">${escapeHtml(fmt.money(amount, t.currency))}</span><span class="count">${fmt.number(count)} payouts</span></div>`;
    return `<div class="card"><h3>${escapeHtml(t.currency)}</h3>
${figure('Paid out', 'succeeded', paid.amount, paid.count)}
${figure('Failed', 'failed', t.byStatus.failed.amount, t.byStatus.failed.count)}
${figure('Open', 'open', t.byStatus.open.amount, t.byStatus.open.count)}
${figure('All payouts (any status)', 'total', t.total.amount, t.total.count)}
<p class="change">${change === null ? 'No paid-out payouts in the previous period to compare.' : `Paid out ${escapeHtml(fmt.percent(change))} against the previous period (${escapeHtml(fmt.money(before?.byStatus.succeeded.amount ?? 0, t.currency))}).`}</p></div>`;
  });
  const body = cards.length > 0 ? `<div class="cards">${cards.join('\n')}</div>` : '<p>No payouts in this period.</p>';
  return `<section class="keep" id="headline"><h2>Headline</h2>${body}</section>`;
}

function chartFigure(caption: string, svg: string, kind: string, currency?: string): string {
  const data = currency ? ` data-currency="${escapeHtml(currency)}"` : '';
  return `<section class="keep chart" data-chart="${kind}"${data}><h2>${escapeHtml(caption)}</h2>${svg}</section>`;
}

function statusMix(totals: readonly CurrencyStatusTotals[], fmt: LocaleFormat): string {
  if (totals.length === 0) return '';
  const series = REPORT_STATUSES.map((s) => ({ name: s, values: totals.map((t) => t.byStatus[s].count) }));
  return chartFigure('Status mix (number of payouts per currency)', stackedBars(totals.map((t) => t.currency), series, fmt), 'status-mix');
}

function failureReasons(data: DashboardData, fmt: LocaleFormat): string {
  if (data.failureReasons.length === 0) return '<section class="keep" data-chart="failure-reasons"><h2>Failure reasons</h2><p>No failed payouts in this period.</p></section>';
  const labels = data.failureReasons.map((r) => `${r.currency} · ${r.reason}`);
  return chartFigure('Failure reasons (top 10, number of payouts)', horizontalBars(labels, data.failureReasons.map((r) => r.count), fmt, '#D55E00'), 'failure-reasons');
}

function outcomes(data: DashboardData, fmt: LocaleFormat): string {
  const currencies = [...new Set(data.summary.outcomes.map((o) => o.currency))].sort();
  const names = [...new Set(data.summary.outcomes.map((o) => o.outcome))];
  if (currencies.length === 0) return '';
  const series = names.map((name) => ({ name, values: currencies.map((c) => data.summary.outcomes.find((o) => o.currency === c && o.outcome === name)?.count ?? 0) }));
  return chartFigure('Reconciliation outcomes (number of payouts per currency)', stackedBars(currencies, series, fmt), 'outcomes');
}

function exceptionAges(data: DashboardData, fmt: LocaleFormat): string {
  if (data.exceptionAges.length === 0) return '<section class="keep" data-chart="exception-ages"><h2>Open exceptions by kind and age</h2><p>No open exceptions.</p></section>';
  return chartFigure(`Open exceptions by kind and age (${AGE_BUCKETS.join(', ')} open)`, exceptionAgesChart(data.exceptionAges, fmt), 'exception-ages');
}

function balanceFigure(series: DashboardData['balances'][number], fmt: LocaleFormat): string {
  const r = series.runway;
  const runway =
    r === null
      ? 'No snapshot in this period to project from.'
      : r.runsOutOn === null
        ? 'Nothing was paid out recently: no projected shortfall.'
        : `At ${fmt.money(r.dailyRate, series.currency)} a day, the balance lasts until ${r.runsOutOn} (${r.businessDaysLeft ?? 0} business days).`;
  const threshold = series.threshold === null ? '' : ` Low-balance threshold ${fmt.money(series.threshold, series.currency)}.`;
  const caption = `Prefunding balance, ${series.currency}`;
  return `<section class="keep chart" data-chart="balance" data-currency="${escapeHtml(series.currency)}"><h2>${escapeHtml(caption)}</h2><p class="meta">${escapeHtml(runway + threshold)} ▲ top-up, ● refund.</p>${balanceChart(series, fmt)}</section>`;
}

function suspectedRefunds(data: DashboardData, fmt: LocaleFormat, time: LocalTime): string {
  if (data.suspectedRefunds.length === 0) return '<section class="keep" id="refunds"><h2>Suspected manual refunds</h2><p>None in this period.</p></section>';
  const rows = data.suspectedRefunds.map(
    (r) =>
      `<tr><td class="when">${escapeHtml(time.plain(r.at))}</td><td>${escapeHtml(r.type === 'confirmed_manual_refund' ? 'confirmed' : 'suspected')}</td><td>${escapeHtml(r.providerPayoutId ?? '')}</td><td class="num">${r.amount !== null && r.currency ? escapeHtml(fmt.money(r.amount, r.currency)) : ''}</td><td>${escapeHtml(r.summary ?? '')}</td></tr>`,
  );
  return `<section id="refunds"><h2>Suspected manual refunds</h2><table><thead><tr><th>Detected</th><th>State</th><th>Payout</th><th>Amount</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function openExceptions(data: DashboardData, fmt: LocaleFormat, options: HtmlPageOptions): string {
  const where = `The full lists of payouts, exceptions and refunds are in the workbook ${options.fullListsIn} (sheets Payouts, Exceptions, Refunds).`;
  if (data.openExceptionCount === 0) return `<section id="open-exceptions"><h2>Open exceptions</h2><p>None.</p><p class="note">${escapeHtml(where)}</p></section>`;
  const shown = data.openExceptions.length;
  const rows = data.openExceptions.map(
    (e) =>
      `<tr><td>${e.id}</td><td>${escapeHtml(e.kind)}</td><td class="when">${escapeHtml(options.time.plain(e.openedAt))}</td><td>${escapeHtml(e.providerPayoutId ?? '')}</td><td>${escapeHtml(e.internalId ?? '')}</td><td class="num">${e.amount !== null && e.currency ? escapeHtml(fmt.money(e.amount, e.currency)) : ''}</td><td>${escapeHtml(e.summary)}</td></tr>`,
  );
  const count = shown < data.openExceptionCount ? `The first ${shown} of ${data.openExceptionCount.toLocaleString(options.locale)} open exceptions.` : `${shown} open exceptions.`;
  return `<section id="open-exceptions"><h2>Open exceptions</h2><p class="meta">${escapeHtml(count)} Up to ${OPEN_EXCEPTIONS_SHOWN} are shown here.</p><table><thead><tr><th>ID</th><th>Kind</th><th>Opened</th><th>Payout</th><th>Internal ID</th><th>Amount</th><th>Diagnostics</th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="note">${escapeHtml(where)}</p></section>`;
}
