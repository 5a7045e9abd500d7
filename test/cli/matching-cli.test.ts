/**
 * The import → reconcile → exceptions → resolve/match/unmatch loop through the
 * built binary, on SQLite and PostgreSQL, with the exit codes of the contract.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/ledger.js';
import { runCliInProcess, runCliProcess } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS, describeDialect, type TestDatabase } from '../helpers/dialects.js';
import { HOUR, insertPayouts } from '../helpers/matching-fixtures.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

interface ExceptionJson {
  id: number;
  kind: string;
  status: string;
  payout_id: string | null;
  internal_id: string | null;
  summary: string;
  details: Record<string, unknown>;
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'import, reconcile and decide from the command line', () => {
    let database: TestDatabase;
    let project: { dir: string; remove: () => void };
    // In-process for speed; the exit codes that matter most are also checked on the built binary.
    const cli = (...args: string[]) => runCliInProcess(args, { cwd: project.dir, env: { PAYOUT_RECON_ACTOR: 'ops@example' } });
    const binary = (...args: string[]) => runCliProcess(args, { cwd: project.dir, env: { PAYOUT_RECON_ACTOR: 'ops@example' } });

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      project = tempDirForSuite();
      writeFileSync(path.join(project.dir, 'config.json'), JSON.stringify({ database: { url: database.url }, timezone: 'UTC' }));
      // Payouts arrive through the sync (another module); here they are put in the ledger directly.
      const ledger = await openLedger({ url: database.url, baseDir: project.dir });
      const created = Date.now() - 48 * HOUR;
      await insertPayouts(ledger.db, [
        { providerId: '9001', mtid: 'A-1', amount: 123_450, createdAt: created },
        { providerId: '9002', mtid: 'A-2', amount: 5_000, createdAt: created },
        { providerId: '9003', mtid: 'NOPE', amount: 7_777, createdAt: created },
      ]);
      await ledger.close();
    });
    afterAll(async () => {
      await database.drop();
      project.remove();
    });

    it('import: exit 0 with counts, exit 2 naming the row for a bad file', async () => {
      const day = new Date(Date.now() - 48 * HOUR).toISOString().slice(0, 19).replace('T', ' ');
      writeFileSync(
        path.join(project.dir, 'records.csv'),
        `internal_id,amount,currency,created_at,method,purpose,country,status\nA-1,1243.50,EUR,${day},bank_account,SALARY_PAYMENT,RO,succeeded\nA-2,50.00,EUR,${day},,,,\nA-3,60.00,EUR,${day},,,,\n`,
      );
      const ok = await cli('--json', 'import', 'records.csv');
      expect(ok.exitCode).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'internal', file: 'records.csv', rows: 3, inserted: 3, updated: 0, unchanged: 0 });
      const human = await cli('import', 'records.csv');
      expect(human.stdout).toBe('records.csv: 3 internal records: 0 new, 0 updated, 3 unchanged\n');

      writeFileSync(path.join(project.dir, 'bad.csv'), 'internal_id,amount,currency,created_at\nB-1,"12,34.5",EUR,2026-10-01 10:00:00\n');
      const bad = await binary('--json', 'import', 'bad.csv');
      expect(bad.exitCode).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toContain('bad.csv: 1 problem, nothing imported');
      expect(bad.stderr).toContain('row 2, amount: "12,34.5" is not a decimal amount');

      // The same file as top-ups is the wrong kind of file: named, nothing imported.
      const wrongKind = await cli('import', 'records.csv', '--kind', 'topups');
      expect(wrongKind.exitCode).toBe(2);
      expect(wrongKind.stderr).toContain('records.csv');
      expect((await cli('import', 'records.csv', '--kind', 'nonsense')).exitCode).toBe(2);
    });

    it('reconcile: counts per outcome, exit 3 with --fail-on-exceptions while exceptions are open', async () => {
      const run = await cli('--json', 'reconcile');
      expect(run.exitCode).toBe(0);
      const result = JSON.parse(run.stdout) as { matched: number; exceptions: Record<string, number> };
      expect(result.matched).toBe(2);
      expect(result.exceptions).toEqual({ amount_mismatch: 1, unknown_payout: 1, missing_at_provider: 1 });
      const failing = await binary('--json', 'reconcile', '--fail-on-exceptions');
      expect(failing.exitCode).toBe(3);
      expect(JSON.parse(failing.stdout)).toMatchObject({ matched: 0, exceptions: result.exceptions });
      expect(failing.stderr).toContain('3 open exceptions remain');
      expect((await cli('reconcile', '--from', 'yesterday')).exitCode).toBe(2);
    });

    it('exceptions lists them with diagnostics; resolve, match and unmatch are decisions in the audit trail', async () => {
      const listed = await cli('--json', 'exceptions');
      expect(listed.exitCode).toBe(0);
      const open = JSON.parse(listed.stdout) as ExceptionJson[];
      const amount = open.find((e) => e.kind === 'amount_mismatch')!;
      expect(amount).toMatchObject({ status: 'open', payout_id: '9001', internal_id: 'A-1' });
      expect(amount.summary).toContain('amount 1,234.50 vs 1,243.50 EUR');
      expect(amount.details.differences).toEqual([{ field: 'amount', payout: '1,234.50 EUR', record: '1,243.50 EUR' }]);
      const table = await cli('exceptions', '--kind', 'amount_mismatch');
      expect(table.stdout).toMatch(/^id\s+kind\s+status\s+payout\s+internal_id\s+summary$/m);
      expect(table.stdout).toContain('amount 1,234.50 vs 1,243.50 EUR');
      // Human output shows times in the configured zone; --json keeps UTC ISO 8601.
      const missing = open.find((e) => e.kind === 'missing_at_provider')!;
      expect(missing.summary).toMatch(/created \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\)/);
      const missingTable = await cli('exceptions', '--kind', 'missing_at_provider');
      expect(missingTable.stdout).toMatch(/created \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)/);
      expect(missingTable.stdout).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);

      const resolved = await cli('resolve', String(amount.id), '--note', 'bank fee', '--ignore');
      expect(resolved.exitCode).toBe(0);
      expect((await cli('resolve', String(amount.id), '--note', 'again')).exitCode).toBe(2);

      const matched = await cli('--json', 'match', '9003', 'A-3', '--note', 'same beneficiary');
      expect(matched.exitCode).toBe(0);
      expect(JSON.parse(matched.stdout)).toMatchObject({ payout_id: '9003', internal_id: 'A-3' });
      expect((await cli('match', '9003', 'A-2')).exitCode).toBe(2);
      expect((await cli('match', '424242', 'A-2')).stderr).toContain('payout 424242 is not in the ledger');

      const after = await cli('--json', 'reconcile');
      expect(JSON.parse(after.stdout)).toMatchObject({ matched: 0, exceptions: { amount_mismatch: 1 } });
      const ignored = JSON.parse((await cli('--json', 'exceptions', '--status', 'ignored')).stdout) as ExceptionJson[];
      expect(ignored.map((e) => e.id)).toEqual([amount.id]);

      const unmatched = await cli('unmatch', '#3', '--note', 'not the same after all');
      expect(unmatched.exitCode).toBe(0);
      expect((await cli('unmatch', '#3')).exitCode).toBe(2);
      const again = JSON.parse((await cli('--json', 'reconcile')).stdout) as { exceptions: Record<string, number> };
      expect(again.exceptions).toEqual({ unknown_payout: 1, missing_at_provider: 1 });
      const all = JSON.parse((await cli('--json', 'exceptions', '--status', 'all')).stdout) as ExceptionJson[];
      expect(all.filter((e) => e.kind === 'unknown_payout').map((e) => e.status)).toEqual(['open']);
    });
  });
}
