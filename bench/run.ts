/**
 * `npm run bench`: every stage of payout-recon at two sizes, each stage in its
 * own process, with a baseline measured in the same run.
 *
 *   npm run bench                                 # 200,000 and 1,000,000 payouts
 *   npm run bench -- --sizes 50000,200000         # other sizes
 *   npm run bench -- --stages sync,import         # some stages only
 *   npm run bench -- --keep                       # keep bench/data/<size>/, incl. a copy of the synced ledger
 *   npm run bench -- --stages import,reconcile    # after a --keep run: starts from that synced ledger
 *
 * For each size: the Smart2Pay sandbox starts in its own process with N
 * payouts (fixed seed), then
 *   sync       `payout-recon sync --no-poll` over loopback into a fresh SQLite ledger
 *              baseline: the same rows, already parsed, inserted with one prepared statement in one transaction
 *   import     `payout-recon import records.csv` (N internal records, 5 % planted discrepancies)
 *              baseline: reading and parsing the same file, no writes
 *   reconcile  `payout-recon reconcile` (1:1, 95 % exact)
 *              baseline: the reference join as one SQL statement in SQLite
 *   report     `payout-recon report --format csv`, then `--format xlsx`, for the whole range
 *              baseline: the same rows written as CSV with plain fs writes
 * Wall time is measured from outside; peak RSS (and CPU time) come from the
 * measured process's own getrusage, written at exit by a preloaded probe.
 * Results are printed as a table and written to bench/results/<date>.json.
 * Needs the build (`npm run build`, done by `npm install`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { runStage } from './lib/run-stage.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/payout-recon.js');
const SANDBOX = path.join(ROOT, 'dist/src/providers/sandbox/main.js');
const DATA = path.join(ROOT, 'bench/data');
const SEED = 42;
const DAYS = 30;

/** Preloaded into a measured process: at exit, its peak RSS and CPU time (all threads) go to $BENCH_PROBE_FILE. */
const PROBE = `data:text/javascript,${encodeURIComponent(`
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify({ maxRssKb: u.maxRSS, cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000) }));
});`)}`;

interface Row {
  size: number;
  stage: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  cpuSeconds: number | null;
  baselineSeconds: number | null;
  ratio: number | null;
  notes?: Record<string, unknown>;
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '200000,1000000' },
    stages: { type: 'string', default: 'sync,import,reconcile,report' },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) throw new Error('--sizes: integers of at least 1000');
const stages = new Set(values.stages.split(',').map((s) => s.trim()));
if (!existsSync(SANDBOX) || !existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) {
  throw new Error('the build is missing: run `npm run build` (npm install does it) first');
}

