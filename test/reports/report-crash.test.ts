/**
 * Files appear whole or not at all: a `payout-recon report` killed with
 * SIGKILL while it writes a large pack leaves the previous pack untouched
 * under the final names, and the next run tidies up and completes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliProcess, startCliProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { insertManyPayouts, LedgerFixtures } from '../helpers/ledger-fixtures.js';
import { readCsv } from '../helpers/report-readers.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

const PAYOUTS = 40_000;
const START = Date.parse('2026-09-30T21:00:00Z');
const CSV_DIR = 'payouts-2026-10';
const XLSX = 'payouts-2026-10.xlsx';

function hashes(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
  result[XLSX] = sha(path.join(dir, XLSX));
  for (const file of readdirSync(path.join(dir, CSV_DIR))) result[`${CSV_DIR}/${file}`] = sha(path.join(dir, CSV_DIR, file));
  return result;
}

/** Bytes written so far into this run's temporary workbook and CSV folder. */
function temporaryBytes(dir: string): number {
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('.')) continue;
    const full = path.join(dir, name);
    try {
      const stat = statSync(full);
      if (stat.isDirectory()) for (const f of readdirSync(full)) bytes += statSync(path.join(full, f)).size;
      else bytes += stat.size;
    } catch {
      // renamed or removed meanwhile
    }
  }
  return bytes;
}

/** A zip (and so an .xlsx) is complete when it ends with its end-of-central-directory record. */
function isCompleteZip(file: string): boolean {
  const tail = readFileSync(file).subarray(-22);
  return tail.readUInt32LE(0) === 0x06054b50;
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'report killed mid-write', () => {
    let t: TestLedger;
    const work = tempDirForSuite('payout-recon-report-kill-');
    const reports = path.join(work.dir, 'reports');
    const args = ['report', '--month', '2026-10', '--config', path.join(work.dir, 'config.json')];

    beforeAll(async () => {
      t = await createTestLedger(dialect);
      await insertManyPayouts(t.ledger, PAYOUTS, (i) => ({
        providerPayoutId: String(1_000_000 + i),
        amount: 1000 + (i % 5000),
        currency: i % 3 === 0 ? 'USD' : 'EUR',
        purpose: i % 4 === 0 ? null : 'EDUCATION',
        description: `payout for order ${i}`,
        createdAt: START + i * 60_000,
      }));
      writeFileSync(path.join(work.dir, 'config.json'), JSON.stringify({ database: { url: t.url }, timezone: 'Europe/Bucharest', reports: { dir: './reports' } }));
    }, 180_000);
    afterAll(async () => {
      await t.cleanup();
      work.remove();
    });

    it('keeps the previous complete pack, and the next run replaces it whole', async () => {
      const first = await runCliProcess(args, { cwd: work.dir });
      expect(first.stderr).not.toMatch(/error/i);
      expect(first.exitCode).toBe(0);
      const before = hashes(reports);
      expect(isCompleteZip(path.join(reports, XLSX))).toBe(true);

      await new LedgerFixtures(t.ledger).payout({ providerPayoutId: 'ADDED-AFTER-FIRST-PACK', createdAt: START + 1000 });
      const { child, done } = startCliProcess(args, { cwd: work.dir });
      const deadline = Date.now() + 120_000;
      let exited = false;
      void done.then(() => {
        exited = true;
      });
      // Wait until the run is well into writing its temporary files, then kill it.
      while (!exited && temporaryBytes(reports) < 256 * 1024 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(exited, 'the report finished before it could be killed').toBe(false);
      child.kill('SIGKILL');
      const killed = await done;
      expect(killed.signal).toBe('SIGKILL');

      // The previous pack is intact under the final names; the partial one is only a hidden leftover.
      expect(hashes(reports)).toEqual(before);
      expect(readdirSync(reports).filter((n) => !n.startsWith('.')).sort()).toEqual([CSV_DIR, XLSX]);
      expect(readdirSync(reports).some((n) => n.startsWith('.'))).toBe(true);

      const again = await runCliProcess([...args, '--json'], { cwd: work.dir });
      expect(again.exitCode).toBe(0);
      expect(readdirSync(reports).sort()).toEqual([CSV_DIR, XLSX]);
      expect(isCompleteZip(path.join(reports, XLSX))).toBe(true);
      const after = hashes(reports);
      expect(after[XLSX]).not.toBe(before[XLSX]);
      const ids = readCsv(path.join(reports, CSV_DIR, 'payouts.csv')).records.map((r) => r.payout_id);
      expect(ids).toHaveLength(PAYOUTS + 1);
      expect(ids).toContain('ADDED-AFTER-FIRST-PACK');
    }, 300_000);

    it('leaves nothing under the final name when the very first run is killed', async () => {
      const fresh = path.join(work.dir, 'fresh');
      const { child, done } = startCliProcess([...args, '--out', fresh, '--format', 'xlsx'], { cwd: work.dir });
      let exited = false;
      void done.then(() => {
        exited = true;
      });
      const deadline = Date.now() + 120_000;
      while (!exited && (!existsSync(fresh) || temporaryBytes(fresh) < 256 * 1024) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(exited, 'the report finished before it could be killed').toBe(false);
      child.kill('SIGKILL');
      await done;
      expect(readdirSync(fresh).filter((n) => !n.startsWith('.'))).toEqual([]);
    }, 300_000);
  });
}
