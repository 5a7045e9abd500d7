/**
 * The Smart2Pay / GlobalPay payouts API, read side: list (`GET /v1/payouts`
 * with filters), one payout (`GET /v1/payouts/{id}`) and its status
 * (`GET /v1/payouts/{id}/status`). HTTP Basic `SiteID:ApiKey` on every call;
 * timeouts, keep-alive, retries and the rate limit come from the shared
 * `ProviderHttpClient`. Every response is validated (`schemas.ts`): a page
 * with one unusable row fails as a whole, naming the row and the field.
 */
import type { HttpClientConfig } from '../../config/schema.js';
import { ProviderError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { MalformedResponseError, ProviderHttpClient, type ProviderHttpStats } from '../../shared/http/provider-http-client.js';
import {
  describeIssues,
  fastParsePayout,
  type Smart2PayPayout,
  smart2payPayoutSchema,
  type Smart2PayStatus,
  smart2payStatusResponseSchema,
} from './schemas.js';

export const SMART2PAY_CREDENTIAL_KEYS = 'smart2pay.siteId and smart2pay.apiKey';

export interface Smart2PayClientOptions {
  baseUrl: string;
  siteId: string;
  apiKey: string;
  http: HttpClientConfig;
  log?: Logger;
}

/** Filters of `GET /v1/payouts`; dates are provider `YYYYMMDDHHMMSS`. */
export interface Smart2PayListFilters {
  limit?: number;
  offset?: string | number;
  startDate?: string;
  endDate?: string;
  country?: string;
  currency?: string;
  minimumAmount?: number;
  maximumAmount?: number;
  merchantTransactionID?: string;
  statusID?: number;
  methodTransactionID?: string;
}

/** A validated payout and its JSON text (unknown fields included). */
export interface Smart2PayPayoutItem {
  payout: Smart2PayPayout;
  raw: string;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new MalformedResponseError(`the body is not JSON (${(error as Error).message})`);
  }
}

/** Validates one payout; its raw text is the payout re-serialised (every field kept, unknown ones included). */
function validatePayout(value: unknown, where: string): Smart2PayPayoutItem {
  const fast = fastParsePayout(value);
  if (fast) return { payout: fast, raw: JSON.stringify(value) };
  const result = smart2payPayoutSchema.safeParse(value, { reportInput: true });
  if (!result.success) {
    const id = typeof value === 'object' && value !== null ? (value as { ID?: unknown }).ID : undefined;
    const label = typeof id === 'number' || typeof id === 'string' ? `${where} (ID ${String(id)})` : where;
    throw new MalformedResponseError(`${label}: ${describeIssues(result.error)}`);
  }
  return { payout: result.data, raw: JSON.stringify(value) };
}

/** Parses a list body: `{"Payouts":[...]}` (`null` counts as an empty list). */
export function parseListBody(body: string): Smart2PayPayoutItem[] {
  const json = parseJson(body);
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('Payouts' in json)) {
    throw new MalformedResponseError('Payouts is missing (expected {"Payouts":[...]})');
  }
  const list = (json).Payouts;
  if (list === null) return [];
  if (!Array.isArray(list)) throw new MalformedResponseError('Payouts must be a list');
  const items = new Array<Smart2PayPayoutItem>(list.length);
  for (let i = 0; i < list.length; i += 1) {
    const value: unknown = list[i];
    items[i] = validatePayout(value, `Payouts[${i}]`);
  }
  return items;
}

/** Parses `{"Payout":{...}}`: a GET of one payout, and the body of a payout notification. */
export function parsePayoutBody(body: string): Smart2PayPayoutItem {
  const json = parseJson(body);
  if (typeof json !== 'object' || json === null || !('Payout' in json)) {
    throw new MalformedResponseError('Payout is missing (expected {"Payout":{...}})');
  }
  return validatePayout(json.Payout, 'Payout');
}

export class Smart2PayClient {
  readonly #http: ProviderHttpClient;
  readonly #authorization: string;

  constructor(options: Smart2PayClientOptions) {
    this.#http = new ProviderHttpClient({
      provider: 'smart2pay',
      baseUrl: options.baseUrl,
      http: options.http,
      credentialKeys: SMART2PAY_CREDENTIAL_KEYS,
      ...(options.log ? { log: options.log } : {}),
    });
    this.#authorization = `Basic ${Buffer.from(`${options.siteId}:${options.apiKey}`).toString('base64')}`;
  }

  /** HTTP requests sent so far (retries included) and retries. */
  get stats(): ProviderHttpStats {
    return this.#http.stats;
  }

  /** One page of the payouts list, validated. */
  async listPayouts(filters: Smart2PayListFilters, options: { signal?: AbortSignal } = {}): Promise<Smart2PayPayoutItem[]> {
    return this.#http.request({
      method: 'GET',
      path: '/v1/payouts',
      query: { ...filters },
      headers: { authorization: this.#authorization },
      parse: parseListBody,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** One payout in full, or null when the provider does not know the ID (404). */
  async getPayout(id: string, options: { signal?: AbortSignal } = {}): Promise<Smart2PayPayoutItem | null> {
    return this.#orNullOn404(() =>
      this.#http.request({
        method: 'GET',
        path: `/v1/payouts/${encodeURIComponent(id)}`,
        headers: { authorization: this.#authorization },
        parse: parsePayoutBody,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }

  /** The status of one payout, or null when the provider does not know the ID (404). */
  async getPayoutStatus(id: string, options: { signal?: AbortSignal } = {}): Promise<Smart2PayStatus | null> {
    return this.#orNullOn404(() =>
      this.#http.request({
        method: 'GET',
        path: `/v1/payouts/${encodeURIComponent(id)}/status`,
        headers: { authorization: this.#authorization },
        parse: (body) => {
          const result = smart2payStatusResponseSchema.safeParse(parseJson(body), { reportInput: true });
          if (!result.success) throw new MalformedResponseError(describeIssues(result.error));
          return result.data.Payout;
        },
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  async #orNullOn404<T>(call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404) return null;
      throw error;
    }
  }
}
