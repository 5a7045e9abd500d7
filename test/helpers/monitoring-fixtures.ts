/**
 * Fixtures for the balance and refund monitors: payouts with their status
 * history written straight into the ledger (the way the sync would leave
 * them), the sync watermark, Smart Glocal key pairs and a sandbox, a real
 * HTTP webhook receiver, and a project folder with a config file.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Ledger } from '../../src/ledger/ledger.js';
import { generateRsaKeyPair, SmartGlocalSandbox } from '../../src/providers/sandbox/smartglocal-sandbox.js';
import { type RunningSandbox, startSandboxServer } from '../../src/providers/sandbox/sandbox-server.js';
import { PAYOUTS_SYNC_KEY } from '../../src/monitoring/payout-flows.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

export interface PayoutFixture {
  providerPayoutId: string;
  amount: number;
  currency?: string;
  method?: 'bank_account' | 'wallet' | 'card' | 'unknown';
  /** Final or current status. */
  status?: 'open' | 'authorized' | 'pending' | 'succeeded' | 'failed' | 'cancelled' | 'expired';
  createdAt: number;
  /** When the final status was observed (default: an hour after creation). */
  finalAt?: number;
  merchantTransactionId?: string | null;
  sessionId?: string | null;
  provider?: 'smart2pay' | 'smartglocal';
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/** Inserts a payout and the history the sync would have written: first seen open, then its final status. */
export async function insertPayout(ledger: Ledger, p: PayoutFixture): Promise<number> {
  const status = p.status ?? 'succeeded';
  const final = FINAL.has(status);
  const finalAt = final ? (p.finalAt ?? p.createdAt + HOUR) : null;
  const firstSeen = p.createdAt + 60_000;
  const { id } = await ledger.db
    .insertInto('payouts')
    .values({
      provider: p.provider ?? 'smart2pay',
      provider_payout_id: p.providerPayoutId,
      merchant_transaction_id: p.merchantTransactionId === undefined ? `M-${p.providerPayoutId}` : p.merchantTransactionId,
      session_id: p.sessionId ?? null,
      site_id: null,
      amount: p.amount,
      currency: p.currency ?? 'EUR',
      created_at: p.createdAt,
      status,
      provider_status: null,
      provider_status_info: null,
      reasons: null,
      method: p.method ?? 'bank_account',
      provider_method: null,
      purpose: null,
      purpose_source: null,
      country: null,
      description: null,
      raw: '{}',
      first_seen_at: firstSeen,
      updated_at: finalAt ?? firstSeen,
      status_changed_at: finalAt ?? firstSeen,
      final_at: finalAt,
      last_polled_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const history = [{ status: final ? 'open' : status, previous_status: null as string | null, observed_at: firstSeen }];
  if (final) history.push({ status, previous_status: 'open', observed_at: finalAt! });
  for (const h of history) {
    await ledger.db
      .insertInto('payout_status_history')
      .values({ payout_id: id, ...h, provider_status: null, provider_status_info: null, reasons: null, source: 'list', regression: 0 })
      .execute();
  }
  return id;
}

/** The poller saw a succeeded payout move to `status` (a regression). */
export async function insertRegression(ledger: Ledger, payoutId: number, status: string, observedAt: number): Promise<number> {
  await ledger.db.updateTable('payouts').set({ status, status_changed_at: observedAt, updated_at: observedAt }).where('id', '=', payoutId).execute();
  const { id } = await ledger.db
    .insertInto('payout_status_history')
    .values({
      payout_id: payoutId,
      status,
      previous_status: 'succeeded',
      provider_status: null,
      provider_status_info: null,
      reasons: null,
      source: 'poll',
      observed_at: observedAt,
      regression: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** Observes a status change of a payout (history row and payout columns), as the poller would. */
export async function observeStatus(ledger: Ledger, payoutId: number, from: string, to: string, observedAt: number): Promise<void> {
  await ledger.db
    .updateTable('payouts')
    .set({ status: to, status_changed_at: observedAt, updated_at: observedAt, ...(FINAL.has(to) ? { final_at: observedAt } : {}) })
    .where('id', '=', payoutId)
    .execute();
  await ledger.db
    .insertInto('payout_status_history')
    .values({
      payout_id: payoutId,
      status: to,
      previous_status: from,
      provider_status: null,
      provider_status_info: null,
      reasons: null,
      source: 'poll',
      observed_at: observedAt,
      regression: from === 'succeeded' && to !== 'succeeded' ? 1 : 0,
    })
    .execute();
}

/** Sets the sync watermark: every payout created before `at` is in the ledger. */
export async function setPayoutsWatermark(ledger: Ledger, at: number): Promise<void> {
  await ledger.db
    .insertInto('sync_state')
    .values({ key: PAYOUTS_SYNC_KEY, watermark: at, details: null, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ watermark: at, updated_at: at }))
    .execute();
}

let cachedKeys: { privateKeyPem: string; publicKeyPem: string }[] = [];
/** RSA key pairs, generated once per test file (2048-bit generation takes a moment). */
export function keyPair(index = 0): { privateKeyPem: string; publicKeyPem: string } {
  while (cachedKeys.length <= index) cachedKeys = [...cachedKeys, generateRsaKeyPair()];
  return cachedKeys[index]!;
}

export interface BalanceSandbox {
  sandbox: SmartGlocalSandbox;
  server: RunningSandbox;
  project: string;
}

export async function startBalanceSandbox(balances: Record<string, number> = {}): Promise<BalanceSandbox> {
  const project = 'proj-test';
  const sandbox = new SmartGlocalSandbox({ projects: { [project]: keyPair(0).publicKeyPem }, balances });
  const server = await startSandboxServer([sandbox.handler]);
  return { sandbox, server, project };
}

export interface WebhookReceiver {
  url: string;
  received: Record<string, unknown>[];
  /** Requests answered (failures included). */
  hits: number;
  /** Answer this status to the next `times` requests. */
  failNext(status: number, times: number): void;
  close(): Promise<void>;
}

/** A real HTTP server that records the JSON it receives (answers 200 unless told to fail). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const state: { failure: { status: number; times: number } | null } = { failure: null };
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    hits: 0,
    failNext: (status, times) => {
      state.failure = { status, times };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.hits += 1;
      const failure = state.failure;
      if (failure && failure.times > 0) {
        failure.times -= 1;
        res.writeHead(failure.status).end('nope');
        return;
      }
      receiver.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Writes the key files and `config.json` of a project folder; returns the folder. */
export function writeProject(
  dir: string,
  options: {
    databaseUrl: string;
    sandboxUrl: string;
    project: string;
    privateKeyPem?: string;
    alerts?: Record<string, unknown>;
    smartglocal?: Record<string, unknown>;
  },
): string {
  const keyFile = path.join(dir, 'smartglocal-private.pem');
  writeFileSync(keyFile, options.privateKeyPem ?? keyPair(0).privateKeyPem);
  const config = {
    database: { url: options.databaseUrl },
    smartglocal: {
      baseUrl: options.sandboxUrl,
      project: options.project,
      privateKeyPath: './smartglocal-private.pem',
      http: { maxRetries: 2, retryBaseDelayMs: 10, retryMaxDelayMs: 50, requestsPerSecond: 0 },
      ...options.smartglocal,
    },
    alerts: { webhookRetries: 2, webhookRetryDelayMs: 10, webhookTimeoutMs: 2000, ...options.alerts },
  };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}
