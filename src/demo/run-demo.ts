/**
 * `payout-recon demo`: the whole loop on an embedded sandbox provider, with
 * no account and no network beyond loopback. It starts the sandbox (Smart2Pay
 * payouts list, Smart Glocal wallet balance, and a webhook receiver standing
 * in for a chat channel) on a free port, writes a temporary configuration,
 * and runs what operations would run, through the same functions as the
 * commands: sync, import of internal records with planted discrepancies,
 * reconcile, balance (with a planted manual refund and a low balance), and a
 * report pack written into `reports/`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { parseConfigValue } from '../config/load-config.js';
import { importInternalRecords } from '../imports/internal-records/import-internal-records.js';
import { type Ledger, openLedger } from '../ledger/ledger.js';
import { reconcile } from '../matching/reconcile.js';
import { rulesFromConfig } from '../matching/rules.js';
import { runBalanceCheck } from '../monitoring/balance-check.js';
import { readBody, sendJson, startSandboxServer, type SandboxHandler } from '../providers/sandbox/sandbox-server.js';
import { Smart2PaySandbox } from '../providers/sandbox/smart2pay-sandbox.js';
import { generateRsaKeyPair, SmartGlocalSandbox } from '../providers/sandbox/smartglocal-sandbox.js';
import { writeReportPack } from '../reports/report-pack.js';
import { htmlReportSettings } from '../reports/html/html-settings.js';
import { resolveReportPeriod } from '../reports/report-period.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { formatMoneyForDisplay } from '../shared/money.js';
import { formatLocalDateTime, MS_PER_DAY, MS_PER_MINUTE } from '../shared/time.js';
import { runSync } from '../sync/run-sync.js';
import { buildDemoRecords, DEMO_RECORD_COLUMNS, type DemoPayout, type DemoRecordsPlan } from './demo-records.js';

export interface DemoOptions {
  /** Where `reports/` is written. */
  cwd: string;
  log: Logger;
  clock: Clock;
  /** Payouts the sandbox starts with (default 4,000 over 30 days). */
  payouts?: number;
  /** Reports folder (default `<cwd>/reports`). */
  reportsDir?: string;
}

export interface DemoAlert {
  kind: string;
  severity: string;
  title: string;
  text: string;
}

export interface DemoResult {
  /** The demo's folder: ledger, configuration, keys, the internal-records file. */
  workDir: string;
  configPath: string;
  synced: { payouts: number; requests: number; durationMs: number };
  imported: { file: string; rows: number };
  plan: DemoRecordsPlan;
  reconcile: { matched: number; matchedByReference: number; matchedByTolerance: number; exceptions: Record<string, number> };
  /** One example per exception kind: its one-line diagnostics. */
  examples: { kind: string; summary: string }[];
  refund: { plantedOn: string; amount: string; currency: string; caught: boolean; summary: string | null };
  /** What the webhook receiver got. */
  alerts: DemoAlert[];
  report: { files: string[]; period: string; payouts: number };
  durationMs: number;
}

