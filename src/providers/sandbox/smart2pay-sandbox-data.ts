/**
 * The Smart2Pay sandbox's payouts: a seeded generator and a compact store
 * that serves a million payouts fast.
 *
 * - Columnar typed arrays (about 30 bytes a payout); strings are built from
 *   small tables (currencies, methods, countries, descriptions, reasons), so
 *   no per-payout objects exist until a payout is asked for.
 * - IDs are dense (`firstId + index`), so a payout is found by arithmetic.
 * - `order` keeps the payouts sorted by (Created, ID): a date window is two
 *   binary searches; payouts added later are merged into place.
 * - JSON is built by string concatenation from cached fragments.
 *
 * Amounts are the provider's: an integer whose last two digits are
 * decimals, for every currency (¥1,500 is 150000; 12.34 KWD is 1234).
 */
import { PURPOSE_CODES, PURPOSES } from '../../domain/purposes.js';
import type { Instant } from '../../shared/time.js';
import { ProviderClock } from '../smart2pay/provider-clock.js';

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
const REASONS: readonly (SandboxReason | null)[] = [
  null,
  { code: 5065, info: 'Card not found within table of ranges.' },
  { code: 1101, info: 'Beneficiary bank account is closed' },
  { code: 1102, info: 'Invalid IBAN' },
  { code: 1207, info: 'Insufficient prefunding balance' },
  { code: 1301, info: 'Cancelled by merchant' },
  { code: 1302, info: 'Payout expired before confirmation' },
];

interface MethodSpec {
  /** `MethodID` sent, or null (card payouts, and some alternative payouts that omit it). */
  methodId: number | null;
  currencies: readonly string[];
  /** JSON fragment(s) after Description: `"Details":{...}` or `"Card":{...}`, or ''. */
  extra: string;
  weight: number;
}