async function startSandbox(payouts: number): Promise<{ child: ChildProcess; url: string; siteId: string; apiKey: string }> {
  const child = spawn(process.execPath, [SANDBOX, '--payouts', String(payouts), '--seed', String(SEED), '--days', String(DAYS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited (${code ?? 'signal'})`)));
  });
  const info = JSON.parse(line) as { url: string; siteId: string; apiKey: string };
  return { child, ...info };
}

/** Runs `payout-recon <args>` as its own process; wall time from here, RSS and CPU from its probe. */
async function cli(dir: string, args: readonly string[]): Promise<{ seconds: number; peakRssMb: number; cpuSeconds: number; json: unknown }> {
  const probe = path.join(dir, 'probe.json');
  rmSync(probe, { force: true });
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PROBE, BIN, '--config', path.join(dir, 'config.json'), '--json', ...args], {
      cwd: dir,
      env: { ...process.env, BENCH_PROBE_FILE: probe, PAYOUT_RECON_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`payout-recon ${args.join(' ')} failed (exit ${code ?? 'signal'}):\n${stderr.slice(-3000)}`);
  const { maxRssKb, cpuMs } = JSON.parse(readFileSync(probe, 'utf8')) as { maxRssKb: number; cpuMs: number };
  return { seconds, peakRssMb: Math.round(maxRssKb / 1024), cpuSeconds: cpuMs / 1000, json: JSON.parse(stdout) as unknown };
}

function row(size: number, stage: string, rows: number, m: { seconds: number; peakRssMb: number; cpuSeconds: number | null }, baseline: number | null, notes?: Record<string, unknown>): Row {
  return {
    size,
    stage,
    rows,
    seconds: round(m.seconds, 2),
    rowsPerSecond: Math.round(rows / m.seconds),
    peakRssMb: m.peakRssMb,
    cpuSeconds: m.cpuSeconds === null ? null : round(m.cpuSeconds, 1),
    baselineSeconds: baseline === null ? null : round(baseline, 2),
    ratio: baseline === null ? null : round(m.seconds / baseline, 2),
    ...(notes ? { notes } : {}),
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function benchSize(size: number): Promise<Row[]> {
  const dir = path.join(DATA, String(size));
  const ledgerFile = path.join(dir, 'ledger.db');
  const syncedCopy = path.join(dir, 'synced-ledger.db');
  if (stages.has('sync')) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  } else {
    // Later stages only: start again from the ledger a --keep run left right after its sync.
    if (!existsSync(syncedCopy)) throw new Error(`${syncedCopy} is missing: run once with --stages sync,... --keep first`);
    for (const f of ['ledger.db-wal', 'ledger.db-shm']) rmSync(path.join(dir, f), { force: true });
    copyFileSync(syncedCopy, ledgerFile);
  }
  const results: Row[] = [];
  log(`${size.toLocaleString('en-US')} payouts: starting the sandbox`);
  const sandbox = await startSandbox(stages.has('sync') ? size : 1000);
  try {
    const now = Date.now();
    const syncFrom = new Date(now - (DAYS + 1) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        timezone: 'UTC',
        database: { url: `sqlite:${ledgerFile}` },
        smart2pay: {
          baseUrl: sandbox.url,
          siteId: sandbox.siteId,
          apiKey: sandbox.apiKey,
          syncFrom,
          settleSeconds: 0,
          http: { requestsPerSecond: 0 },
        },
        reports: { dir: path.join(dir, 'reports') },
      }),
    );

    if (stages.has('sync')) {
      log('sync');
      const sync = await cli(dir, ['sync', '--no-poll']);
      const fetched = (sync.json as { inserted: number }).inserted;
      const baseline = await runStage('sync-baseline', [ledgerFile, dir]);
      results.push(row(size, 'sync', fetched, sync, baseline.ms / 1000, { requests: (sync.json as { requests: number }).requests }));
      results.push(row(size, 'sync baseline (one prepared insert, one transaction)', baseline.rows, { seconds: baseline.ms / 1000, peakRssMb: baseline.peakRssMb, cpuSeconds: null }, null));
      if (values.keep) {
        const db = new Database(ledgerFile);
        db.pragma('wal_checkpoint(TRUNCATE)'); // everything in the main file before copying it
        db.close();
        copyFileSync(ledgerFile, syncedCopy);
      }
    }
  } finally {
    sandbox.child.kill('SIGTERM');
  }
  const recordsFile = path.join(dir, 'records.csv');
  if (stages.has('import') || stages.has('reconcile')) {
    log('generating internal records (not timed)');
    const made = await runStageRaw('make-records', [ledgerFile, recordsFile]);
    log(`planted: ${made}`);
  }
  if (stages.has('import')) {
    log('import');
    const baseline = await runStage('import-baseline', [recordsFile]);
    const imported = await cli(dir, ['import', recordsFile]);
    const rows = (imported.json as { rows: number }).rows;
    results.push(row(size, 'import', rows, imported, baseline.ms / 1000));
    results.push(row(size, 'import baseline (read and parse, no writes)', baseline.rows, { seconds: baseline.ms / 1000, peakRssMb: baseline.peakRssMb, cpuSeconds: null }, null));
  }
  if (stages.has('reconcile')) {
    log('reconcile');
    const baseline = await runStage('reconcile-baseline', [ledgerFile]);
    const reconciled = await cli(dir, ['reconcile']);
    const json = reconciled.json as { matched: number; exceptions: Record<string, number> };
    results.push(row(size, 'reconcile (payouts + records)', baseline.rows, reconciled, baseline.ms / 1000, { matched: json.matched, exceptions: json.exceptions }));
    results.push(row(size, 'reconcile baseline (the join as one SQL statement)', baseline.rows, { seconds: baseline.ms / 1000, peakRssMb: baseline.peakRssMb, cpuSeconds: null }, null, baseline.notes));
    const again = await cli(dir, ['reconcile']);
    results.push(row(size, 'reconcile again, no new data', baseline.rows, again, null));
  }
  if (stages.has('report')) {
    const from = new Date(Date.now() - (DAYS + 1) * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const baseline = await runStage('report-baseline', [ledgerFile, path.join(dir, 'baseline.csv')]);
    for (const format of ['csv', 'xlsx']) {
      log(`report ${format}`);
      const report = await cli(dir, ['report', '--from', from, '--to', to, '--format', format]);
      const payouts = (report.json as { payouts: number }).payouts;
      results.push(row(size, `report ${format}`, payouts, report, baseline.ms / 1000));
    }
    results.push(row(size, 'report baseline (plain fs writes of the rows)', baseline.rows, { seconds: baseline.ms / 1000, peakRssMb: baseline.peakRssMb, cpuSeconds: null }, null));
  }
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  return results;
}

/** A non-measured helper stage: returns its stdout. */
function runStageRaw(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/stages', `${script}.ts`), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${script} failed (${code ?? 'signal'})`))));
  });
}