const DEMO_PROJECT = 'demo-project';

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const { log, clock } = options;
  const now = clock();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'payout-recon-demo-'));
  const keys = generateRsaKeyPair();
  mkdirSync(path.join(workDir, 'keys'));
  const privateKeyPath = path.join(workDir, 'keys', 'smartglocal-private.pem');
  writeFileSync(privateKeyPath, keys.privateKeyPem, { mode: 0o600 });

  const smart2pay = new Smart2PaySandbox({
    seed: 2026,
    count: options.payouts ?? 4000,
    days: 30,
    end: now - 10 * MS_PER_MINUTE,
    siteId: 'demo-site',
    apiKey: 'demo-api-key',
  });
  plantProviderSide(smart2pay, now);
  const smartglocal = new SmartGlocalSandbox({
    projects: { [DEMO_PROJECT]: keys.publicKeyPem },
    balances: { EUR: 3_250_00, USD: 184_000_00 },
  });
  const received: DemoAlert[] = [];
  const server = await startSandboxServer([smart2pay.handler, smartglocal.handler, alertReceiver(received)]);
  let ledger: Ledger | undefined;
  try {
    const reportsDir = options.reportsDir ?? path.join(options.cwd, 'reports');
    const rawConfig = demoConfig({ workDir, url: server.url, privateKeyPath, reportsDir, now });
    const configPath = path.join(workDir, 'config.json');
    writeFileSync(configPath, `${JSON.stringify(rawConfig, null, 2)}\n`);
    const config = parseConfigValue(rawConfig, {});
    ledger = await openLedger({ url: config.database.url });

    log.info('syncing payouts from the sandbox provider');
    const first = await runSync({ config, ledger, log: log.child('sync'), clock });

    log.info('importing the company\'s payout records');
    const payouts = await demoPayouts(ledger);
    const { rows, plan } = buildDemoRecords(payouts, { zone: config.timezone, now });
    const recordsFile = path.join(workDir, 'internal-records.csv');
    writeFileSync(recordsFile, stringify([DEMO_RECORD_COLUMNS, ...rows]));
    const imported = await importInternalRecords(ledger, recordsFile, { config, clock, log: log.child('import') });

    log.info('reconciling');
    const outcome = await reconcile(ledger, { rules: rulesFromConfig(config.matching), clock, log: log.child('reconcile') });

    log.info('checking the prefunding balance');
    const balanceOptions = { log: log.child('balance'), clock, resolvePath: (p: string) => path.resolve(workDir, p) };
    await runBalanceCheck(ledger, config, balanceOptions);
    // The provider refunds a bank payout by hand: the money reappears on the balance, nothing else.
    const refunded = await refundCandidate(ledger, now);
    smartglocal.plantManualRefund({ amount: refunded.amount, currency: refunded.currency });
    await runBalanceCheck(ledger, config, balanceOptions);
    // The refund monitor judges an interval once the ledger is synced past its
    // end, and the watermark moves in whole provider seconds: let one pass.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await runSync({ config, ledger, log: log.child('sync'), clock });
    await runBalanceCheck(ledger, config, balanceOptions);

    log.info('writing the report pack');
    const firstDay = localDay(now - 31 * MS_PER_DAY, config.timezone);
    const lastDay = localDay(now, config.timezone);
    const period = resolveReportPeriod({ from: firstDay, to: lastDay }, config.timezone);
    const pack = await writeReportPack(ledger, { period, format: 'all', outDir: reportsDir, now: clock(), log: log.child('report'), html: htmlReportSettings(config), csv: config.reports.csv });

    const refundException = await ledger.db
      .selectFrom('exceptions')
      .select(['summary'])
      .where('kind', '=', 'suspected_manual_refund')
      .where('payout_id', '=', refunded.id)
      .executeTakeFirst();
    return {
      workDir,
      configPath,
      synced: {
        payouts: first.synced.inserted + second.synced.inserted,
        requests: first.synced.requests + second.synced.requests + (first.polled?.requests ?? 0) + (second.polled?.requests ?? 0),
        durationMs: first.durationMs + second.durationMs,
      },
      imported: { file: recordsFile, rows: imported.rows },
      plan,
      reconcile: {
        matched: outcome.matched,
        matchedByReference: outcome.matchedByReference,
        matchedByTolerance: outcome.matchedByTolerance,
        exceptions: outcome.exceptions,
      },
      examples: await exampleExceptions(ledger),
      refund: {
        plantedOn: refunded.providerPayoutId,
        amount: refunded.display,
        currency: refunded.currency,
        caught: refundException !== undefined,
        summary: refundException?.summary ?? null,
      },
      alerts: received,
      report: { files: [...(pack.xlsx ? [pack.xlsx] : []), ...pack.csvFiles, ...(pack.html ? [pack.html] : [])], period: period.label, payouts: pack.summary.payouts },
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await ledger?.close();
    await server.close();
  }
}

/** On the provider's side: a payout paid twice, and one stuck open for days. */
function plantProviderSide(sandbox: Smart2PaySandbox, now: number): void {
  let original: ReturnType<Smart2PaySandbox['getPayout']>;
  for (const p of sandbox.payouts()) {
    if (p.statusId === 2 && p.currency === 'EUR' && p.createdAt < now - 5 * MS_PER_DAY) {
      original = p;
      break;
    }
  }
  if (original) {
    sandbox.addPayout({
      createdAt: original.createdAt + 3 * MS_PER_MINUTE,
      merchantTransactionId: original.merchantTransactionId,
      amount: original.amount,
      currency: original.currency,
      methodId: original.methodId,
      description: original.description,
      country: original.country,
      statusId: 2,
    });
  }
  sandbox.addPayout({
    createdAt: now - 5 * MS_PER_DAY,
    merchantTransactionId: 'PAYOUT-STUCK-1',
    amount: 48_000,
    currency: 'EUR',
    methodId: 1,
    description: 'SALARY_PAYMENT',
    country: 'RO',
    statusId: 1,
  });
}

