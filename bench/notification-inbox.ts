/**
 * How long a Smart2Pay notification takes from receipt to confirmed in the
 * ledger, through the real daemon (`bin/payout-recon.js daemon`, its own
 * process) and the Smart2Pay sandbox over loopback:
 *
 *   npx tsx bench/notification-inbox.ts                        # 1,000 deliveries, SQLite
 *   npx tsx bench/notification-inbox.ts --database postgres://…/db --deliveries 1000
 *
 * Two runs: `paced` (one delivery every 20 ms, as a provider sends them) and
 * `burst` (all at once, 8 senders). Latency per delivery is
 * `processed_at − received_at` of its inbox row (both stamped by the
 * daemon's clock: receipt is when the row was written, before the 204;
 * confirmed is when the GET's answer was stored and the delivery settled).
 * The 204 time is measured by the sender. Needs the build (`npm run build`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { openLedger } from '../src/ledger/ledger.js';
import { startSmart2PaySandbox } from '../src/providers/sandbox/smart2pay-sandbox.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { deliveries: { type: 'string', default: '1000' }, database: { type: 'string' }, 'pace-ms': { type: 'string', default: '20' } },
});
const N = Number(values.deliveries);
const PACE_MS = Number(values['pace-ms']);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startDaemon(cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/payout-recon.js'), '--config', path.join(cwd, 'config.json'), 'daemon'], {
    cwd,
    env: { ...process.env, PAYOUT_RECON_CONFIG: '', PAYOUT_RECON_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`the daemon exited:\n${stderr}`)));
  });
  return { child, url };
}

async function run(mode: 'paced' | 'burst', databaseUrl: string): Promise<void> {
  const api = await startSmart2PaySandbox({ seed: 11, count: 0, siteId: '1010', apiKey: 'bench-key' });
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'payout-recon-inbox-bench-'));
  const url = databaseUrl === 'sqlite' ? `sqlite:${path.join(cwd, 'ledger.db')}` : databaseUrl;
  writeFileSync(
    path.join(cwd, 'config.json'),
    JSON.stringify({
      database: { url },
      server: { host: '127.0.0.1', port: 0 },
      schedule: { sync: null, poll: null, balance: null, reconcile: null, dailyReport: null, monthlyReport: null },
      smart2pay: { baseUrl: api.url, siteId: '1010', apiKey: 'bench-key', http: { requestsPerSecond: 0 } },
    }),
  );
  const ids = api.sandbox.addPayouts(Array.from({ length: N }, (_, i) => ({ statusId: 2, merchantTransactionId: `BENCH-${mode}-${i}` }))).map((p) => p.id);
  const daemon = await startDaemon(cwd);
  const ledger = await openLedger({ url, migrate: false });
  const auth = { authorization: `Basic ${Buffer.from('1010:bench-key').toString('base64')}`, 'content-type': 'application/json' };
  const answers: number[] = [];
  let resent = 0;
  // A 503 (the answer deadline passed, e.g. the ledger busy) is what a
  // provider answers by sending again: the bench does the same, and counts it.
  const send = async (id: number): Promise<void> => {
    const started = performance.now();
    const response = await fetch(`${daemon.url}/notifications/smart2pay`, { method: 'POST', body: api.sandbox.payoutJson(id), headers: auth });
    if (response.status === 503) {
      resent++;
      await sleep(1000);
      return send(id);
    }
    if (response.status !== 204) throw new Error(`answered ${response.status}`);
    answers.push(performance.now() - started);
  };
  // On PostgreSQL both runs share the database: count this run's rows only.
  const since = Date.now();
  try {
    if (mode === 'paced') {
      const sends: Promise<void>[] = [];
      for (const id of ids) {
        sends.push(send(id));
        await sleep(PACE_MS);
      }
      await Promise.all(sends);
    } else {
      const limit = pLimit(8);
      await Promise.all(ids.map((id) => limit(() => send(id))));
    }
    for (;;) {
      const left = await ledger.db.selectFrom('notification_inbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'received').where('received_at', '>=', since).executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await sleep(100);
    }
    const rows = await ledger.db.selectFrom('notification_inbox').select(['received_at', 'processed_at', 'status']).where('received_at', '>=', since).execute();
    const latencies = rows.map((r) => r.processed_at! - r.received_at).sort((a, b) => a - b);
    answers.sort((a, b) => a - b);
    const confirmed = rows.filter((r) => r.status === 'confirmed').length;
    console.log(
      `${mode.padEnd(5)} ${databaseUrl === 'sqlite' ? 'sqlite' : 'postgres'}: ${rows.length} deliveries, ${confirmed} confirmed; ` +
        `receipt→confirmed median ${quantile(latencies, 0.5)} ms, p95 ${quantile(latencies, 0.95)} ms, worst ${latencies.at(-1)} ms; ` +
        `204 answered median ${quantile(answers, 0.5).toFixed(1)} ms, worst ${answers.at(-1)!.toFixed(1)} ms; ${resent} answered 503 and resent`,
    );
  } finally {
    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => daemon.child.once('exit', resolve));
    await ledger.close();
    await api.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}

const database = values.database ?? 'sqlite';
await run('paced', database);
await run('burst', database);