function printTable(rows: readonly Row[]): void {
  const header = ['payouts', 'stage', 'rows', 'wall s', 'rows/s', 'peak RSS MB', 'CPU s', 'baseline s', '× baseline'];
  const lines = rows.map((r) => [
    r.size.toLocaleString('en-US'),
    r.stage,
    r.rows.toLocaleString('en-US'),
    r.seconds.toFixed(2),
    r.rowsPerSecond.toLocaleString('en-US'),
    String(r.peakRssMb),
    r.cpuSeconds === null ? '' : r.cpuSeconds.toFixed(1),
    r.baselineSeconds === null ? '' : r.baselineSeconds.toFixed(2),
    r.ratio === null ? '' : r.ratio.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  process.stdout.write(`${format(header)}\n| ${widths.map((w, i) => (i === 1 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |\n`);
  for (const l of lines) process.stdout.write(`${format(l)}\n`);
}

function growth(rows: readonly Row[]): string[] {
  if (sizes.length < 2) return [];
  const small = Math.min(...sizes);
  const large = Math.max(...sizes);
  const out: string[] = [];
  for (const r of rows.filter((x) => x.size === large && x.cpuSeconds !== null)) {
    const before = rows.find((x) => x.size === small && x.stage === r.stage);
    if (!before) continue;
    out.push(`${r.stage}: peak RSS ${before.peakRssMb} → ${r.peakRssMb} MB (${r.peakRssMb >= before.peakRssMb ? '+' : ''}${Math.round((100 * (r.peakRssMb - before.peakRssMb)) / before.peakRssMb)} %)`);
  }
  return out;
}

const all: Row[] = [];
for (const size of sizes) all.push(...(await benchSize(size)));
printTable(all);
const memory = growth(all);
if (memory.length > 0) process.stdout.write(`\nmemory from ${Math.min(...sizes).toLocaleString('en-US')} to ${Math.max(...sizes).toLocaleString('en-US')} payouts:\n${memory.map((m) => `  ${m}`).join('\n')}\n`);
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const file = path.join(ROOT, 'bench/results', `${new Date().toISOString().slice(0, 10)}.json`);
const previous: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
const runs = Array.isArray(previous) ? previous : [];
runs.push({ at: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, sizes, rows: all, memory });
writeFileSync(file, `${JSON.stringify(runs, null, 2)}\n`);
process.stdout.write(`\nresults: ${path.relative(process.cwd(), file)}\n`);