function demoConfig(o: { workDir: string; url: string; privateKeyPath: string; reportsDir: string; now: number }) {
  return {
    timezone: 'Europe/Bucharest',
    database: { url: `sqlite:${path.join(o.workDir, 'ledger.db')}` },
    smart2pay: {
      baseUrl: o.url,
      siteId: 'demo-site',
      apiKey: 'demo-api-key',
      syncFrom: new Date(o.now - 32 * MS_PER_DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      // The sandbox shows every payout at once: nothing to wait for.
      settleSeconds: 0,
      lookbackHours: 1,
      http: { requestsPerSecond: 0, retryBaseDelayMs: 100 },
    },
    smartglocal: { baseUrl: o.url, project: DEMO_PROJECT, privateKeyPath: o.privateKeyPath },
    alerts: {
      lowBalance: { EUR: '5000.00', USD: '10000.00' },
      runwayDays: 3,
      webhooks: [`${o.url}/demo/alerts`],
      webhookRetries: 1,
    },
    reports: { dir: o.reportsDir, format: 'both' },
  };
}

/** Stands in for a chat channel's incoming webhook: keeps what it is sent. */
function alertReceiver(received: DemoAlert[]): SandboxHandler {
  return async (req, res, url) => {
    if (req.method !== 'POST' || url.pathname !== '/demo/alerts') return false;
    const body = JSON.parse((await readBody(req)).toString('utf8')) as Partial<DemoAlert>;
    received.push({ kind: String(body.kind), severity: String(body.severity), title: String(body.title), text: String(body.text) });
    sendJson(res, 200, { ok: true });
    return true;
  };
}

async function demoPayouts(ledger: Ledger): Promise<DemoPayout[]> {
  const rows = await ledger.db
    .selectFrom('payouts')
    .select(['id', 'provider_payout_id', 'merchant_transaction_id', 'amount', 'currency', 'created_at', 'status', 'method', 'purpose', 'country'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const seen = new Set<string>();
  const payouts: DemoPayout[] = [];
  for (const r of rows) {
    // The company ordered each reference once: a payout the provider made twice has one record.
    if (r.merchant_transaction_id !== null && seen.has(r.merchant_transaction_id)) continue;
    if (r.merchant_transaction_id !== null) seen.add(r.merchant_transaction_id);
    payouts.push({
      id: r.id,
      providerPayoutId: r.provider_payout_id,
      merchantTransactionId: r.merchant_transaction_id,
      amount: r.amount,
      currency: r.currency,
      createdAt: r.created_at,
      status: r.status,
      method: r.method,
      purpose: r.purpose,
      country: r.country,
    });
  }
  return payouts;
}

/** A succeeded EUR bank payout whose amount no other candidate shares: the one the provider refunds. */
async function refundCandidate(ledger: Ledger, now: number) {
  const rows = await ledger.db
    .selectFrom('payouts')
    .select(['id', 'provider_payout_id', 'amount', 'currency'])
    .where('status', '=', 'succeeded')
    .where('method', '=', 'bank_account')
    .where('currency', '=', 'EUR')
    .where('created_at', '>=', now - 20 * MS_PER_DAY)
    .execute();
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.amount, (counts.get(r.amount) ?? 0) + 1);
  const unique = rows.filter((r) => counts.get(r.amount) === 1).sort((a, b) => b.amount - a.amount || a.id - b.id);
  const chosen = unique[Math.floor(unique.length / 3)] ?? unique[0];
  if (!chosen) throw new Error('demo: no succeeded EUR bank payout to refund');
  return {
    id: chosen.id,
    providerPayoutId: chosen.provider_payout_id,
    amount: chosen.amount,
    currency: chosen.currency,
    display: formatMoneyForDisplay(chosen.amount, chosen.currency),
  };
}

async function exampleExceptions(ledger: Ledger): Promise<{ kind: string; summary: string }[]> {
  const rows = await ledger.db
    .selectFrom('exceptions')
    .select(['kind', 'summary', 'id'])
    .where('status', '=', 'open')
    .orderBy('kind')
    .orderBy('id')
    .execute();
  const byKind = new Map<string, string>();
  for (const r of rows) if (!byKind.has(r.kind)) byKind.set(r.kind, r.summary);
  return [...byKind].map(([kind, summary]) => ({ kind, summary }));
}

function localDay(instant: number, zone: string): string {
  return formatLocalDateTime(instant, zone).slice(0, 10);
}
