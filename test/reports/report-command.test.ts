import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayPath } from '../../src/cli/commands/report.js';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { LedgerFixtures } from '../helpers/ledger-fixtures.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'payout-recon report', () => {
    let t: TestLedger;
    const work = tempDirForSuite('payout-recon-report-cli-');
    const config = (extra: Record<string, unknown> = {}): string => {
      const file = path.join(work.dir, 'config.json');
      writeFileSync(file, JSON.stringify({ database: { url: t.url }, timezone: 'Europe/Bucharest', ...extra }));
      return file;
    };

    beforeAll(async () => {
      t = await createTestLedger(dialect);
      const f = new LedgerFixtures(t.ledger);
      await f.payout({ providerPayoutId: 'OCT', amount: 1250, createdAt: Date.parse('2026-10-10T10:00:00Z') });
      await f.payout({ providerPayoutId: 'NOV', amount: 500, createdAt: Date.parse('2026-10-31T23:30:00Z') });
    });
    afterAll(async () => {
      await t.cleanup();
      work.remove();
    });

    it('writes the month into reports.dir and prints the files as typed from the working directory', async () => {
      config();
      const run = await runCliInProcess(['report', '--month', '2026-10', '--json'], { cwd: work.dir });
      expect(run.stderr).not.toMatch(/error/);
      expect(run.exitCode).toBe(0);
      const json = JSON.parse(run.stdout) as { files: string[]; payouts: number; period: { timezone: string; from: string } };
      expect(json.files).toEqual([
        'reports/payouts-2026-10.xlsx',
        'reports/payouts-2026-10/summary.csv',
        'reports/payouts-2026-10/by-purpose.csv',
        'reports/payouts-2026-10/payouts.csv',
        'reports/payouts-2026-10/exceptions.csv',
        'reports/payouts-2026-10/refunds.csv',
        'reports/payouts-2026-10/balance.csv',
        'reports/payouts-2026-10/adjustments.csv',
      ]);
      expect(json.payouts).toBe(1);
      expect(json.period).toMatchObject({ timezone: 'Europe/Bucharest', from: '2026-09-30T21:00:00.000Z' });
    });

    it('takes --from/--to days, --format and --out; the format default comes from reports.format', async () => {
      config({ reports: { dir: './elsewhere', format: 'csv' } });
      const out = path.join(work.dir, 'out');
      const run = await runCliInProcess(['report', '--from', '2026-11-01', '--to', '2026-11-15', '--format', 'xlsx', '--out', out, '--json'], { cwd: work.dir });
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ files: ['out/payouts-2026-11-01_2026-11-15.xlsx'], payouts: 1 });
      const byConfig = await runCliInProcess(['report', '--month', '2026-11'], { cwd: work.dir });
      expect(byConfig.exitCode).toBe(0);
      expect(readdirSync(path.join(work.dir, 'elsewhere'))).toEqual(['payouts-2026-11']);
      expect(byConfig.stdout).toContain('report 2026-11: 2026-11-01 to 2026-11-30 in Europe/Bucharest, 1 payout');
      expect(byConfig.stdout).toContain(path.join('elsewhere', 'payouts-2026-11'));
      expect(byConfig.stdout).toContain('EUR: 1 payout, 5.00 succeeded');
    });

    it('fails with exit code 1 and names the place when the output folder cannot be written', async () => {
      config();
      writeFileSync(path.join(work.dir, 'a-file'), 'not a folder');
      const run = await runCliInProcess(['report', '--month', '2026-10', '--out', 'a-file/reports'], { cwd: work.dir });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/^report: cannot write .*a-file\/reports \(ENOTDIR\)\n$/);
    });

    it.each([
      [['report'], /give --month/],
      [['report', '--month', '2026-10', '--from', '2026-10-01', '--to', '2026-10-02'], /either --month or --from/],
      [['report', '--month', '2026-13'], /not a month/],
      [['report', '--from', '2026-10-01'], /both --from/],
      [['report', '--month', '2026-10', '--format', 'pdf'], /--format must be/],
    ])('refuses %j with exit code 2', async (args, message) => {
      config();
      const run = await runCliInProcess(args, { cwd: work.dir });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    });
  });
}

describe('displayPath', () => {
  it('is relative under the working directory and absolute elsewhere', () => {
    expect(displayPath('/home/a', '/home/a/reports/x.xlsx')).toBe(path.join('reports', 'x.xlsx'));
    expect(displayPath('/home/a', '/tmp/x.xlsx')).toBe('/tmp/x.xlsx');
    expect(displayPath('/home/a', '/home/ab/x.xlsx')).toBe('/home/ab/x.xlsx');
  });
});
