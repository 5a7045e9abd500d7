import { createPrivateKey } from 'node:crypto';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmartGlocalClient } from '../../src/providers/smartglocal/smartglocal-client.js';
import { signBody } from '../../src/providers/smartglocal/signature.js';
import { ProviderError } from '../../src/shared/errors.js';
import { type BalanceSandbox, keyPair, startBalanceSandbox } from '../helpers/monitoring-fixtures.js';

const HTTP = {
  connectTimeoutMs: 1000,
  headersTimeoutMs: 1000,
  bodyTimeoutMs: 1000,
  maxRetries: 3,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 100,
  requestsPerSecond: 0,
  connections: 2,
};

describe('Smart Glocal wallet/balance against the sandbox', () => {
  let sb: BalanceSandbox;
  const clients: SmartGlocalClient[] = [];
  const client = (options: { keyIndex?: number; project?: string; scheme?: { hash: 'sha256' | 'sha512'; encoding: 'base64' | 'hex' } } = {}) => {
    const c = new SmartGlocalClient({
      baseUrl: sb.server.url,
      project: options.project ?? sb.project,
      privateKey: createPrivateKey(keyPair(options.keyIndex ?? 0).privateKeyPem),
      signature: options.scheme ?? { hash: 'sha256', encoding: 'base64' },
      http: HTTP,
    });
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    sb = await startBalanceSandbox({ EUR: 1_234_56, usd: 500_00, JPY: 120_000 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await sb.server.close();
  });

  it('returns each wallet in minor units with an upper-case currency, signed and verified', async () => {
    const at = Date.parse('2026-11-21T10:00:00Z');
    const wallets = await client().walletBalances(at);
    expect(wallets).toEqual([
      { walletId: 'wlt_eur', currency: 'EUR', amount: 123_456 },
      { walletId: 'wlt_jpy', currency: 'JPY', amount: 120_000 },
      { walletId: 'wlt_usd', currency: 'USD', amount: 50_000 },
    ]);
    expect(sb.sandbox.requests).toEqual([expect.objectContaining({ project: sb.project, signatureValid: true, status: 200 })]);
  });

  it('follows the sandbox balance API: debits, top-ups, planted refunds', async () => {
    sb.sandbox.debit('EUR', 234_56, 'payout 1');
    sb.sandbox.topUp('EUR', 1_000_00, 'WIRE-1');
    sb.sandbox.plantManualRefund({ amount: 12_00, currency: 'eur', reference: 'payout 9' });
    expect(sb.sandbox.balance('EUR')).toBe(1_000_00 + 1_000_00 + 12_00);
    const wallets = await client().walletBalances(Date.now());
    expect(wallets.find((w) => w.currency === 'EUR')?.amount).toBe(2_012_00);
    expect(sb.sandbox.movements.filter((m) => m.currency === 'EUR').map((m) => m.kind)).toEqual(['set', 'debit', 'topup', 'manual_refund']);
  });

  it('works with another signature scheme when both sides use it', async () => {
    await sb.server.close();
    const { SmartGlocalSandbox } = await import('../../src/providers/sandbox/smartglocal-sandbox.js');
    const { startSandboxServer } = await import('../../src/providers/sandbox/sandbox-server.js');
    const scheme = { hash: 'sha512', encoding: 'hex' } as const;
    const sandbox = new SmartGlocalSandbox({ projects: { p: keyPair(0).publicKeyPem }, signature: scheme, balances: { EUR: 1 } });
    sb = { sandbox, server: await startSandboxServer([sandbox.handler]), project: 'p' };
    await expect(client({ scheme }).walletBalances(Date.now())).resolves.toHaveLength(1);
    await expect(client().walletBalances(Date.now())).rejects.toThrow(/refused our credentials \(HTTP 401\)/);
  });

  it('the sandbox refuses a tampered body, a missing signature and an unknown project with 401', async () => {
    const body = JSON.stringify({ request_datetime: '2026-11-21T10:00:00.000Z' });
    const signature = signBody(body, createPrivateKey(keyPair(0).privateKeyPem));
    const post = async (b: string, headers: Record<string, string>) => {
      const res = await request(`${sb.server.url}/api/v1/wallet/balance`, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...headers } });
      return { status: res.statusCode, body: (await res.body.json()) as { status: string; error?: { code: string } } };
    };
    const good = await post(body, { 'x-partner-project': sb.project, 'x-partner-sign': signature });
    expect(good.status).toBe(200);
    const tampered = await post(body.replace('10:00', '11:00'), { 'x-partner-project': sb.project, 'x-partner-sign': signature });
    expect(tampered).toEqual({ status: 401, body: { status: 'error', error: { code: 'invalid_signature', message: 'X-PARTNER-SIGN does not verify' } } });
    expect((await post(body, { 'x-partner-project': sb.project })).status).toBe(401);
    expect((await post(body, { 'x-partner-project': 'someone-else', 'x-partner-sign': signature })).body.error?.code).toBe('unauthorized');
  });

  it('a key the provider does not know is a clear exit-1 error naming the keys to check, never retried', async () => {
    const error = await client({ keyIndex: 1 }).walletBalances(Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).exitCode).toBe(1);
    expect((error as Error).message).toBe(
      'smartglocal: the provider refused our credentials (HTTP 401); check smartglocal.project and smartglocal.privateKeyPath in the configuration',
    );
    expect(sb.sandbox.requests).toHaveLength(1);
  });

  it('retries the POST on 5xx and 429 (it only reads), honouring Retry-After', async () => {
    sb.sandbox.failWith({ kind: 'http', status: 503, times: 2 });
    const c = client();
    await expect(c.walletBalances(Date.now())).resolves.toHaveLength(3);
    expect(c.stats).toEqual({ requests: 3, retries: 2 });
    sb.sandbox.failWith({ kind: 'http', status: 429, retryAfterSeconds: 0, times: 1 });
    await expect(c.walletBalances(Date.now())).resolves.toHaveLength(3);
    sb.sandbox.failWith({ kind: 'http', status: 500 });
    await expect(c.walletBalances(Date.now())).rejects.toThrow('smartglocal: POST /api/v1/wallet/balance failed after 4 attempts: HTTP 500');
  });

  it('turns status "error" into a clear provider error, and a malformed answer into an unusable-response error', async () => {
    sb.sandbox.failWith({ kind: 'error', error: { code: 'wallet_not_found', message: 'no wallet for this project' }, times: 1 });
    const c = client();
    const error = await c.walletBalances(Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe('smartglocal: wallet/balance answered an error: wallet_not_found: no wallet for this project');
    expect((error as ProviderError).exitCode).toBe(1);
  });
});

