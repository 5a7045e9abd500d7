/**
 * The report pack end to end, on every ledger dialect: ledger contents built
 * with fixtures, the pack written, then read back with exceljs and csv-parse
 * the way an accountant's tools would.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPurposeCode, PURPOSE_CODES } from '../../src/domain/purposes.js';
import { CSV_FILES, writeReportPack, type ReportPackResult } from '../../src/reports/report-pack.js';
import { resolveReportPeriod } from '../../src/reports/report-period.js';
import { reportStatus } from '../../src/reports/rows/reconciliation-outcome.js';
import { moneyFormat } from '../../src/reports/writers/xlsx/xlsx-styles.js';
import { formatMoney, toMajorNumber } from '../../src/shared/money.js';
import { seededRandom } from '../../src/providers/sandbox/smart2pay-sandbox-data.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { LedgerFixtures, type PayoutFixture } from '../helpers/ledger-fixtures.js';
import { cellText, readCsv, readWorkbook, type ReadSheet } from '../helpers/report-readers.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

const ZONE = 'Europe/Bucharest';
const at = (iso: string): number => Date.parse(iso);
const HYPERLINK = '=HYPERLINK("http://x","y")';
const MULTILINE = 'line one\nline two, "quoted"\rend';

interface Scenario {
  /** Provider payout IDs that belong to October 2026 in Bucharest. */
  inOctober: Set<string>;
  outside: Set<string>;
  payouts: Map<string, Required<Pick<PayoutFixture, 'amount' | 'currency' | 'createdAt' | 'status'>> & PayoutFixture>;
  exceptionIds: { inOctober: number[]; outside: number[] };
}

