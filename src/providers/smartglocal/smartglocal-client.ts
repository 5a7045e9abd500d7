/**
 * Smart Glocal API client: every method is a POST of a JSON body to
 * `/api/v1/<method>`, signed with our RSA key (`X-PARTNER-SIGN`) and sent
 * with our project ID (`X-PARTNER-PROJECT`), through the shared provider HTTP
 * discipline (timeouts, keep-alive pool, retries with jitter, rate limit).
 * Only `wallet/balance` is used: the prefunding balances per currency.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { SmartGlocalConfig } from '../../config/schema.js';
import { ProviderError } from '../../shared/errors.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import { normalizeCurrency } from '../../shared/currencies.js';
import type { Instant } from '../../shared/time.js';
import { MalformedResponseError, ProviderHttpClient } from '../../shared/http/provider-http-client.js';
import { loadPrivateKey, signBody, type SignatureScheme } from './signature.js';

export const SMARTGLOCAL_PROVIDER = 'smartglocal';
export const WALLET_BALANCE_PATH = '/api/v1/wallet/balance';

/** One prefunding wallet: the balance in integer minor units of its (upper-case) currency. */
export interface WalletBalance {
  walletId: string | null;
  currency: string;
  amount: number;
}

const minorUnits = z.union([
  z.number().refine(Number.isSafeInteger, { error: 'must be an integer amount in minor units' }),
  z
    .string()
    .regex(/^-?\d+$/, { error: 'must be an integer amount in minor units' })
    .transform(Number)
    .refine(Number.isSafeInteger, { error: 'is too large' }),
]);

/** Tolerant of extra and missing optional fields, strict on what the monitors need. */
const walletSchema = z.object({
  id: z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .nullish(),
  amount_details: z.object({
    amount: minorUnits,
    currency: z.string().regex(/^[A-Za-z]{3}$/, { error: 'must be a three-letter currency code' }),
  }),
});

const balanceResponseSchema = z.object({
  status: z.literal('ok'),
  wallets: z.array(walletSchema),
});

const errorResponseSchema = z.object({
  status: z.literal('error'),
  error: z.looseObject({}).nullish(),
});

/** `{code, message|description}` of a `status: "error"` answer, as one short line. */
function describeProviderError(error: Record<string, unknown> | null | undefined): string {
  if (!error) return 'no error details';
  const text = (key: string): string | undefined => {
    const v = error[key];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  };
  const code = text('code') ?? text('type');
  const message = text('message') ?? text('description') ?? text('details');
  const line = [code, message].filter((v) => v !== undefined).join(': ') || JSON.stringify(error);
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

export function parseWalletBalanceResponse(body: string): WalletBalance[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MalformedResponseError(`not JSON (${(error as Error).message})`);
  }
  const refused = errorResponseSchema.safeParse(json);
  if (refused.success) {
    throw new ProviderError(SMARTGLOCAL_PROVIDER, `wallet/balance answered an error: ${describeProviderError(refused.data.error)}`);
  }
  const parsed = balanceResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the body';
    throw new MalformedResponseError(`${where} ${issue?.message ?? 'is not a wallet/balance answer'}`);
  }
  return parsed.data.wallets.map((w) => ({
    walletId: w.id ?? null,
    currency: normalizeCurrency(w.amount_details.currency),
    amount: w.amount_details.amount,
  }));
}

export interface SmartGlocalClientOptions {
  baseUrl: string;
  project: string;
  privateKey: KeyObject;
  signature: SignatureScheme;
  http: SmartGlocalConfig['http'];
  log?: Logger;
}

export class SmartGlocalClient {
  readonly #http: ProviderHttpClient;
  readonly #project: string;
  readonly #privateKey: KeyObject;
  readonly #scheme: SignatureScheme;

  constructor(options: SmartGlocalClientOptions) {
    this.#http = new ProviderHttpClient({
      provider: SMARTGLOCAL_PROVIDER,
      baseUrl: options.baseUrl,
      http: options.http,
      credentialKeys: 'smartglocal.project and smartglocal.privateKeyPath',
      log: options.log ?? silentLogger,
    });
    this.#project = options.project;
    this.#privateKey = options.privateKey;
    this.#scheme = options.signature;
  }

  /** A client from the `smartglocal` config section; the private key file is read (and checked) here. */
  static fromConfig(config: SmartGlocalConfig, resolvePath: (p: string) => string, log?: Logger): SmartGlocalClient {
    return new SmartGlocalClient({
      baseUrl: config.baseUrl,
      project: config.project,
      privateKey: loadPrivateKey(resolvePath(config.privateKeyPath)),
      signature: config.signature,
      http: config.http,
      ...(log ? { log } : {}),
    });
  }

  get stats(): ProviderHttpClient['stats'] {
    return this.#http.stats;
  }

  /**
   * The prefunding balances at `at` (sent as `request_datetime`). The call
   * only reads, so it is retried like a GET. Every retry re-sends the same
   * signed bytes.
   */
  async walletBalances(at: Instant, signal?: AbortSignal): Promise<WalletBalance[]> {
    const body = JSON.stringify({ request_datetime: new Date(at).toISOString() });
    return this.#http.request({
      method: 'POST',
      path: WALLET_BALANCE_PATH,
      headers: { 'X-PARTNER-PROJECT': this.#project, 'X-PARTNER-SIGN': signBody(body, this.#privateKey, this.#scheme) },
      body,
      retry: true,
      parse: parseWalletBalanceResponse,
      ...(signal ? { signal } : {}),
    });
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}
