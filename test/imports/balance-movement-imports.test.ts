import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { DAY, insertPayout } from '../helpers/monitoring-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const REPORT_HEADER =
  'operationId,transactionDate,finishedAt,typeOfPayment,paymentSessionId,paymentSessionMerchantMetadata,grossLocalAmount,paymentLocalAmount,feesLocalAmount,currency,RRN';

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'import --kind topups and --kind provider-report', () => {
    let t: TestLedger;
    let cwd: string;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
      cwd = tempDir();
      writeFileSync(path.join(cwd, 'config.json'), JSON.stringify({ database: { url: t.url }, timezone: 'Europe/Bucharest' }));
    });
    afterEach(async () => t.cleanup());
    const importFile = (name: string, content: string, kind: string, json = true) => {
      writeFileSync(path.join(cwd, name), content);
      return runCliInProcess(['import', name, '--kind', kind, ...(json ? ['--json'] : [])], { cwd });
    };
    const movements = () => t.ledger.db.selectFrom('balance_movements').selectAll().orderBy('id').execute();

    it('imports top-ups once: dates in the configured zone, amounts in minor units, re-import unchanged', async () => {
      const csv = 'Date;Currency;Amount;Reference\n2026-11-20;eur;25000.00;WIRE-1\n2026-11-20T15:30:00Z;JPY;1000000;WIRE-2\n';
      const first = await importFile('topups.csv', csv, 'topups');
      expect(first.exitCode, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ kind: 'topups', file: 'topups.csv', rows: 2, inserted: 2, unchanged: 0, closedExceptions: [] });
      expect((await movements()).map((m) => [m.kind, m.currency, m.amount, m.occurred_at, m.reference])).toEqual([
        ['topup', 'EUR', 2_500_000, Date.parse('2026-11-19T22:00:00Z'), 'WIRE-1'],
        ['topup', 'JPY', 1_000_000, Date.parse('2026-11-20T15:30:00Z'), 'WIRE-2'],
      ]);
      const again = await importFile('topups.csv', csv, 'topups', false);
      expect(again.stdout).toBe('topups.csv: 2 top-ups: 0 new, 2 already imported\n');
      expect(await movements()).toHaveLength(2);
      const imports = await t.ledger.db.selectFrom('imports').selectAll().orderBy('id').execute();
      expect(imports.map((i) => [i.kind, i.file_name, i.rows, i.inserted, i.unchanged])).toEqual([
        ['topups', 'topups.csv', 2, 2, 0],
        ['topups', 'topups.csv', 2, 0, 2],
      ]);
    });

    it('a bad top-up file imports nothing and lists every problem by row (exit 2)', async () => {
      const csv = [
        'date,currency,amount,reference',
        '2026-11-20,EUR,100.00,W-1',
        'yesterday,EUR,100.00,W-2',
        '2026-11-20,EURO,100.00,W-3',
        '2026-11-20,EUR,-5.00,W-4',
        '2026-11-20,EUR,1.005,W-5',
        '2026-11-20,EUR,10.00,',
        '2026-11-20,EUR,10.00,W-1',
      ].join('\n');
      const run = await importFile('bad.csv', csv, 'topups');
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        [
          'bad.csv: 6 problems, nothing imported',
          '  row 3, date: "yesterday" is not an ISO 8601 date-time or YYYY-MM-DD HH:MM:SS',
          '  row 4, currency: "EURO" is not an ISO 4217 currency code',
          '  row 5, amount: "-5.00" must be positive',
          '  row 6, amount: "1.005" has more than 2 decimals for EUR',
          '  row 7, reference: is empty',
          '  row 8, reference: "W-1" is repeated (first on row 2)',
          '',
        ].join('\n'),
      );
      expect(await movements()).toEqual([]);
      expect(await t.ledger.db.selectFrom('imports').selectAll().execute()).toEqual([]);
      const noColumns = await importFile('cols.csv', 'when,currency,amount\n2026-11-20,EUR,1\n', 'topups');
      expect(noColumns.stderr).toBe('cols.csv: 1 problem, nothing imported\n  row 1: has no column "date", "reference" (expected date,currency,amount,reference)\n');
    });

    it('a reference imported before cannot change meaning', async () => {
      expect((await importFile('a.csv', 'date,currency,amount,reference\n2026-11-20,EUR,100.00,W-1\n', 'topups')).exitCode).toBe(0);
      const changed = await importFile('b.csv', 'date,currency,amount,reference\n2026-11-20,EUR,150.00,W-1\n2026-11-21,EUR,1.00,W-2\n', 'topups');
      expect(changed.exitCode).toBe(2);
      expect(changed.stderr).toBe(
        'b.csv: 1 problem, nothing imported\n  row 2, reference: "W-1" was imported before as EUR 100.00 on 2026-11-19T22:00:00.000Z; a top-up\'s reference must not change meaning\n',
      );
      expect(await movements()).toHaveLength(1);
    });

    it('imports the Refund rows of a provider report (CSV), linked to their payout, idempotently', async () => {
      const p = await insertPayout(t.ledger, { providerPayoutId: 'po_1', amount: 150_00, sessionId: 'ps_1', provider: 'smartglocal', createdAt: Date.now() - 5 * DAY });
      const csv = [
        REPORT_HEADER,
        'op_a,2026-11-10,2026-11-10 12:00:00,Advice,ps_1,,151.50,150.00,1.50,EUR,1',
        'op_b,2026-11-12,2026-11-12 09:15:00,Refund,ps_1,,-150.00,-150.00,0,EUR,2',
        'op_c,2026-11-12,2026-11-12 09:20:00,refund,ps_unknown,,20.00,20.00,0,USD,3',
      ].join('\n');
      const run = await importFile('report.csv', csv, 'provider-report');
      expect(run.exitCode, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'provider-report', rows: 3, advices: 1, refunds: 2, inserted: 2, linked: 1, suspected: 2, confirmed: [] });
      expect((await movements()).map((m) => [m.kind, m.reference, m.currency, m.amount, m.payout_id, m.provider, m.occurred_at])).toEqual([
        // No smartglocal section: the report's zone defaults to UTC.
        ['refund', 'op_b', 'EUR', 150_00, p, 'smartglocal', Date.parse('2026-11-12T09:15:00Z')],
        ['refund', 'op_c', 'USD', 20_00, null, 'smartglocal', Date.parse('2026-11-12T09:20:00Z')],
      ]);
      const ex = await t.ledger.db.selectFrom('exceptions').select(['kind', 'payout_id', 'fingerprint']).orderBy('id').execute();
      expect(ex).toEqual([
        { kind: 'suspected_manual_refund', payout_id: p, fingerprint: `suspected_manual_refund:payout:${p}` },
        { kind: 'suspected_manual_refund', payout_id: null, fingerprint: 'suspected_manual_refund:report:op_c' },
      ]);
      const again = await importFile('report.csv', csv, 'provider-report', false);
      expect(again.stdout).toBe('report.csv: 3 rows (1 payouts, 2 refunds); 0 new refunds (0 linked to a payout), 2 already imported\n');
      expect(await movements()).toHaveLength(2);
    });

    it('reads an XLSX report with date cells and numeric amounts, in the configured report zone', async () => {
      writeFileSync(
        path.join(cwd, 'config.json'),
        JSON.stringify({
          database: { url: t.url },
          smartglocal: { baseUrl: 'http://127.0.0.1:1', project: 'p', privateKeyPath: 'k.pem', report: { timezone: 'Europe/Bucharest' } },
        }),
      );
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('Report');
      sheet.addRow(REPORT_HEADER.split(','));
      sheet.addRow(['op_x', new Date(Date.UTC(2026, 10, 12)), new Date(Date.UTC(2026, 10, 12, 9, 15, 0)), 'Refund', 'ps_9', 'M-9', 12.3, 12.3, 0, 'EUR', '9']);
      const file = path.join(cwd, 'report.xlsx');
      await workbook.xlsx.writeFile(file);
      const run = await runCliInProcess(['import', 'report.xlsx', '--kind', 'provider-report', '--json'], { cwd });
      expect(run.exitCode, run.stderr).toBe(0);
      expect((await movements()).map((m) => [m.reference, m.amount, m.occurred_at])).toEqual([['op_x', 12_30, Date.parse('2026-11-12T07:15:00Z')]]);
    });

    it('a bad provider report imports nothing and names rows and columns (exit 2)', async () => {
      const csv = [
        REPORT_HEADER,
        'op_1,2026-11-10,2026-11-10 12:00:00,Advice,ps_1,,1.00,1.00,0,EUR,1',
        'op_2,2026-11-10,10/11/2026,Refund,ps_1,,1.00,1.00,0,EUR,1',
        'op_3,2026-11-10,2026-11-10 12:00:00,Chargeback,ps_1,,1.00,1.00,0,EUR,1',
        ',2026-11-10,2026-11-10 12:00:00,Refund,ps_1,,1.00,abc,0,EUR,1',
        'op_5,2026-11-10,2026-11-10 12:00:00,Refund,ps_1,,0,0,0,EUR,1',
      ].join('\n');
      const run = await importFile('report.csv', csv, 'provider-report');
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe(
        [
          'report.csv: 5 problems, nothing imported',
          '  row 3, finishedAt: "10/11/2026" is not an ISO 8601 date-time or YYYY-MM-DD HH:MM:SS',
          '  row 4, typeOfPayment: "Chargeback" is neither Advice nor Refund',
          '  row 5, operationId: is empty',
          '  row 5, paymentLocalAmount: "abc" is not a decimal amount (expected digits with an optional "." and decimals, no thousands separators, e.g. 1234.56)',
          '  row 6, paymentLocalAmount: is zero for a Refund',
          '',
        ].join('\n'),
      );
      expect(await movements()).toEqual([]);
      const notAReport = await importFile('other.csv', 'a,b\n1,2\n', 'provider-report');
      expect(notAReport.stderr).toMatch(/row 1: has no column "operationId", "finishedAt", "typeOfPayment", "currency", "paymentLocalAmount" \(is it a Smart Glocal daily report\?\)/);
    });

    it('an unknown --kind is bad usage', async () => {
      const run = await importFile('x.csv', 'a\n1\n', 'salaries');
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe('import: --kind must be one of internal, topups, provider-report\n');
    });
  });
}