async function buildScenario(f: LedgerFixtures): Promise<Scenario> {
  const october = resolveReportPeriod({ month: '2026-10' }, ZONE);
  const scenario: Scenario = { inOctober: new Set(), outside: new Set(), payouts: new Map(), exceptionIds: { inOctober: [], outside: [] } };
  const add = async (id: string, p: PayoutFixture & { createdAt: number }): Promise<number> => {
    const full = { amount: 1000, currency: 'EUR', status: 'succeeded', ...p, providerPayoutId: id };
    scenario.payouts.set(id, full);
    (full.createdAt >= october.from && full.createdAt < october.to ? scenario.inOctober : scenario.outside).add(id);
    return f.payout(full);
  };

  const a = await add('A', { amount: 1250, purpose: 'EDUCATION', createdAt: at('2026-10-05T10:00:00Z') });
  const recordA = await f.internalRecord({ internalId: 'INV-A', amount: 1250 });
  await f.match(a, recordA);
  await add('B', { amount: -1250, purpose: null, description: HYPERLINK, merchantTransactionId: '+40 21 000', createdAt: at('2026-10-06T10:00:00Z') });
  const c = await add('C', { amount: 500, currency: 'JPY', purpose: 'FAMILY_SUPPORT', status: 'pending', createdAt: at('2026-10-07T10:00:00Z') });
  const recordC = await f.internalRecord({ internalId: 'INV-C', amount: 600, currency: 'JPY', createdAt: at('2026-10-07T09:00:00Z') });
  scenario.exceptionIds.inOctober.push(await f.exception({ kind: 'stuck_payout', payoutId: c }));
  scenario.exceptionIds.inOctober.push(await f.exception({ kind: 'amount_mismatch', payoutId: c, internalRecordId: recordC, summary: 'amount 500 vs 600 JPY' }));
  await add('D', { amount: 12345, currency: 'KWD', purpose: 'SOMETHING_ELSE', status: 'failed', reasons: [{ code: 'R03', info: 'No account' }], createdAt: at('2026-10-08T10:00:00Z') });
  await add('E-first-instant', { createdAt: october.from });
  await add('F-before', { createdAt: october.from - 1 });
  await add('G-2330-utc-31-oct', { amount: 777, createdAt: at('2026-10-31T23:30:00Z') });
  await add('H1-dst-first-0330', { createdAt: at('2026-10-25T00:30:00Z') });
  await add('H2-dst-second-0330', { createdAt: at('2026-10-25T01:30:00Z') });
  await add('I-last-instant', { createdAt: october.to - 1 });
  const j = await add('J', { currency: 'USD', status: 'authorized', description: MULTILINE, createdAt: at('2026-10-09T10:00:00Z') });
  scenario.exceptionIds.inOctober.push(await f.exception({ kind: 'status_mismatch', payoutId: j, status: 'resolved', resolutionNote: 'bank confirmed' }));
  // Ten payouts in the same millisecond: pagination must not lose or repeat any.
  for (let i = 0; i < 10; i++) await add(`TIE-${i}`, { amount: 100 + i, createdAt: at('2026-10-12T12:00:00Z') });

  // Records without payouts, and balance exceptions.
  const lateRecord = await f.internalRecord({ internalId: 'INV-MISSING-OCT', createdAt: at('2026-10-20T10:00:00Z') });
  scenario.exceptionIds.inOctober.push(await f.exception({ kind: 'missing_at_provider', internalRecordId: lateRecord, summary: '-no payout for INV-MISSING-OCT' }));
  const septRecord = await f.internalRecord({ internalId: 'INV-MISSING-SEP', createdAt: at('2026-09-20T10:00:00Z') });
  scenario.exceptionIds.outside.push(await f.exception({ kind: 'missing_at_provider', internalRecordId: septRecord }));
  scenario.exceptionIds.inOctober.push(
    await f.exception({ kind: 'unexplained_balance_change', openedAt: at('2026-10-21T10:00:00Z'), details: { amount: 4200, currency: 'EUR', evidence: 'balance rose 42.00' } }),
  );
  scenario.exceptionIds.inOctober.push(
    await f.exception({
      kind: 'suspected_manual_refund',
      payoutId: a,
      openedAt: at('2026-10-22T10:00:00Z'),
      details: { state: 'confirmed', amount: 1250, currency: 'EUR', evidence: { balanceDelta: 1250 } },
    }),
  );

  // Bulk: 300 payouts from late September to early November, every currency, purpose and status.
  const random = seededRandom(11);
  const currencies = ['EUR', 'USD', 'JPY', 'KWD', 'RON'];
  const statuses = ['succeeded', 'failed', 'cancelled', 'expired', 'open', 'authorized', 'pending', 'unknown'];
  const start = at('2026-09-25T00:00:00Z');
  const span = at('2026-11-05T00:00:00Z') - start;
  for (let i = 0; i < 300; i++) {
    const purpose = random() < 0.15 ? null : PURPOSE_CODES[Math.floor(random() * PURPOSE_CODES.length)]!;
    const id = await add(`BULK-${i}`, {
      amount: Math.floor(random() * 2_000_000) - 100_000,
      currency: currencies[Math.floor(random() * currencies.length)]!,
      status: statuses[Math.floor(random() * statuses.length)]!,
      purpose,
      createdAt: start + Math.floor(random() * span),
    });
    if (random() < 0.5) await f.match(id, await f.internalRecord({ internalId: `INT-BULK-${i}` }));
  }

  // Balance: before, during (two snapshots on 10 October, one on the DST day) and after October.
  await f.balanceSnapshot({ amount: 100_000, takenAt: at('2026-09-30T10:00:00Z') });
  await f.balanceSnapshot({ amount: 90_000, takenAt: at('2026-10-10T08:00:00Z') });
  await f.balanceSnapshot({ amount: 85_000, takenAt: at('2026-10-10T15:00:00Z') });
  await f.balanceSnapshot({ amount: 80_000, takenAt: at('2026-10-25T01:30:00Z') });
  await f.balanceSnapshot({ amount: 70_000, takenAt: at('2026-11-01T10:00:00Z') });
  await f.balanceMovement({ kind: 'topup', amount: 50_000, occurredAt: at('2026-10-10T12:00:00Z') });
  await f.balanceMovement({ kind: 'refund', amount: 1250, occurredAt: at('2026-10-20T12:00:00Z'), payoutId: a, reference: 'OP-77' });
  await f.balanceMovement({ kind: 'refund', amount: 999, occurredAt: at('2026-11-02T12:00:00Z'), reference: 'OP-NOV' });

  await f.alert({ kind: 'low_balance', title: 'EUR balance low', firedAt: at('2026-10-10T15:00:00Z'), resolvedAt: at('2026-10-11T09:00:00Z') });
  await f.alert({ kind: 'runway', title: 'carried over from September', firedAt: at('2026-09-28T10:00:00Z'), resolvedAt: at('2026-10-02T10:00:00Z') });
  await f.alert({ kind: 'runway', title: 'September only', firedAt: at('2026-09-10T10:00:00Z'), resolvedAt: at('2026-09-12T10:00:00Z') });
  await f.alert({ kind: 'low_balance', title: 'November only', firedAt: at('2026-11-03T10:00:00Z') });
  await f.syncWatermark('smart2pay', at('2026-11-01T06:00:00Z'));
  return scenario;
}

