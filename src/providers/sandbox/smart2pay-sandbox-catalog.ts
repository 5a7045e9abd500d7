/**
 * What the Smart2Pay sandbox's payouts are made of: status IDs, reasons,
 * methods, countries and descriptions, the seeded random generator, and the
 * shapes of a payout as tests see it.
 */
import { PURPOSE_CODES, PURPOSES } from '../../domain/purposes.js';
import type { Instant } from '../../shared/time.js';

/** Smart2Pay status IDs the sandbox uses (1 Open, 2 Success, 3 Cancelled, 4 Failed, 5 Expired, 7 PendingOnProvider, 9 Authorized, 13 undocumented). */
export const STATUS_INFO: Readonly<Record<number, string>> = {
  1: 'Open',
  2: 'Success',
  3: 'Cancelled',
  4: 'Failed',
  5: 'Expired',
  6: 'PendingOnCustomer',
  7: 'PendingOnProvider',
  8: 'Submitted',
  9: 'Authorized',
  10: 'AuthorizeRequested',
  13: 'Processing',
};
const FINAL_STATUS_IDS = new Set([2, 3, 4, 5]);

export function isFinalStatusId(statusId: number): boolean {
  return FINAL_STATUS_IDS.has(statusId);
}

export interface SandboxReason {
  code: number;
  info: string;
}

/** Reasons a failed or cancelled payout carries (index 0: none). */
export const REASONS: readonly (SandboxReason | null)[] = [
  null,
  { code: 5065, info: 'Card not found within table of ranges.' },
  { code: 1101, info: 'Beneficiary bank account is closed' },
  { code: 1102, info: 'Invalid IBAN' },
  { code: 1207, info: 'Insufficient prefunding balance' },
  { code: 1301, info: 'Cancelled by merchant' },
  { code: 1302, info: 'Payout expired before confirmation' },
];


export interface MethodSpec {
  /** `MethodID` sent, or null (card payouts, and some alternative payouts that omit it). */
  methodId: number | null;
  currencies: readonly string[];
  /** JSON fragment(s) after Description: `"Details":{...}` or `"Card":{...}`, or ''. */
  extra: string;
  weight: number;
}

export const METHODS: readonly MethodSpec[] = [
  { methodId: 1, currencies: ['EUR'], extra: ',"Details":{"CustomerIBAN":"DE89370400440532013000"}', weight: 40 },
  { methodId: 12, currencies: ['PLN'], extra: ',"Details":{"CustomerIBAN":"PL61109010140000071219812874"}', weight: 8 },
  { methodId: 29, currencies: ['SEK', 'EUR'], extra: ',"Details":{"CustomerBankAccountID":"SE4550000000058398257466"}', weight: 10 },
  {
    methodId: 97,
    currencies: ['USD', 'EUR'],
    extra: ',"Details":{"CryptoAddress":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","CryptoCurrency":"BTC"}',
    weight: 5,
  },
  { methodId: 100, currencies: ['CAD'], extra: ',"Details":null', weight: 6 },
  {
    methodId: null,
    currencies: ['EUR', 'GBP', 'USD', 'JPY', 'KWD'],
    extra: ',"Card":{"HolderName":"J. Doe","Number":"454881******0004"}',
    weight: 20,
  },
  { methodId: null, currencies: ['GBP', 'EUR'], extra: ',"Details":{"CustomerIBAN":"GB29NWBK60161331926819"}', weight: 6 },
  { methodId: 1034, currencies: ['BRL'], extra: '', weight: 5 },
];

export const COUNTRIES_BY_CURRENCY: Readonly<Record<string, readonly string[]>> = {
  EUR: ['DE', 'FR', 'ES', 'IT', 'NL', 'RO', 'AT'],
  PLN: ['PL'],
  SEK: ['SE'],
  USD: ['US'],
  CAD: ['CA'],
  GBP: ['GB'],
  JPY: ['JP'],
  KWD: ['KW'],
  BRL: ['BR'],
};