const METHODS: readonly MethodSpec[] = [
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

const COUNTRIES_BY_CURRENCY: Readonly<Record<string, readonly string[]>> = {
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
function jsonString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

/** Descriptions: purpose codes, codes inside text, purpose texts, and some with no purpose. */
function buildDescriptions(): string[] {
  const out: string[] = [];
  for (const code of PURPOSE_CODES) {
    out.push(code, `Payout ${code} ref`, PURPOSES[code]);
  }
  out.push('payment product', 'Withdrawal', 'Payout', 'Refund of overpayment');
  return out;
}

export interface SandboxPayout {
  id: number;
  /** Whole seconds, as an instant. */
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
  /** Default: now. Kept to whole seconds. */
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

interface Override {
  merchantTransactionId?: string;
  description?: string | null;
  country?: string | null;
  currency?: string;
  methodId?: number | null;
  reasons?: SandboxReason[];
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

const FLAG_AMOUNT_STRING = 1;
const FLAG_REASONS_NULL = 2;
const FLAG_CODE_STRING = 4;
const FLAG_OVERRIDE = 8;

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

export class Smart2PayPayoutBook {
  readonly firstId: number;
  readonly siteId: string;
  readonly seed: number;
  readonly #siteIdJson: string;
  readonly #clock: ProviderClock;
  readonly #random: () => number;
  #size = 0;
  #capacity: number;
  #created: Float64Array;
  #amount: Float64Array;
  #currency: Uint8Array;
  #method: Uint8Array;
  #country: Uint8Array;
  #desc: Uint16Array;
  #status: Uint8Array;
  #reason: Uint8Array;
  #flags: Uint8Array;
  /** Indices sorted by (created, id). */
  #order: Int32Array;
  readonly #overrides = new Map<number, Override>();
  readonly #visibleAt = new Map<number, Instant>();
  /** Non-final payouts: dense list + position, for picking one at random. */
  #open: number[] = [];
  readonly #openPos = new Map<number, number>();
  readonly #currencies: string[] = [];
  readonly #countries: (string | null)[] = [null];
  readonly #descriptions: (string | null)[];
  readonly #descJson: string[];
  readonly #statusJson = new Map<number, string>();
  readonly #currencyIndex = new Map<string, number>();
  readonly #countryIndex = new Map<string, number>();
  /** Fragment after the Currency: `,"Description":...,"BillingAddress":...` per (desc, country) is built per row. */
  readonly #countryJson: string[] = ['null'];

  constructor(options: { seed: number; siteId: string; zone: string; firstId?: number; capacity?: number }) {
    this.seed = options.seed;
    this.siteId = options.siteId;
    this.#siteIdJson = /^\d{1,15}$/.test(options.siteId) ? options.siteId : JSON.stringify(options.siteId);
    this.firstId = options.firstId ?? 100_000;
    this.#clock = new ProviderClock(options.zone);
    this.#random = seededRandom(options.seed ^ 0x5eed);
    this.#capacity = Math.max(1024, options.capacity ?? 1024);
    this.#created = new Float64Array(this.#capacity);
    this.#amount = new Float64Array(this.#capacity);
    this.#currency = new Uint8Array(this.#capacity);
    this.#method = new Uint8Array(this.#capacity);
    this.#country = new Uint8Array(this.#capacity);
    this.#desc = new Uint16Array(this.#capacity);
    this.#status = new Uint8Array(this.#capacity);
    this.#reason = new Uint8Array(this.#capacity);
    this.#flags = new Uint8Array(this.#capacity);
    this.#order = new Int32Array(this.#capacity);
    this.#descriptions = [null, ...buildDescriptions()];
    this.#descJson = this.#descriptions.map(jsonString);
    for (const c of Object.keys(COUNTRIES_BY_CURRENCY)) this.#currencyIndexOf(c);
  }

  get size(): number {
    return this.#size;
  }

  get zone(): string {
    return this.#clock.zone;
  }

  /** The index of a payout ID, or -1. */
  indexOf(id: number): number {
    const i = id - this.firstId;
    return Number.isInteger(i) && i >= 0 && i < this.#size ? i : -1;
  }

  isVisible(index: number, now: Instant): boolean {
    if (this.#visibleAt.size === 0) return true;
    const at = this.#visibleAt.get(index);
    return at === undefined || at <= now;
  }

  // ------------------------------------------------------------ generation

  /** Appends `count` seeded payouts spread over `[end − days, end)`, plus bursts, in creation order. */
  generate(options: GenerateOptions): void {
    const random = seededRandom(options.seed);
    const endSec = Math.floor(options.end / 1000);
    const span = Math.max(1, Math.round(options.days * 86_400));
    const startSec = endSec - span;
    const burstTotal = (options.bursts ?? []).reduce((n, b) => n + b.count, 0);
    const total = options.count + burstTotal;
    const times = new Float64Array(total);
    for (let i = 0; i < options.count; i += 1) times[i] = startSec + Math.floor(random() * span);
    let k = options.count;
    for (const burst of options.bursts ?? []) {
      const at = Math.floor(burst.at / 1000);
      for (let j = 0; j < burst.count; j += 1) times[k++] = at;
    }
    times.sort();
    this.#ensureCapacity(this.#size + total);
    const openBefore = endSec - Math.round((options.openHours ?? 6) * 3600);
    const methodWeights = METHODS.reduce((n, m) => n + m.weight, 0);
    const lastCreated = this.#size > 0 ? this.#created[this.#order[this.#size - 1] ?? 0] ?? 0 : Number.NEGATIVE_INFINITY;
    const appendInOrder = (times[0] ?? 0) >= lastCreated;
    for (let j = 0; j < total; j += 1) {
      const created = times[j] ?? startSec;
      let pick = random() * methodWeights;
      let m = 0;
      for (; m < METHODS.length - 1; m += 1) {
        pick -= METHODS[m]?.weight ?? 0;
        if (pick < 0) break;
      }
      const spec = METHODS[m] ?? METHODS[0]!;
      const currency = spec.currencies[Math.floor(random() * spec.currencies.length)] ?? 'EUR';
      const countries = COUNTRIES_BY_CURRENCY[currency] ?? [];
      const country = random() < 0.97 ? (countries[Math.floor(random() * countries.length)] ?? null) : null;
      const amount = randomAmount(random, currency);
      const { statusId, reason } = randomStatus(random, created >= openBefore);
      const flags =
        (random() < 0.5 ? FLAG_AMOUNT_STRING : 0) | (random() < 0.5 ? FLAG_REASONS_NULL : 0) | (random() < 0.5 ? FLAG_CODE_STRING : 0);
      const desc = random() < 0.1 ? 0 : 1 + Math.floor(random() * (this.#descriptions.length - 1));
      this.#append(created, amount, this.#currencyIndexOf(currency), m, this.#countryIndexOf(country), desc, statusId, reason, flags, appendInOrder);
    }
  }

  /** Adds one payout; returns its ID. */
  add(input: NewSandboxPayout, now: Instant): number {
    const random = this.#random;
    const created = Math.floor((input.createdAt ?? now) / 1000);
    const currency = (input.currency ?? (['EUR', 'GBP', 'PLN', 'SEK'][Math.floor(random() * 4)] ?? 'EUR')).toUpperCase();
    let m = METHODS.findIndex((spec) => spec.currencies.includes(currency) && (input.methodId === undefined || spec.methodId === input.methodId));
    const override: Override = {};
    if (m < 0) {
      m = METHODS.findIndex((spec) => spec.methodId === (input.methodId ?? null));
      if (m < 0) m = METHODS.length - 1;
      if (input.methodId !== undefined && METHODS[m]?.methodId !== input.methodId) override.methodId = input.methodId;
    }
    const countries = COUNTRIES_BY_CURRENCY[currency] ?? [];
    const country = input.country !== undefined ? input.country : (countries[0] ?? null);
    const statusId = input.statusId ?? 1;
    const reasons = input.reasons;
    let desc = 1 + Math.floor(random() * (this.#descriptions.length - 1));
    if (input.description !== undefined) {
      const known = this.#descriptions.indexOf(input.description);
      if (known >= 0) desc = known;
      else override.description = input.description;
    }
    if (input.merchantTransactionId !== undefined) override.merchantTransactionId = input.merchantTransactionId;
    if (reasons !== undefined) override.reasons = reasons;
    const index = this.#append(
      created,
      input.amount ?? randomAmount(random, currency),
      this.#currencyIndexOf(currency),
      m,
      this.#countryIndexOf(country),
      desc,
      statusId,
      0,
      0,
      false,
    );
    if (Object.keys(override).length > 0) {
      this.#overrides.set(index, override);
      this.#flags[index] = (this.#flags[index] ?? 0) | FLAG_OVERRIDE;
    }
    if (input.visibleAt !== undefined && input.visibleAt !== null) this.#visibleAt.set(index, input.visibleAt);
    return this.firstId + index;
  }

  /** Random generated-looking payouts created at given seconds (arrivals). */
  addRandom(createdAt: Instant, statusId: number): number {
    const random = this.#random;
    const spec = Math.floor(random() * METHODS.length);
    const currencies = METHODS[spec]?.currencies ?? ['EUR'];
    const currency = currencies[Math.floor(random() * currencies.length)] ?? 'EUR';
    const countries = COUNTRIES_BY_CURRENCY[currency] ?? [];
    const index = this.#append(
      Math.floor(createdAt / 1000),
      randomAmount(random, currency),
      this.#currencyIndexOf(currency),
      spec,
      this.#countryIndexOf(countries[0] ?? null),
      1 + Math.floor(random() * (this.#descriptions.length - 1)),
      statusId,
      0,
      random() < 0.5 ? FLAG_AMOUNT_STRING : 0,
      false,
    );
    return this.firstId + index;
  }

  // ------------------------------------------------------------ status

  statusOf(index: number): number {
    return this.#status[index] ?? 0;
  }

  setStatus(index: number, statusId: number, reasons?: SandboxReason[]): void {
    this.#status[index] = statusId;
    this.#reason[index] = 0;
    const override = this.#overrides.get(index);
    if (reasons !== undefined) {
      this.#overrides.set(index, { ...override, reasons });
      this.#flags[index] = (this.#flags[index] ?? 0) | FLAG_OVERRIDE;
    } else if (override?.reasons !== undefined) {
      delete override.reasons;
    }
    if (!isFinalStatusId(statusId) && statusId !== 0) this.#markOpen(index);
    else this.#markClosed(index);
  }

  /** Indices of payouts not in a final status. */
  openCount(): number {
    return this.#open.length;
  }

  randomOpen(): number | undefined {
    if (this.#open.length === 0) return undefined;
    return this.#open[Math.floor(this.#random() * this.#open.length)];
  }

  /** A random payout index (for regressions). */
  randomIndex(): number {
    return Math.floor(this.#random() * this.#size);
  }

  random(): number {
    return this.#random();
  }

  // ------------------------------------------------------------ reading

  payout(index: number): SandboxPayout {
    const override = this.#overrides.get(index);
    const reasonIdx = this.#reason[index] ?? 0;
    const reason = REASONS[reasonIdx];
    const m = METHODS[this.#method[index] ?? 0];
    const statusId = this.#status[index] ?? 0;
    return {
      id: this.firstId + index,
      createdAt: (this.#created[index] ?? 0) * 1000,
      merchantTransactionId: override?.merchantTransactionId ?? this.#defaultMerchantTransactionId(index),
      amount: this.#amount[index] ?? 0,
      currency: override?.currency ?? this.#currencies[this.#currency[index] ?? 0] ?? 'EUR',
      methodId: override && 'methodId' in override ? (override.methodId ?? null) : (m?.methodId ?? null),
      description: override && 'description' in override ? (override.description ?? null) : (this.#descriptions[this.#desc[index] ?? 0] ?? null),
      country: this.#countries[this.#country[index] ?? 0] ?? null,
      statusId,
      statusInfo: STATUS_INFO[statusId] ?? null,
      reasons: override?.reasons ?? (reason ? [reason] : []),
      visibleAt: this.#visibleAt.get(index) ?? null,
    };
  }

  /** Payout indices in (Created, ID) order. */
  *indicesInOrder(): Generator<number> {
    for (let i = 0; i < this.#size; i += 1) yield this.#order[i] ?? 0;
  }

  /** The list endpoint: matching indices, in list order, after offset, at most `limit`. */
  list(q: ListQuery): number[] {
    const order = this.#order;
    let lo = 0;
    let hi = this.#size; // positions [lo, hi)
    if (q.startSec !== undefined) lo = this.#lowerBound(q.startInclusive ? q.startSec : q.startSec + 1);
    if (q.endSec !== undefined) hi = this.#lowerBound(q.endInclusive ? q.endSec + 1 : q.endSec);
    const out: number[] = [];
    if (lo >= hi || q.limit <= 0) return out;
    const currencyIdx = q.currency === undefined ? -1 : (this.#currencyIndex.get(q.currency.toUpperCase()) ?? -2);
    const countryIdx = q.country === undefined ? -1 : (this.#countryIndex.get(q.country.toUpperCase()) ?? -2);
    if (currencyIdx === -2 || countryIdx === -2) return out;
    const filtered =
      currencyIdx >= 0 ||
      countryIdx >= 0 ||
      q.statusId !== undefined ||
      q.merchantTransactionId !== undefined ||
      q.minimumAmount !== undefined ||
      q.maximumAmount !== undefined ||
      this.#visibleAt.size > 0;
    const matches = (i: number): boolean => {
      if (!filtered) return true;
      if (!this.isVisible(i, q.now)) return false;
      if (currencyIdx >= 0 && this.#currency[i] !== currencyIdx) return false;
      if (countryIdx >= 0 && this.#country[i] !== countryIdx) return false;
      if (q.statusId !== undefined && this.#status[i] !== q.statusId) return false;
      const amount = this.#amount[i] ?? 0;
      if (q.minimumAmount !== undefined && amount < q.minimumAmount) return false;
      if (q.maximumAmount !== undefined && amount > q.maximumAmount) return false;
      if (q.merchantTransactionId !== undefined) {
        const mt = this.#overrides.get(i)?.merchantTransactionId ?? this.#defaultMerchantTransactionId(i);
        if (mt !== q.merchantTransactionId) return false;
      }
      return true;
    };
    let skip = q.offsetPosition ?? 0;
    let pos: number;
    const step = q.newestFirst ? -1 : 1;
    if (q.offsetId !== undefined) {
      pos = this.#positionOfId(q.offsetId, q.newestFirst);
      if (q.newestFirst) pos = Math.min(pos, hi - 1);
      else pos = Math.max(pos, lo);
    } else {
      pos = q.newestFirst ? hi - 1 : lo;
    }
    for (; pos >= lo && pos < hi; pos += step) {
      const i = order[pos] ?? 0;
      if (!matches(i)) continue;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      out.push(i);
      if (out.length >= q.limit) break;
    }
    return out;
  }

  /** One payout as Smart2Pay's JSON object. `broken` spoils one field (a malformed page). */
  json(index: number, broken?: string): string {
    const id = this.firstId + index;
    const flags = this.#flags[index] ?? 0;
    const override = flags & FLAG_OVERRIDE ? this.#overrides.get(index) : undefined;
    const m = METHODS[this.#method[index] ?? 0] ?? METHODS[0]!;
    const methodId = override && 'methodId' in override ? (override.methodId ?? null) : m.methodId;
    const amount = this.#amount[index] ?? 0;
    const statusId = this.#status[index] ?? 0;
    let created = this.#clock.format((this.#created[index] ?? 0) * 1000);
    let amountJson = flags & FLAG_AMOUNT_STRING ? `"${amount}"` : String(amount);
    let currency = `"${override?.currency ?? this.#currencies[this.#currency[index] ?? 0] ?? 'EUR'}"`;
    let idJson = String(id);
    let status = override?.reasons !== undefined ? this.#customStatusJson(statusId, override.reasons, flags) : this.#statusFragment(statusId, this.#reason[index] ?? 0, flags);
    if (broken === 'Amount') amountJson = '"12,5x"';
    if (broken === 'Created') created = '2026-13-45';
    if (broken === 'Currency') currency = '42';
    if (broken === 'ID') idJson = '"abc"';
    if (broken === 'Status') status = '"Success"';
    const mt = override?.merchantTransactionId ?? this.#defaultMerchantTransactionId(index);
    const desc = override && 'description' in override ? jsonString(override.description ?? null) : this.#descJson[this.#desc[index] ?? 0] ?? 'null';
    return (
      `{"ID":${idJson},"SiteID":${this.#siteIdJson},"Created":"${created}"` +
      (methodId === null ? '' : `,"MethodID":${methodId}`) +
      `,"MerchantTransactionID":${JSON.stringify(mt)},"OriginatorTransactionID":null,"Amount":${amountJson},"Currency":${currency}` +
      `,"Description":${desc},"StatementDescriptor":null,"BillingAddress":${this.#countryJson[this.#country[index] ?? 0] ?? 'null'}` +
      `${m.extra},"Status":${status}}`
    );
  }

  /** The status response body's payout: ID, MerchantTransactionID, Status. */
  statusJson(index: number): string {
    const flags = this.#flags[index] ?? 0;
    const override = flags & FLAG_OVERRIDE ? this.#overrides.get(index) : undefined;
    const statusId = this.#status[index] ?? 0;
    const status = override?.reasons !== undefined ? this.#customStatusJson(statusId, override.reasons, flags) : this.#statusFragment(statusId, this.#reason[index] ?? 0, flags);
    const mt = override?.merchantTransactionId ?? this.#defaultMerchantTransactionId(index);
    return `{"ID":${this.firstId + index},"MerchantTransactionID":${JSON.stringify(mt)},"Status":${status}}`;
  }

  // ------------------------------------------------------------ internals

  #defaultMerchantTransactionId(index: number): string {
    return `mt_${this.seed}_${this.firstId + index}`;
  }

  #statusFragment(statusId: number, reasonIdx: number, flags: number): string {
    const key = statusId * 1024 + reasonIdx * 8 + (flags & (FLAG_REASONS_NULL | FLAG_CODE_STRING));
    let json = this.#statusJson.get(key);
    if (json === undefined) {
      const reason = REASONS[reasonIdx];
      json = this.#customStatusJson(statusId, reason ? [reason] : [], flags);
      this.#statusJson.set(key, json);
    }
    return json;
  }

  #customStatusJson(statusId: number, reasons: readonly SandboxReason[], flags: number): string {
    const info = STATUS_INFO[statusId] ?? null;
    const list =
      reasons.length === 0
        ? flags & FLAG_REASONS_NULL
          ? 'null'
          : '[]'
        : `[${reasons.map((r) => `{"Code":${flags & FLAG_CODE_STRING ? `"${r.code}"` : r.code},"Info":${JSON.stringify(r.info)}}`).join(',')}]`;
    return `{"ID":${statusId},"Info":${jsonString(info)},"Reasons":${list}}`;
  }

  #currencyIndexOf(code: string): number {
    let i = this.#currencyIndex.get(code);
    if (i === undefined) {
      i = this.#currencies.length;
      if (i > 255) throw new RangeError('the sandbox knows at most 256 currencies');
      this.#currencies.push(code);
      this.#currencyIndex.set(code, i);
    }
    return i;
  }

  #countryIndexOf(code: string | null): number {
    if (code === null) return 0;
    let i = this.#countryIndex.get(code);
    if (i === undefined) {
      i = this.#countries.length;
      if (i > 255) throw new RangeError('the sandbox knows at most 255 countries');
      this.#countries.push(code);
      this.#countryIndex.set(code, i);
      this.#countryJson.push(
        `{"ID":${9600 + i},"City":"Iasi","ZipCode":"700049","State":null,"Street":"Sf Lazar","StreetNumber":"37","HouseNumber":null,"HouseExtension":null,"Country":"${code}"}`,
      );
    }
    return i;
  }

  #ensureCapacity(needed: number): void {
    if (needed <= this.#capacity) return;
    let capacity = this.#capacity;
    while (capacity < needed) capacity *= 2;
    const grow = <T extends Float64Array | Uint8Array | Uint16Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#created = grow(this.#created, (n) => new Float64Array(n));
    this.#amount = grow(this.#amount, (n) => new Float64Array(n));
    this.#currency = grow(this.#currency, (n) => new Uint8Array(n));
    this.#method = grow(this.#method, (n) => new Uint8Array(n));
    this.#country = grow(this.#country, (n) => new Uint8Array(n));
    this.#desc = grow(this.#desc, (n) => new Uint16Array(n));
    this.#status = grow(this.#status, (n) => new Uint8Array(n));
    this.#reason = grow(this.#reason, (n) => new Uint8Array(n));
    this.#flags = grow(this.#flags, (n) => new Uint8Array(n));
    this.#order = grow(this.#order, (n) => new Int32Array(n));
    this.#capacity = capacity;
  }

  #append(
    created: number,
    amount: number,
    currency: number,
    method: number,
    country: number,
    desc: number,
    statusId: number,
    reason: number,
    flags: number,
    knownInOrder: boolean,
  ): number {
    this.#ensureCapacity(this.#size + 1);
    const i = this.#size;
    this.#created[i] = created;
    this.#amount[i] = amount;
    this.#currency[i] = currency;
    this.#method[i] = method;
    this.#country[i] = country;
    this.#desc[i] = desc;
    this.#status[i] = statusId;
    this.#reason[i] = reason;
    this.#flags[i] = flags;
    // Sorted by (created, id): the new payout has the largest id, so it goes after every equal Created.
    const pos = knownInOrder ? i : this.#lowerBound(created + 1);
    if (pos < i) this.#order.copyWithin(pos + 1, pos, i);
    this.#order[pos] = i;
    this.#size = i + 1;
    if (!isFinalStatusId(statusId)) this.#markOpen(i);
    return i;
  }

  /** First position whose Created is ≥ `sec`. */
  #lowerBound(sec: number): number {
    let lo = 0;
    let hi = this.#size;
    const created = this.#created;
    const order = this.#order;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((created[order[mid] ?? 0] ?? 0) < sec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of a payout in (Created, ID) order; where it would be when unknown. */
  #positionOfId(id: number, newestFirst: boolean): number {
    const index = this.indexOf(id);
    if (index < 0) return newestFirst ? this.#size - 1 : 0;
    const sec = this.#created[index] ?? 0;
    for (let pos = this.#lowerBound(sec); pos < this.#size; pos += 1) {
      if (this.#order[pos] === index) return pos;
      if ((this.#created[this.#order[pos] ?? 0] ?? 0) !== sec) break;
    }
    return newestFirst ? this.#size - 1 : 0;
  }

  #markOpen(index: number): void {
    if (this.#openPos.has(index)) return;
    this.#openPos.set(index, this.#open.length);
    this.#open.push(index);
  }

  #markClosed(index: number): void {
    const pos = this.#openPos.get(index);
    if (pos === undefined) return;
    const last = this.#open.pop();
    this.#openPos.delete(index);
    if (last !== undefined && last !== index) {
      this.#open[pos] = last;
      this.#openPos.set(last, pos);
    }
  }
}

function randomAmount(random: () => number, currency: string): number {
  // Log-uniform between 5.00 and 5,000.00 in provider units (last two digits are decimals).
  const major = Math.exp(Math.log(5) + random() * (Math.log(5000) - Math.log(5)));
  let amount = Math.round(major * 100);
  if (currency === 'JPY') amount = Math.round(major * 100) * 100; // whole yen: ¥500 … ¥500,000
  return Math.max(1, amount);
}

function randomStatus(random: () => number, young: boolean): { statusId: number; reason: number } {
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