/** The report's purpose group. */
const group = (purpose: string | null | undefined): string => (purpose && isPurposeCode(purpose) ? purpose : 'UNSPECIFIED');

function cellAt(sheet: ReadSheet, row: number, title: string): string {
  return cellText(sheet.rows[row]?.[title]?.value);
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'report pack for a month', () => {
    let t: TestLedger;
    let scenario: Scenario;
    let pack: ReportPackResult;
    let sheets: Map<string, ReadSheet>;
    const out = tempDirForSuite('payout-recon-report-');
    const october = resolveReportPeriod({ month: '2026-10' }, ZONE);
    const generatedAt = at('2026-11-02T08:00:00Z');

    beforeAll(async () => {
      t = await createTestLedger(dialect);
      scenario = await buildScenario(new LedgerFixtures(t.ledger));
      // Small chunks, so pagination (and the ties inside one millisecond) is exercised.
      pack = await writeReportPack(t.ledger, { period: october, format: 'both', outDir: out.dir, now: generatedAt, chunkRows: 7 });
      sheets = await readWorkbook(pack.xlsx!);
    });
    afterAll(async () => {
      await t.cleanup();
      out.remove();
    });

    const sheet = (name: string): ReadSheet => {
      const s = sheets.get(name);
      if (!s) throw new Error(`no sheet ${name}`);
      return s;
    };

    it('writes the workbook and the CSV folder under the contract names, and nothing else', () => {
      expect(pack.xlsx).toBe(path.join(out.dir, 'payouts-2026-10.xlsx'));
      expect(readdirSync(out.dir).sort()).toEqual(['payouts-2026-10', 'payouts-2026-10.xlsx']);
      expect(readdirSync(path.join(out.dir, 'payouts-2026-10')).sort()).toEqual([...CSV_FILES].sort());
      expect([...sheets.keys()]).toEqual(['Summary', 'By purpose', 'Payouts', 'Exceptions', 'Refunds', 'Balance', 'Adjustments']);
    });

    it('lists every payout of the period exactly once, none outside it, in both formats', () => {
      const xlsxIds = sheet('Payouts').rows.map((r) => cellText(r['Payout ID']?.value));
      const csvIds = readCsv(path.join(out.dir, 'payouts-2026-10/payouts.csv')).records.map((r) => r.payout_id);
      for (const ids of [xlsxIds, csvIds]) {
        expect(ids).toHaveLength(new Set(ids).size);
        expect(new Set(ids)).toEqual(scenario.inOctober);
      }
      expect(xlsxIds).toContain('E-first-instant');
      expect(xlsxIds).toContain('I-last-instant');
      expect(xlsxIds).toContain('H1-dst-first-0330');
      expect(xlsxIds).toContain('H2-dst-second-0330');
      expect(xlsxIds).not.toContain('F-before');
      expect(xlsxIds).not.toContain('G-2330-utc-31-oct');
      expect(scenario.inOctober.size).toBeGreaterThan(100);
      expect(scenario.outside.size).toBeGreaterThan(20);
    });

    it('shows creation times as local date cells, and ISO times with the offset in CSV', () => {
      const rows = sheet('Payouts').rows;
      const created = (id: string): ExcelJS.CellValue => rows.find((r) => r['Payout ID']?.value === id)?.[`Created (${ZONE})`]?.value ?? null;
      expect(sheet('Payouts').header).toContain(`Created (${ZONE})`);
      // exceljs reads the stored wall clock as a UTC Date: it is the Bucharest time.
      expect(created('A')).toEqual(new Date('2026-10-05T13:00:00Z'));
      expect(created('H1-dst-first-0330')).toEqual(new Date('2026-10-25T03:30:00Z'));
      expect(created('H2-dst-second-0330')).toEqual(new Date('2026-10-25T03:30:00Z'));
      expect(created('E-first-instant')).toEqual(new Date('2026-10-01T00:00:00Z'));
      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/payouts.csv')).records;
      const csvCreated = (id: string): string | undefined => csv.find((r) => r.payout_id === id)?.created_at;
      expect(csvCreated('H1-dst-first-0330')).toBe('2026-10-25T03:30:00+03:00');
      expect(csvCreated('H2-dst-second-0330')).toBe('2026-10-25T03:30:00+02:00');
      expect(csvCreated('I-last-instant')).toBe('2026-10-31T23:59:59.999+02:00');
      for (const r of csv) expect(Date.parse(r.created_at!)).toBe(scenario.payouts.get(r.payout_id!)!.createdAt);
    });

    it('writes amounts as numbers with the currency format, and as plain decimals in CSV', () => {
      const csv = new Map(readCsv(path.join(out.dir, 'payouts-2026-10/payouts.csv')).records.map((r) => [r.payout_id!, r]));
      for (const row of sheet('Payouts').rows) {
        const id = cellText(row['Payout ID']?.value);
        const p = scenario.payouts.get(id)!;
        expect(row.Amount?.type).toBe(ExcelJS.ValueType.Number);
        expect(row.Amount?.value).toBe(toMajorNumber(p.amount, p.currency));
        expect(row.Amount?.numFmt).toBe(moneyFormat(p.currency));
        expect(csv.get(id)?.amount).toBe(formatMoney(p.amount, p.currency));
        expect(csv.get(id)?.amount).not.toMatch(/e/i);
      }
      const formats = Object.fromEntries(['EUR', 'JPY', 'KWD'].map((c) => [c, moneyFormat(c)]));
      expect(formats).toEqual({ EUR: '#,##0.00 "EUR"', JPY: '#,##0 "JPY"', KWD: '#,##0.000 "KWD"' });
      const d = sheet('Payouts').rows.find((r) => r['Payout ID']?.value === 'D')!;
      expect(d.Amount?.value).toBe(12.345);
    });

    it('keeps a formula-like description inert in both formats while a negative amount stays a number', () => {
      const b = sheet('Payouts').rows.find((r) => r['Payout ID']?.value === 'B')!;
      expect(b.Description?.type).toBe(ExcelJS.ValueType.String);
      // In the workbook the text is stored as it is, guarded by the quotePrefix style (no apostrophe in the value).
      expect(b.Description?.value).toBe(HYPERLINK);
      expect(b['Merchant transaction ID']?.value).toBe('+40 21 000');
      // (exceljs does not read quotePrefix: test/reports/spreadsheet-clients.test.ts checks it with openpyxl.)
      expect(b.Amount?.type).toBe(ExcelJS.ValueType.Number);
      expect(b.Amount?.value).toBe(-12.5);
      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/payouts.csv')).records.find((r) => r.payout_id === 'B')!;
      expect(csv.description).toBe(`'${HYPERLINK}`);
      expect(csv.merchant_transaction_id).toBe("'+40 21 000");
      expect(csv.amount).toBe('-12.50');
      // No cell anywhere in the workbook is a formula.
      for (const s of sheets.values()) {
        s.worksheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
      }
      const exceptions = readCsv(path.join(out.dir, 'payouts-2026-10/exceptions.csv')).records;
      expect(exceptions.find((r) => r.kind === 'missing_at_provider')?.summary).toBe("'-no payout for INV-MISSING-OCT");
    });

    it('keeps line breaks, commas and quotes inside one cell in both formats', () => {
      expect(sheet('Payouts').rows.find((r) => r['Payout ID']?.value === 'J')?.Description?.value).toBe(MULTILINE);
      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/payouts.csv')).records;
      expect(csv.find((r) => r.payout_id === 'J')?.description).toBe(MULTILINE);
      expect(csv.map((r) => r.payout_id).sort()).toEqual([...scenario.inOctober].sort());
    });

    it('adds up by purpose and currency to exactly the payout rows', () => {
      const expected = new Map<string, { count: number; amount: number }>();
      const perCurrency = new Map<string, { count: number; amount: number }>();
      for (const row of sheet('Payouts').rows) {
        const p = scenario.payouts.get(cellText(row['Payout ID']?.value))!;
        expect(row.Purpose?.value).toBe(group(p.purpose));
        const key = `${p.currency}|${group(p.purpose)}|${reportStatus(p.status)}`;
        const e = expected.get(key) ?? { count: 0, amount: 0 };
        e.count += 1;
        e.amount += p.amount;
        expected.set(key, e);
        const c = perCurrency.get(p.currency) ?? { count: 0, amount: 0 };
        c.count += 1;
        c.amount += p.amount;
        perCurrency.set(p.currency, c);
      }
      const byPurpose = sheet('By purpose');
      expect(byPurpose.header).toEqual(['Purpose', 'Description', 'Currency', 'Status', 'Payouts', 'Amount', 'Share of currency amount (all statuses)']);
      const found = new Map<string, { count: number; amount: number }>();
      // The table ends where its filter does; below it, after an empty row, the totals block.
      const dataRows = Number(/(\d+)$/.exec(byPurpose.autoFilter!)?.[1]) - 1;
      for (const row of byPurpose.rows.slice(0, dataRows)) {
        const currency = cellText(row.Currency?.value);
        const amount = row.Amount?.value as number;
        expect(row.Amount?.numFmt).toBe(moneyFormat(currency));
        const total = perCurrency.get(currency)!;
        found.set(`${currency}|${cellText(row.Purpose?.value)}|${cellText(row.Status?.value)}`, { count: row.Payouts?.value as number, amount: amount });
        if (total.amount !== 0) expect(row['Share of currency amount (all statuses)']?.value).toBeCloseTo(amount / toMajorNumber(total.amount, currency), 9);
      }
      const [gap, heading, ...totals] = byPurpose.rows.slice(dataRows);
      expect(cellText(gap?.Purpose?.value)).toBe('');
      expect(cellText(heading?.Purpose?.value)).toBe('Totals per currency (not part of the table above)');
      expect(totals).toHaveLength(perCurrency.size * 2);
      for (const [currency, total] of perCurrency) {
        const all = totals.find((r) => r.Currency?.value === currency && r.Status?.value === 'all statuses')!;
        expect([all.Payouts?.value, all.Amount?.value]).toEqual([total.count, toMajorNumber(total.amount, currency)]);
        const paid = totals.find((r) => r.Currency?.value === currency && r.Status?.value === 'succeeded')!;
        expect(cellText(paid.Description?.value)).toBe(`Paid total ${currency} (succeeded)`);
      }
      expect(new Map([...found].map(([k, v]) => [k, v]))).toEqual(
        new Map([...expected].map(([k, v]) => [k, { count: v.count, amount: toMajorNumber(v.amount, k.split('|')[0]!) }])),
      );
      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/by-purpose.csv'));
      expect(csv.header).toEqual(['purpose', 'purpose_description', 'currency', 'status', 'count', 'amount', 'share_percent']);
      // Data rows only: the counts add up to the period's payouts.
      expect(csv.records).toHaveLength(expected.size);
      expect(csv.records.reduce((n, r) => n + Number(r.count), 0)).toBe(scenario.inOctober.size);
      for (const r of csv.records) {
        const e = expected.get(`${r.currency}|${r.purpose}|${r.status}`)!;
        expect([r.count, r.amount]).toEqual([String(e.count), formatMoney(e.amount, r.currency!)]);
      }
      expect(csv.records.filter((r) => r.purpose === 'UNSPECIFIED').every((r) => r.purpose_description === 'Purpose not known')).toBe(true);
      expect(csv.records.find((r) => r.purpose === 'EDUCATION')?.purpose_description).toBe('Education');
    });

    it('names each payout’s reconciliation outcome and internal ID', () => {
      const row = (id: string) => sheet('Payouts').rows.find((r) => r['Payout ID']?.value === id)!;
      expect([row('A').Reconciliation?.value, row('A')['Internal ID']?.value]).toEqual(['matched', 'INV-A']);
      expect([row('C').Reconciliation?.value, row('C')['Internal ID']?.value]).toEqual(['amount_mismatch', 'INV-C']);
      expect([row('J').Reconciliation?.value, row('J')['Internal ID']?.value]).toEqual(['unreconciled', null]);
      expect(row('D').Reasons?.value).toBe('R03: No account');
      expect(row('C').Status?.value).toBe('pending');
    });

    it('summarises the period: zone, data as of, totals by status and outcome, balance, alerts', async () => {
      const ws = sheet('Summary').worksheet;
      const labelled = new Map<string, ExcelJS.CellValue>();
      ws.eachRow((r) => {
        const label = r.getCell(1).value;
        if (typeof label === 'string') labelled.set(label, r.getCell(2).value);
      });
      expect(labelled.get('Period')).toBe('2026-10-01 to 2026-10-31');
      expect(cellText(labelled.get('Time zone'))).toContain(ZONE);
      expect(labelled.get('Generated at')).toEqual(new Date('2026-11-02T10:00:00Z'));
      expect(labelled.get('Data as of (smart2pay)')).toEqual(new Date('2026-11-01T08:00:00Z'));
      expect(labelled.get('Payouts in the period')).toBe(scenario.inOctober.size);

      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/summary.csv'));
      expect(csv.header).toEqual(['section', 'item', 'currency', 'count', 'amount', 'value']);
      const fact = (section: string, item: string, currency = ''): Record<string, string> | undefined =>
        csv.records.find((r) => r.section === section && r.item === item && r.currency === currency);
      expect(fact('report', 'time_zone')?.value).toBe(ZONE);
      expect(fact('report', 'data_as_of:smart2pay')?.value).toBe('2026-11-01T08:00:00+02:00');
      expect(fact('report', 'generated_at')?.value).toBe('2026-11-02T10:00:00+02:00');

      // Status totals equal the payout rows; authorized/pending/unknown count as open.
      const totals = new Map<string, { count: number; amount: number }>();
      for (const id of scenario.inOctober) {
        const p = scenario.payouts.get(id)!;
        for (const key of [`${p.currency}|${reportStatus(p.status)}`, `${p.currency}|all_statuses`]) {
          const e = totals.get(key) ?? { count: 0, amount: 0 };
          e.count += 1;
          e.amount += p.amount;
          totals.set(key, e);
        }
      }
      for (const [key, e] of totals) {
        const [currency, status] = key.split('|') as [string, string];
        expect(fact('status', status, currency)).toMatchObject({ count: String(e.count), amount: formatMoney(e.amount, currency) });
      }
      expect(fact('status', 'open', 'USD')?.count).not.toBe('0');

      // Outcome counts equal the Payouts sheet's reconciliation column.
      const outcomes = new Map<string, number>();
      for (const r of sheet('Payouts').rows) {
        const key = `${cellText(r.Currency?.value)}|${cellText(r.Reconciliation?.value)}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      const csvOutcomes = new Map(csv.records.filter((r) => r.section === 'reconciliation').map((r) => [`${r.currency}|${r.item}`, Number(r.count)]));
      expect(csvOutcomes).toEqual(outcomes);

      expect(fact('balance', 'opening', 'EUR')).toMatchObject({ amount: '1000.00' });
      expect(fact('balance', 'opening', 'EUR')?.value).toContain('2026-09-30T13:00:00+03:00');
      expect(fact('balance', 'closing', 'EUR')).toMatchObject({ amount: '800.00' });
      const alerts = csv.records.filter((r) => r.section === 'alert').map((r) => r.value);
      expect(alerts).toHaveLength(2);
      expect(alerts.join('\n')).toContain('EUR balance low');
      expect(alerts.join('\n')).toContain('carried over from September');
    });

    it('lists the period’s exceptions in any status, with what differs', () => {
      const rows = sheet('Exceptions').rows;
      const ids = rows.map((r) => r.Exception?.value);
      expect(new Set(ids)).toEqual(new Set(scenario.exceptionIds.inOctober));
      const mismatch = rows.find((r) => r.Kind?.value === 'amount_mismatch')!;
      expect(mismatch['Payout ID']?.value).toBe('C');
      expect(mismatch['Internal ID']?.value).toBe('INV-C');
      expect(mismatch['What differs']?.value).toBe('amount 500 vs 600 JPY');
      expect(mismatch.Amount?.numFmt).toBe(moneyFormat('JPY'));
      const resolved = rows.find((r) => r.Kind?.value === 'status_mismatch')!;
      expect([resolved.Status?.value, resolved['Resolution note']?.value]).toEqual(['resolved', 'bank confirmed']);
      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/exceptions.csv')).records;
      expect(new Set(csv.map((r) => Number(r.exception_id)))).toEqual(new Set(scenario.exceptionIds.inOctober));
    });

    it('lists manual refunds, unexplained balance changes and reported refunds', () => {
      const rows = sheet('Refunds').rows.map((r) => [r.Type?.value, r['Payout ID']?.value ?? null, r['Refund amount']?.value, r.Currency?.value]);
      expect(rows).toEqual([
        ['unexplained_balance_change', null, 42, 'EUR'],
        ['confirmed_manual_refund', 'A', 12.5, 'EUR'],
        ['provider_report_refund', 'A', 12.5, 'EUR'],
      ]);
      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/refunds.csv')).records;
      expect(csv.map((r) => [r.type, r.amount, r.reference])).toEqual([
        ['unexplained_balance_change', '42.00', ''],
        ['confirmed_manual_refund', '12.50', ''],
        ['provider_report_refund', '12.50', 'OP-77'],
      ]);
      expect(csv[1]?.evidence).toBe('{"balanceDelta":1250}');
    });

    it('shows the balance day by day with top-ups and refunds', () => {
      const csv = readCsv(path.join(out.dir, 'payouts-2026-10/balance.csv')).records;
      expect(csv.map((r) => [r.day, r.opening_balance, r.closing_balance, r.lowest_balance, r.topups, r.refunds, r.snapshots])).toEqual([
        ['2026-10-10', '900.00', '850.00', '850.00', '500.00', '0.00', '2'],
        ['2026-10-20', '', '', '', '0.00', '12.50', '0'],
        ['2026-10-25', '800.00', '800.00', '800.00', '0.00', '0.00', '1'],
      ]);
      const rows = sheet('Balance').rows;
      expect(rows[0]?.[`Day (${ZONE})`]?.value).toEqual(new Date('2026-10-10T00:00:00Z'));
      expect(rows[0]?.['Closing balance']?.value).toBe(850);
    });

    it('freezes and filters the header row of every table, with readable widths', () => {
      for (const name of ['By purpose', 'Payouts', 'Exceptions', 'Refunds', 'Balance']) {
        const s = sheet(name);
        expect(s.frozenRows, name).toBe(1);
        expect(s.autoFilter, name).toMatch(/^A1:[A-Z]+\d+$/);
        if (name !== 'By purpose') expect(s.autoFilter?.endsWith(String(s.rows.length + 1))).toBe(true);
        s.worksheet.columns.forEach((col) => expect(col.width ?? 0).toBeGreaterThanOrEqual(8));
      }
      expect(cellAt(sheet('Payouts'), 0, 'Provider')).toBe('smart2pay');
    });

    it('writes snake_case CSV headers of the contract', () => {
      const header = readCsv(path.join(out.dir, 'payouts-2026-10/payouts.csv')).header;
      for (const column of ['provider', 'payout_id', 'merchant_transaction_id', 'created_at', 'amount', 'currency', 'status', 'method', 'purpose', 'country', 'reconciliation_status', 'internal_id']) {
        expect(header).toContain(column);
      }
      for (const file of CSV_FILES) {
        for (const h of readCsv(path.join(out.dir, 'payouts-2026-10', file)).header) expect(h).toMatch(/^[a-z_:]+$/);
      }
    });

    it('writes only the format asked for, and replaces an existing pack', async () => {
      const only = tempDirForSuite('payout-recon-report-format-');
      try {
        const xlsx = await writeReportPack(t.ledger, { period: october, format: 'xlsx', outDir: only.dir, now: generatedAt });
        expect(readdirSync(only.dir)).toEqual(['payouts-2026-10.xlsx']);
        expect(xlsx.csvFiles).toEqual([]);
        await writeReportPack(t.ledger, { period: october, format: 'csv', outDir: only.dir, now: generatedAt });
        expect(readdirSync(only.dir).sort()).toEqual(['payouts-2026-10', 'payouts-2026-10.xlsx']);
        await new LedgerFixtures(t.ledger).payout({ providerPayoutId: 'LATE-ARRIVAL', createdAt: at('2026-10-15T10:00:00Z') });
        await writeReportPack(t.ledger, { period: october, format: 'both', outDir: only.dir, now: generatedAt });
        expect(readdirSync(only.dir).sort()).toEqual(['payouts-2026-10', 'payouts-2026-10.xlsx']);
        const ids = readCsv(path.join(only.dir, 'payouts-2026-10/payouts.csv')).records.map((r) => r.payout_id);
        expect(ids).toContain('LATE-ARRIVAL');
        const again = await readWorkbook(path.join(only.dir, 'payouts-2026-10.xlsx'));
        expect(again.get('Payouts')?.rows.map((r) => r['Payout ID']?.value)).toContain('LATE-ARRIVAL');
      } finally {
        await t.ledger.db.deleteFrom('payouts').where('provider_payout_id', '=', 'LATE-ARRIVAL').execute();
        only.remove();
      }
    });

    it('writes the same CSV files alone (totals added up from the rows) as with the workbook (totals by GROUP BY)', async () => {
      const alone = tempDirForSuite('payout-recon-report-csv-only-');
      try {
        const csv = await writeReportPack(t.ledger, { period: october, format: 'csv', outDir: alone.dir, now: generatedAt, chunkRows: 7 });
        expect(csv.summary).toEqual(pack.summary);
        for (const file of CSV_FILES) {
          expect(readFileSync(path.join(csv.csvDir!, file), 'utf8'), file).toBe(readFileSync(path.join(pack.csvDir!, file), 'utf8'));
        }
      } finally {
        alone.remove();
      }
    });

    it('continues a sheet that would pass the row limit on "<name> (2)"', async () => {
      const small = tempDirForSuite('payout-recon-report-split-');
      try {
        const result = await writeReportPack(t.ledger, { period: october, format: 'xlsx', outDir: small.dir, now: generatedAt, maxSheetRows: 101 });
        const split = await readWorkbook(result.xlsx!);
        const parts = [...split.keys()].filter((n) => n.startsWith('Payouts'));
        expect(parts.slice(0, 2)).toEqual(['Payouts', 'Payouts (2)']);
        const ids = parts.flatMap((n) => split.get(n)!.rows.map((r) => cellText(r['Payout ID']?.value)));
        expect(split.get('Payouts')?.rows).toHaveLength(100);
        expect(new Set(ids)).toEqual(scenario.inOctober);
        expect(ids).toHaveLength(scenario.inOctober.size);
        expect(split.get('Payouts (2)')?.header).toEqual(split.get('Payouts')?.header);
      } finally {
        small.remove();
      }
    });

    it('leaves no temporary files behind', () => {
      expect(readdirSync(out.dir).filter((n) => n.startsWith('.'))).toEqual([]);
      expect(existsSync(path.join(out.dir, 'payouts-2026-10.xlsx'))).toBe(true);
    });
  });
}

describe('an empty month', () => {
  it('still writes every sheet and file, with headers only', async () => {
    const t = await createTestLedger('sqlite');
    const out = tempDirForSuite('payout-recon-report-empty-');
    try {
      const period = resolveReportPeriod({ month: '2026-02' }, ZONE);
      const pack = await writeReportPack(t.ledger, { period, format: 'both', outDir: out.dir, now: at('2026-03-01T00:00:00Z') });
      const sheets = await readWorkbook(pack.xlsx!);
      expect(sheets.get('Payouts')?.rows).toEqual([]);
      expect(sheets.get('Payouts')?.autoFilter).toBe('A1:O1');
      expect(readCsv(path.join(out.dir, 'payouts-2026-02/payouts.csv')).records).toEqual([]);
      expect(pack.summary.notes.join(' ')).toContain('never been synced');
    } finally {
      await t.cleanup();
      out.remove();
    }
  });
});

describe('CSV for people who double-click', () => {
  it('writes a UTF-8 BOM and semicolons when asked, and RFC 4180 otherwise', async () => {
    const t = await createTestLedger('sqlite');
    const out = tempDirForSuite('payout-recon-report-csv-options-');
    try {
      await new LedgerFixtures(t.ledger).payout({ providerPayoutId: 'P;1', description: 'a;b, "c"', createdAt: at('2026-10-05T10:00:00Z') });
      const period = resolveReportPeriod({ month: '2026-10' }, ZONE);
      const semicolon = await writeReportPack(t.ledger, { period, format: 'csv', outDir: path.join(out.dir, 'semicolon'), now: at('2026-11-01T00:00:00Z'), csv: { bom: true, delimiter: ';' } });
      const text = readFileSync(path.join(semicolon.csvDir!, 'payouts.csv'), 'utf8');
      expect(text.startsWith('\uFEFFprovider;payout_id;')).toBe(true);
      expect(text).toContain('smart2pay;"P;1";');
      expect(text).toContain(';"a;b, ""c"""\r\n');
      const plain = await writeReportPack(t.ledger, { period, format: 'csv', outDir: path.join(out.dir, 'plain'), now: at('2026-11-01T00:00:00Z') });
      const rfc = readFileSync(path.join(plain.csvDir!, 'payouts.csv'), 'utf8');
      expect(rfc.startsWith('provider,payout_id,')).toBe(true);
      expect(rfc).toContain('smart2pay,P;1,');
    } finally {
      await t.cleanup();
      out.remove();
    }
  });
});