describe('wallet/balance response parsing', () => {
  it('is tolerant of extra and missing optional fields, strict on amounts and currencies', async () => {
    const { parseWalletBalanceResponse } = await import('../../src/providers/smartglocal/smartglocal-client.js');
    expect(
      parseWalletBalanceResponse(
        '{"status":"ok","extra":1,"wallets":[{"amount_details":{"amount":"1500","currency":"gbp","extra":true}},{"id":7,"amount_details":{"amount":-20,"currency":"EUR"}}]}',
      ),
    ).toEqual([
      { walletId: null, currency: 'GBP', amount: 1500 },
      { walletId: '7', currency: 'EUR', amount: -20 },
    ]);
    expect(() => parseWalletBalanceResponse('{"status":"ok","wallets":[{"amount_details":{"amount":12.5,"currency":"eur"}}]}')).toThrow(
      'wallets.0.amount_details.amount must be an integer amount in minor units',
    );
    expect(() => parseWalletBalanceResponse('{"status":"ok","wallets":[{"amount_details":{"amount":1}}]}')).toThrow(/wallets\.0\.amount_details\.currency/);
    expect(() => parseWalletBalanceResponse('{"status":"ok"}')).toThrow(/wallets/);
    expect(() => parseWalletBalanceResponse('<html>')).toThrow(/not JSON/);
    expect(() => parseWalletBalanceResponse('{"status":"error"}')).toThrow('smartglocal: wallet/balance answered an error: no error details');
  });
});