/** A JSON string literal (or `null`). */
export function jsonString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

/** Descriptions: purpose codes, codes inside text, purpose texts, and some with no purpose. */
export function buildDescriptions(): string[] {
  const out: string[] = [];
  for (const code of PURPOSE_CODES) {
    out.push(code, `Payout ${code} ref`, PURPOSES[code]);
  }
  out.push('payment product', 'Withdrawal', 'Payout', 'Refund of overpayment');
  return out;
}

export interface SandboxPayout {
  id: number;
  /** As an instant: whole seconds, or with milliseconds when the sandbox keeps them (the list shows whole seconds). */
  createdAt: Instant;
  merchantTransactionId: string;
  /** Provider units: the last two digits are decimals, whatever the currency. */
  amount: number;
  currency: string;
  methodId: number | null;
  description: string | null;
  country: string | null;
  statusId: number;
  statusInfo: string | null;
  reasons: SandboxReason[];
  /** When the payout shows in the list and answers GETs (null: from the start). */
  visibleAt: Instant | null;
}

export interface NewSandboxPayout {
  /** Default: now. Kept to whole seconds unless the sandbox keeps milliseconds. */
  createdAt?: Instant;
  /** Default: `mt_<seed>_<id>`. */
  merchantTransactionId?: string;
  /** Provider units (last two digits are decimals). Default: a random amount. */
  amount?: number;
  currency?: string;
  /** Default: a method fitting the currency; null for a card payout. */
  methodId?: number | null;
  description?: string | null;
  country?: string | null;
  /** Default 1 (Open). */
  statusId?: number;
  reasons?: SandboxReason[];
  /** Hidden from list and GET until then (a row the provider shows late). */
  visibleAt?: Instant | null;
}

/** Mulberry32: small, fast, seeded. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomAmount(random: () => number, currency: string): number {
  // Log-uniform between 5.00 and 5,000.00 in provider units (last two digits are decimals).
  const major = Math.exp(Math.log(5) + random() * (Math.log(5000) - Math.log(5)));
  let amount = Math.round(major * 100);
  if (currency === 'JPY') amount = Math.round(major * 100) * 100; // whole yen: ¥500 … ¥500,000
  return Math.max(1, amount);
}

export function randomStatus(random: () => number, young: boolean): { statusId: number; reason: number } {
  const r = random();
  if (young) {
    if (r < 0.45) return { statusId: 1, reason: 0 };
    if (r < 0.55) return { statusId: 9, reason: 0 };
    if (r < 0.58) return { statusId: 7, reason: 0 };
    if (r < 0.585) return { statusId: 13, reason: 0 };
  }
  if (r < 0.92) return { statusId: 2, reason: 0 };
  if (r < 0.97) return { statusId: 4, reason: 1 + Math.floor(random() * 4) };
  if (r < 0.99) return { statusId: 3, reason: 5 };
  return { statusId: 5, reason: 6 };
}

export interface ListQuery {
  /** Wall seconds in the provider zone. */
  startSec?: number;
  endSec?: number;
  startInclusive: boolean;
  endInclusive: boolean;
  currency?: string;
  statusId?: number;
  merchantTransactionId?: string;
  country?: string;
  minimumAmount?: number;
  maximumAmount?: number;
  newestFirst: boolean;
  /** Skip this many matching rows. */
  offsetPosition?: number;
  /** Start at this payout (included), in list order. */
  offsetId?: number;
  limit: number;
  now: Instant;
}

export interface GenerateOptions {
  seed: number;
  count: number;
  /** Payouts are created in [end − days, end). */
  end: Instant;
  days: number;
  /** Extra payouts, all created within one second each. */
  bursts?: readonly { at: Instant; count: number }[];
  /** Payouts younger than this (at `end`) may still be open. */
  openHours?: number;
}
