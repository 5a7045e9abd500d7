/**
 * End-to-end report benchmark: `payout-recon report --month 2026-10` over a
 * SQLite ledger of N payouts (bench/report-ledger.ts), each format in its own
 * process, timed from outside; peak RSS and CPU time from the process's own
 * getrusage, written at exit by a preloaded probe. Needs `npm run build` first.
 *
 *   npx tsx bench/report-pack.ts --sizes 200000,1000000 --formats csv,xlsx
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { reportLedger } from './report-ledger.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Preloaded into the measured process: at exit, its peak RSS (kB) and CPU time (ms, all threads) go to $RSS_PROBE_FILE. */
const PROBE = `data:text/javascript,${encodeURIComponent(`
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.RSS_PROBE_FILE, JSON.stringify({ maxRssKb: u.maxRSS, cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000) }));
});`)}`;
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '200000,1000000' },
    formats: { type: 'string', default: 'csv,xlsx' },
    repeat: { type: 'string', default: '1' },
  },
});

export interface ReportRun {
  format: string;
  payouts: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  /** CPU time of the report process, all threads (less noisy than wall time on a shared machine). */
  cpuSeconds: number;
}

export function runReport(ledgerFile: string, payouts: number, format: string): ReportRun {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'payout-recon-bench-report-'));
  try {
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ database: { url: `sqlite:${ledgerFile}` }, timezone: 'Europe/Bucharest', reports: { dir: path.join(dir, 'reports') } }));
    const probe = path.join(dir, 'rss.json');
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      ['--import', PROBE, path.join(ROOT, 'bin/payout-recon.js'), 'report', '--month', '2026-10', '--format', format, '--config', config, '--json'],
      { cwd: dir, env: { ...process.env, RSS_PROBE_FILE: probe }, encoding: 'utf8' },
    );
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0) throw new Error(`report failed (${result.status}): ${result.stderr}`);
    const { maxRssKb, cpuMs } = JSON.parse(readFileSync(probe, 'utf8')) as { maxRssKb: number; cpuMs: number };
    return {
      format,
      payouts,
      seconds: Number(seconds.toFixed(2)),
      rowsPerSecond: Math.round(payouts / seconds),
      peakRssMb: Math.round(maxRssKb / 1024),
      cpuSeconds: Number((cpuMs / 1000).toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const size of values.sizes.split(',').map(Number)) {
    const ledger = await reportLedger(size);
    for (const format of values.formats.split(',')) {
      for (let i = 0; i < Number(values.repeat); i++) console.log(JSON.stringify(runReport(ledger, size, format)));
    }
  }
}
