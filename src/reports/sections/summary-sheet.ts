/**
 * The Summary sheet: what the pack covers and its totals, as blocks an
 * accountant reads at a glance (`sheet-blocks.ts` sizes the columns from the
 * cells and keeps each block on one printed page).
 */
import type { LocalTime } from '../local-time.js';
import { describePeriodDays, packTitle } from '../report-period.js';
import { REPORT_STATUSES, type ReportStatus } from '../rows/reconciliation-outcome.js';
import type { XlsxWorkbookWriter } from '../writers/xlsx/xlsx-workbook-writer.js';
import { type BlockCell, type BlockRow, layoutBlocks, type SheetBlock, writeBlocks } from './sheet-blocks.js';
import { OPEN_STATUS_NOTE, type SummaryData } from './summary-section.js';
import { NO_ADJUSTMENTS } from './adjustments-section.js';

const label = (text: string): BlockCell => ({ text, bold: true });
const heading = (text: string): BlockCell => ({ text, header: true });
const note = (text: string): BlockCell => ({ text, spill: true });

/** What each status bucket is called on the Summary: paid money says so. */
const STATUS_TITLES: Record<ReportStatus, string> = {
  succeeded: 'Paid (succeeded)',
  failed: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
  open: 'Open',
};

export function summaryBlocks(data: SummaryData): SheetBlock[] {
  const zone = data.period.zone;
  const about: BlockRow[] = [
    [{ text: packTitle(data.period), title: true }],
    [label('Period'), { text: describePeriodDays(data.period) }],
    [label('Time zone'), note(`${zone}: the period is cut and every time in this workbook is shown in this zone`)],
    [label('Period starts'), { at: data.period.from }],
    [label('Period ends (exclusive)'), { at: data.period.to }],
    [label('Generated at'), { at: data.generatedAt }],
  ];
  if (data.watermarks.length === 0) about.push([label('Data as of'), { text: 'never synced' }]);
  for (const w of data.watermarks) about.push([label(`Data as of (${w.source})`), w.watermark === null ? { text: 'never synced' } : { at: w.watermark }]);
  about.push([label('Payouts in the period'), { int: data.payouts }]);
  for (const text of data.notes) about.push([label('Note'), note(text)]);

  // Statuses across, two rows per currency (count, amount): narrow enough to print at full size.
  const byStatus: BlockRow[] = [
    [label('Payouts by status')],
    [heading('Currency'), null, ...REPORT_STATUSES.map((s) => heading(STATUS_TITLES[s])), heading('All statuses')],
  ];
  for (const t of data.statusTotals) {
    byStatus.push([{ text: t.currency }, { text: 'Payouts' }, ...REPORT_STATUSES.map((s): BlockCell => ({ int: t.byStatus[s].count })), { int: t.total.count }]);
    byStatus.push([
      null,
      { text: 'Amount' },
      ...REPORT_STATUSES.map((s): BlockCell => ({ money: t.byStatus[s].amount, currency: t.currency })),
      { money: t.total.amount, currency: t.currency },
    ]);
  }
  if (data.statusTotals.length === 0) byStatus.push([note('No payouts in the period.')]);
  byStatus.push([note('Paid is what succeeded; all statuses adds up every payout created in the period, paid or not.')]);
  byStatus.push([note(OPEN_STATUS_NOTE)]);

  const reconciliation: BlockRow[] = [[label('Reconciliation')], [heading('Currency'), heading('Outcome'), heading('Payouts'), heading('Amount')]];
  for (const o of data.outcomes) reconciliation.push([{ text: o.currency }, { text: o.outcome }, { int: o.count }, { money: o.amount, currency: o.currency }]);
  if (data.outcomes.length === 0) reconciliation.push([note('No payouts in the period.')]);

  const adjustments: BlockRow[] = [
    [label('Adjustments to closed periods (effect on paid out)')],
    [heading('Closed period'), heading('Currency'), heading('Adjustments'), heading('Amount')],
  ];
  for (const a of data.adjustments) adjustments.push([{ text: a.closedPeriod }, { text: a.currency }, { int: a.count }, { money: a.amount, currency: a.currency }]);
  if (data.adjustments.length === 0) adjustments.push([note(NO_ADJUSTMENTS)]);

  const balance: BlockRow[] = [
    [label('Prefunding balance')],
    [heading('Currency'), heading('Provider'), heading('Wallet'), heading('Opening balance'), heading(`Opening as of (${zone})`), heading('Closing balance'), heading(`Closing as of (${zone})`)],
  ];
  for (const b of data.balances) {
    balance.push([
      { text: b.currency },
      { text: b.provider },
      b.walletId === null ? null : { text: b.walletId },
      b.opening ? { money: b.opening.amount, currency: b.currency } : null,
      b.opening ? { at: b.opening.takenAt } : null,
      b.closing ? { money: b.closing.amount, currency: b.currency } : null,
      b.closing ? { at: b.closing.takenAt } : null,
    ]);
  }
  if (data.balances.length === 0) balance.push([note('No balance snapshots up to the end of the period.')]);

  const alerts: BlockRow[] = [
    [label('Alerts in the period')],
    [heading(`Fired at (${zone})`), heading('Kind'), heading('Severity'), heading('State'), heading(`Resolved at (${zone})`), heading('Title')],
  ];
  for (const a of data.alerts) {
    alerts.push([{ at: a.firstFiredAt }, { text: a.kind }, { text: a.severity }, { text: a.state }, a.resolvedAt === null ? null : { at: a.resolvedAt }, note(a.title)]);
  }
  if (data.alerts.length === 0) alerts.push([note('No alerts.')]);

  return [{ rows: about }, { rows: byStatus }, { rows: reconciliation }, { rows: adjustments }, { rows: balance }, { rows: alerts }];
}

export async function writeSummarySheet(wb: XlsxWorkbookWriter, data: SummaryData, time: LocalTime, extraBlocks: readonly SheetBlock[] = []): Promise<void> {
  const layout = layoutBlocks([...summaryBlocks(data), ...extraBlocks]);
  const sheet = wb.startSheet('Summary', { widths: layout.widths, print: { footer: packTitle(data.period) } });
  await writeBlocks(sheet, layout, wb.styles, time);
  await sheet.close({ rowBreaks: layout.rowBreaks });
}
