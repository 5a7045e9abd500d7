/**
 * A Smart2Pay payout → a ledger observation. Provider quirks are undone here:
 * - `Amount`: with `amountDecimals` "two" the last two digits are decimals
 *   for every currency (as the provider documents), rescaled to the ISO 4217
 *   exponent (`1500` JPY is ¥15 → 15; `1234` KWD is 12.34 → 12340);
 * - `Created`: `YYYYMMDDHHMMSS` read in the provider zone;
 * - method: `MethodID` through `smart2pay.methodIds`, else `Details`
 *   (IBAN / bank account → bank_account, crypto address → wallet), else
 *   `card` for card details or the card API, else `unknown`;
 * - purpose: found in `Description` (`resolvePurpose`); country from
 *   `BillingAddress.Country`.
 */
import type { PayoutMethod } from '../../domain/payout-method.js';
import type { PayoutObservation, PayoutStatusObservation } from '../../domain/payout-observation.js';
import { normalizeSmart2PayStatus } from '../../domain/payout-status.js';
import { resolvePurpose } from '../../domain/purposes.js';
import { currencyExponent } from '../../shared/currencies.js';
import { MoneyFormatError, rescaleMinor } from '../../shared/money.js';
import { TimeFormatError } from '../../shared/time.js';
import type { Smart2PayPayoutItem } from './client.js';
import { ProviderClock } from './provider-clock.js';
import type { Smart2PayPayout, Smart2PayStatus } from './schemas.js';

export interface Smart2PayMappingOptions {
  /** Zone of `Created` (config `smart2pay.timezone`). */
  timezone: string;
  /** `two`: last two digits are decimals for every currency; `iso`: the ISO 4217 exponent. */
  amountDecimals: 'two' | 'iso';
  /** `MethodID` → method (config `smart2pay.methodIds`). */
  methodIds: Readonly<Record<string, PayoutMethod>>;
  /** True when talking to the card payouts API: a payout without MethodID is a card payout. */
  cardApi: boolean;
}

/** A payout whose fields are valid JSON but cannot be turned into ledger values. */
export class Smart2PayMappingError extends Error {}

const BANK_KEYS = /^(customer)?(iban|bankaccount(id|number)?|accountnumber|bankaccountnumber)$/i;
const WALLET_KEYS = /^(crypto|wallet)(address|addr)$/i;

function detailsMethod(details: unknown): PayoutMethod | null {
  const entries = Array.isArray(details) ? details : [details];
  let found: PayoutMethod | null = null;
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
      if (value === null || value === undefined || value === '') continue;
      if (BANK_KEYS.test(key)) return 'bank_account';
      if (WALLET_KEYS.test(key)) found = 'wallet';
    }
  }
  return found;
}

export function smart2payMethod(payout: Smart2PayPayout, options: Pick<Smart2PayMappingOptions, 'methodIds' | 'cardApi'>): PayoutMethod {
  if (payout.MethodID !== null) {
    const configured = options.methodIds[String(payout.MethodID)];
    if (configured !== undefined) return configured;
  }
  const fromDetails = detailsMethod(payout.Details);
  if (fromDetails) return fromDetails;
  if ((payout.Card !== null && payout.Card !== undefined) || (payout.CreditCardToken !== null && payout.CreditCardToken !== undefined)) {
    return 'card';
  }
  if (options.cardApi && payout.MethodID === null) return 'card';
  return 'unknown';
}

/** The card payouts API hosts (`securetest` / `secure`); the others serve alternative-method payouts. */
export function isCardApiHost(baseUrl: string): boolean {
  try {
    return /^(securetest|secure)\.smart2pay\.com$/i.test(new URL(baseUrl).hostname);
  } catch {
    return false;
  }
}

function statusFields(status: Smart2PayStatus['Status']) {
  return {
    status: normalizeSmart2PayStatus(status.ID),
    providerStatus: status.ID === null ? null : String(status.ID),
    providerStatusInfo: status.Info,
    reasons: status.Reasons.map((r) => ({ code: r.Code, info: r.Info })),
  };
}

/** Builds the mapper once per sync (it caches zone offsets). */
export function createSmart2PayMapper(options: Smart2PayMappingOptions): (item: Smart2PayPayoutItem) => PayoutObservation {
  const clock = new ProviderClock(options.timezone);
  // Descriptions repeat ("Payout SALARY_PAYMENT"): remember what each one resolved to.
  const purposes = new Map<string, string | null>();
  const purposeOf = (description: string | null): string | null => {
    if (description === null) return null;
    let purpose = purposes.get(description);
    if (purpose === undefined) {
      purpose = resolvePurpose(description);
      if (purposes.size >= 10_000) purposes.clear();
      purposes.set(description, purpose);
    }
    return purpose;
  };
  return ({ payout, raw }) => {
    let createdAt: number;
    try {
      createdAt = clock.parse(payout.Created);
    } catch (error) {
      if (error instanceof TimeFormatError) throw new Smart2PayMappingError(`Created ${error.message}`);
      throw error;
    }
    let amount = payout.Amount;
    if (options.amountDecimals === 'two') {
      try {
        amount = rescaleMinor(payout.Amount, 2, currencyExponent(payout.Currency));
      } catch (error) {
        if (error instanceof MoneyFormatError) {
          throw new Smart2PayMappingError(`Amount ${payout.Amount} ${payout.Currency}: ${error.message}`);
        }
        throw error;
      }
    }
    const country = payout.BillingAddress?.Country;
    return {
      provider: 'smart2pay',
      providerPayoutId: payout.ID,
      merchantTransactionId: payout.MerchantTransactionID,
      sessionId: null,
      siteId: payout.SiteID,
      amount,
      currency: payout.Currency,
      createdAt,
      ...statusFields(payout.Status),
      method: smart2payMethod(payout, options),
      providerMethod: payout.MethodID === null ? null : String(payout.MethodID),
      purpose: purposeOf(payout.Description),
      country: country ? country.trim().toUpperCase() : null,
      description: payout.Description,
      raw,
    };
  };
}

/** A status response (`GET /v1/payouts/{id}/status`) as a status observation. */
export function smart2payStatusObservation(status: Smart2PayStatus): PayoutStatusObservation {
  return { provider: 'smart2pay', providerPayoutId: status.ID, ...statusFields(status.Status) };
}
