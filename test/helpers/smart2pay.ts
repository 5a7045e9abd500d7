/**
 * Helpers for tests that sync from the Smart2Pay sandbox: a parsed
 * `smart2pay` config section with test-sized retry delays, and ledger reads.
 */
import { parseConfigValue } from '../../src/config/load-config.js';
import type { Smart2PayConfig } from '../../src/config/schema.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { RunningSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';

/** HTTP settings that keep retry tests fast (Retry-After is capped at retryMaxDelayMs). */
export const FAST_HTTP = {
  connectTimeoutMs: 2000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  maxRetries: 8,
  retryBaseDelayMs: 2,
  retryMaxDelayMs: 40,
  requestsPerSecond: 0,
  connections: 4,
};

/**
 * The `smart2pay` section as the config loader builds it (defaults applied).
 * Pages are parsed in this thread unless a test asks for `listWorker: true`:
 * under the test runner each worker first compiles the TypeScript sources.
 */
export function smart2payConfig(sandbox: RunningSmart2PaySandbox, overrides: Record<string, unknown> = {}): Smart2PayConfig {
  const config = parseConfigValue({
    smart2pay: {
      baseUrl: sandbox.url,
      siteId: sandbox.sandbox.siteId,
      apiKey: sandbox.sandbox.apiKey,
      settleSeconds: 0,
      listWorker: false,
      http: FAST_HTTP,
      ...overrides,
    },
  });
  if (!config.smart2pay) throw new Error('no smart2pay section');
  return config.smart2pay;
}

/** The config file a CLI test writes for a sandbox and a database URL (in-process runs: no worker unless asked). */
export function smart2payConfigFile(sandbox: RunningSmart2PaySandbox, databaseUrl: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    database: { url: databaseUrl },
    smart2pay: {
      baseUrl: sandbox.url,
      siteId: sandbox.sandbox.siteId,
      apiKey: sandbox.sandbox.apiKey,
      settleSeconds: 0,
      listWorker: false,
      http: FAST_HTTP,
      ...overrides,
    },
  });
}

export interface LedgerPayout {
  id: string;
  status: string;
  providerStatus: string | null;
  amount: number;
  currency: string;
  createdAt: number;
}

/** Every Smart2Pay payout in the ledger, by provider ID. */
export async function ledgerPayouts(ledger: Ledger): Promise<Map<string, LedgerPayout>> {
  const rows = await ledger.db
    .selectFrom('payouts')
    .select(['provider_payout_id', 'status', 'provider_status', 'amount', 'currency', 'created_at'])
    .where('provider', '=', 'smart2pay')
    .execute();
  return new Map(
    rows.map((r) => [
      r.provider_payout_id,
      { id: r.provider_payout_id, status: r.status, providerStatus: r.provider_status, amount: r.amount, currency: r.currency, createdAt: r.created_at },
    ]),
  );
}

export async function watermarkOf(ledger: Ledger): Promise<number | null> {
  const row = await ledger.db.selectFrom('sync_state').select('watermark').where('key', '=', 'smart2pay:payouts').executeTakeFirst();
  return row?.watermark ?? null;
}
