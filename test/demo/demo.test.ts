import { existsSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoResult, runDemo } from '../../src/demo/run-demo.js';
import { silentLogger } from '../../src/shared/logger.js';
import { runCliProcess } from '../helpers/cli.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

describe('payout-recon demo', () => {
  const cwd = tempDirForSuite();
  let result: DemoResult;
  afterAll(() => cwd.remove());

  it('runs the whole loop and finds every planted problem', async () => {
    result = await runDemo({ cwd: cwd.dir, log: silentLogger, clock: () => Date.now(), payouts: 1500 });
    expect(result.synced.payouts).toBe(1502); // the generated payouts, a duplicate and a stuck one
    expect(result.reconcile.exceptions).toMatchObject({
      unknown_payout: 3,
      missing_at_provider: 3,
      amount_mismatch: 3,
      status_mismatch: 2,
      currency_mismatch: 1,
      duplicate_payout: 1,
      stuck_payout: 1,
    });
    expect(result.reconcile.matchedByTolerance).toBe(result.plan.mistyped.length);
    expect(result.refund.caught).toBe(true);
    expect(result.refund.summary).toContain(result.refund.plantedOn);
    const kinds = result.alerts.map((a) => a.kind);
    expect(kinds).toContain('low_balance');
    expect(kinds).toContain('suspected_manual_refund');
  });

  it('writes a report pack a person can open', async () => {
    const xlsx = result.report.files.find((f) => f.endsWith('.xlsx'));
    expect(xlsx && path.dirname(xlsx)).toBe(path.join(cwd.dir, 'reports'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx!);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['Summary', 'By purpose', 'Payouts', 'Exceptions', 'Refunds', 'Balance', 'Adjustments']);
    expect(workbook.getWorksheet('Payouts')!.rowCount).toBe(result.report.payouts + 1);
    for (const file of result.report.files) expect(existsSync(file)).toBe(true);
  });

  it('runs as `payout-recon demo --json` from the built binary, needing no configuration', async () => {
    const run = await runCliProcess(['demo', '--json', '--payouts', '300'], { cwd: cwd.dir, timeoutMs: 120_000 });
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout) as { refund: { caught: boolean }; report: { files: string[] } };
    expect(out.refund.caught).toBe(true);
    expect(out.report.files.some((f) => f.startsWith('reports/') && f.endsWith('.xlsx'))).toBe(true);
  });
});
