/**
 * The Smart2Pay sandbox's payouts: a seeded generator and a compact store
 * that serves a million payouts fast.
 *
 * - Columnar typed arrays (`PayoutColumns`); strings are built from small
 *   tables (`smart2pay-sandbox-catalog.ts`), so no per-payout objects exist
 *   until a payout is asked for.
 * - IDs are dense (`firstId + index`), so a payout is found by arithmetic.
 * - The columns keep the payouts sorted by (wall-clock Created, ID): a date
 *   window is two binary searches; payouts added later are merged into place.
 * - JSON is built by string concatenation from cached fragments.
 * - `Created` is kept to the millisecond when the sandbox plays a provider
 *   that stores milliseconds (the list still shows whole seconds), else to
 *   the second; date bounds compare against the first instant of their second.
 *
 * Amounts are the provider's: an integer whose last two digits are
 * decimals, for every currency (¥1,500 is 150000; 12.34 KWD is 1234).
 */
import type { Instant } from '../../shared/time.js';
import { ProviderClock } from '../smart2pay/provider-clock.js';
import {
  COUNTRIES_BY_CURRENCY,
  type GenerateOptions,
  isFinalStatusId,
  jsonString,
  type ListQuery,
  METHODS,
  type NewSandboxPayout,
  randomAmount,
  randomStatus,
  REASONS,
  type SandboxPayout,
  type SandboxReason,
  seededRandom,
  STATUS_INFO,
} from './smart2pay-sandbox-catalog.js';
import { type PayoutColumnValues, PayoutColumns } from './smart2pay-sandbox-columns.js';
import { FLAG_AMOUNT_STRING, FLAG_CODE_STRING, FLAG_OVERRIDE, FLAG_REASONS_NULL, PayoutValueTables } from './smart2pay-sandbox-tables.js';

export {
  type GenerateOptions,
  isFinalStatusId,
  type ListQuery,
  type NewSandboxPayout,
  type SandboxPayout,
  type SandboxReason,
  seededRandom,
  STATUS_INFO,
} from './smart2pay-sandbox-catalog.js';

interface Override {
  merchantTransactionId?: string;
  description?: string | null;
  country?: string | null;
  currency?: string;
  methodId?: number | null;
  reasons?: SandboxReason[];
}


export class Smart2PayPayoutBook {
  readonly firstId: number;
  readonly siteId: string;
  readonly seed: number;
  readonly #siteIdJson: string;
  readonly #clock: ProviderClock;
  readonly #random: () => number;
  readonly #c: PayoutColumns;
  /** Whether `Created` keeps milliseconds (else whole seconds). */
  readonly #milliseconds: boolean;
  readonly #msRandom: () => number;
  readonly #overrides = new Map<number, Override>();
  readonly #visibleAt = new Map<number, Instant>();
  /** Non-final payouts: dense list + position, for picking one at random. */
  #open: number[] = [];
  readonly #openPos = new Map<number, number>();
  readonly #t = new PayoutValueTables();

  constructor(options: { seed: number; siteId: string; zone: string; firstId?: number; capacity?: number; milliseconds?: boolean }) {
    this.seed = options.seed;
    this.siteId = options.siteId;
    this.#siteIdJson = /^\d{1,15}$/.test(options.siteId) ? options.siteId : JSON.stringify(options.siteId);
    this.firstId = options.firstId ?? 100_000;
    this.#clock = new ProviderClock(options.zone);
    this.#random = seededRandom(options.seed ^ 0x5eed);
    this.#c = new PayoutColumns(options.capacity ?? 1024);
    this.#milliseconds = options.milliseconds ?? false;
    // Its own stream, so the same seed gives the same seconds with and without milliseconds.
    this.#msRandom = seededRandom(options.seed ^ 0x3e11);
  }

  get size(): number {
    return this.#c.size;
  }

  get zone(): string {
    return this.#clock.zone;
  }

  /** The index of a payout ID, or -1. */
  indexOf(id: number): number {
    const i = id - this.firstId;
    return Number.isInteger(i) && i >= 0 && i < this.#c.size ? i : -1;
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
    const ms = () => (this.#milliseconds ? Math.floor(this.#msRandom() * 1000) : 0);
    const times = new Float64Array(total);
    for (let i = 0; i < options.count; i += 1) times[i] = (startSec + Math.floor(random() * span)) * 1000 + ms();
    let k = options.count;
    for (const burst of options.bursts ?? []) {
      const at = Math.floor(burst.at / 1000) * 1000;
      for (let j = 0; j < burst.count; j += 1) times[k++] = at + ms();
    }
    times.sort();
    const order = this.#wallOrder(times);
    this.#c.ensureCapacity(this.#c.size + total);
    const openBefore = (endSec - Math.round((options.openHours ?? 6) * 3600)) * 1000;
    const methodWeights = METHODS.reduce((n, m) => n + m.weight, 0);
    const first = times[order ? (order[0] ?? 0) : 0] ?? 0;
    const appendInOrder = first + this.#clock.offsetMs(first) >= this.#c.lastWall;
    for (let j = 0; j < total; j += 1) {
      const created = times[order ? (order[j] ?? 0) : j] ?? 0;
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
      const desc = random() < 0.1 ? 0 : 1 + Math.floor(random() * (this.#t.descriptions.length - 1));
      const values = { created, amount, currency: this.#t.currencyIndexOf(currency), method: m, country: this.#t.countryIndexOf(country), desc };
      this.#append({ ...values, status: statusId, reason, flags }, appendInOrder);
    }
  }

  /**
   * The order in which instants sorted ascending read in wall-clock order,
   * or null when it is the same (always, except across a zone's repeated hour).
   */
  #wallOrder(times: Float64Array): Int32Array | null {
    let previous = Number.NEGATIVE_INFINITY;
    let sorted = true;
    const walls = new Float64Array(times.length);
    for (let i = 0; i < times.length; i += 1) {
      const t = times[i] ?? 0;
      walls[i] = t + this.#clock.offsetMs(t);
      if ((walls[i] ?? 0) < previous) sorted = false;
      previous = walls[i] ?? 0;
    }
    if (sorted) return null;
    const order = Int32Array.from(times, (_, i) => i);
    return order.sort((a, b) => (walls[a] ?? 0) - (walls[b] ?? 0) || a - b);
  }

  /** Adds one payout; returns its ID. */
  add(input: NewSandboxPayout, now: Instant): number {
    const random = this.#random;
    const created = this.#keep(input.createdAt ?? now);
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
    let desc = 1 + Math.floor(random() * (this.#t.descriptions.length - 1));
    if (input.description !== undefined) {
      const known = this.#t.descriptions.indexOf(input.description);
      if (known >= 0) desc = known;
      else override.description = input.description;
    }
    if (input.merchantTransactionId !== undefined) override.merchantTransactionId = input.merchantTransactionId;
    if (reasons !== undefined) override.reasons = reasons;
    const amount = input.amount ?? randomAmount(random, currency);
    const values = { created, amount, currency: this.#t.currencyIndexOf(currency), method: m, country: this.#t.countryIndexOf(country), desc };
    const index = this.#append({ ...values, status: statusId, reason: 0, flags: 0 }, false);
    if (Object.keys(override).length > 0) {
      this.#overrides.set(index, override);
      this.#c.flags[index] = (this.#c.flags[index] ?? 0) | FLAG_OVERRIDE;
    }
    if (input.visibleAt !== undefined && input.visibleAt !== null) this.#visibleAt.set(index, input.visibleAt);
    return this.firstId + index;
  }

  /**
   * A random generated-looking payout created at `createdAt` (arrivals,
   * bursts); with milliseconds kept, `spreadInSecond` places it at a random
   * millisecond of that second.
   */
  addRandom(createdAt: Instant, statusId: number, spreadInSecond = false): number {
    const random = this.#random;
    const spec = Math.floor(random() * METHODS.length);
    const currencies = METHODS[spec]?.currencies ?? ['EUR'];
    const currency = currencies[Math.floor(random() * currencies.length)] ?? 'EUR';
    const countries = COUNTRIES_BY_CURRENCY[currency] ?? [];
    const at = spreadInSecond && this.#milliseconds ? Math.floor(createdAt / 1000) * 1000 + Math.floor(this.#msRandom() * 1000) : createdAt;
    const values = {
      created: this.#keep(at),
      amount: randomAmount(random, currency),
      currency: this.#t.currencyIndexOf(currency),
      method: spec,
      country: this.#t.countryIndexOf(countries[0] ?? null),
      desc: 1 + Math.floor(random() * (this.#t.descriptions.length - 1)),
    };
    const index = this.#append({ ...values, status: statusId, reason: 0, flags: random() < 0.5 ? FLAG_AMOUNT_STRING : 0 }, false);
    return this.firstId + index;
  }

  // ------------------------------------------------------------ status

  statusOf(index: number): number {
    return this.#c.status[index] ?? 0;
  }

  setStatus(index: number, statusId: number, reasons?: SandboxReason[]): void {
    this.#c.status[index] = statusId;
    this.#c.reason[index] = 0;
    const override = this.#overrides.get(index);
    if (reasons !== undefined) {
      this.#overrides.set(index, { ...override, reasons });
      this.#c.flags[index] = (this.#c.flags[index] ?? 0) | FLAG_OVERRIDE;
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
    return Math.floor(this.#random() * this.#c.size);
  }

  random(): number {
    return this.#random();
  }

  // ------------------------------------------------------------ reading

  payout(index: number): SandboxPayout {
    const override = this.#overrides.get(index);
    const reasonIdx = this.#c.reason[index] ?? 0;
    const reason = REASONS[reasonIdx];
    const m = METHODS[this.#c.method[index] ?? 0];
    const statusId = this.#c.status[index] ?? 0;
    return {
      id: this.firstId + index,
      createdAt: this.#c.created[index] ?? 0,
      merchantTransactionId: override?.merchantTransactionId ?? this.#defaultMerchantTransactionId(index),
      amount: this.#c.amount[index] ?? 0,
      currency: override?.currency ?? this.#t.currency(this.#c.currency[index] ?? 0),
      methodId: override && 'methodId' in override ? (override.methodId ?? null) : (m?.methodId ?? null),
      description: override && 'description' in override ? (override.description ?? null) : (this.#t.descriptions[this.#c.desc[index] ?? 0] ?? null),
      country: this.#t.country(this.#c.country[index] ?? 0),
      statusId,
      statusInfo: STATUS_INFO[statusId] ?? null,
      reasons: override?.reasons ?? (reason ? [reason] : []),
      visibleAt: this.#visibleAt.get(index) ?? null,
    };
  }

  /** Payout indices in (Created, ID) order. */
  *indicesInOrder(): Generator<number> {
    for (let i = 0; i < this.#c.size; i += 1) yield this.#c.order[i] ?? 0;
  }

  /** The list endpoint: matching indices, in list order, after offset, at most `limit`. */
  list(q: ListQuery): number[] {
    const order = this.#c.order;
    let lo = 0;
    let hi = this.#c.size; // positions [lo, hi)
    // A bound is the first instant of its second: with milliseconds kept, `≤ …03` leaves `…03.400` out.
    if (q.startSec !== undefined) lo = this.#c.lowerBound(q.startInclusive ? q.startSec * 1000 : q.startSec * 1000 + 1);
    if (q.endSec !== undefined) hi = this.#c.lowerBound(q.endInclusive ? q.endSec * 1000 + 1 : q.endSec * 1000);
    const out: number[] = [];
    if (lo >= hi || q.limit <= 0) return out;
    const currencyIdx = q.currency === undefined ? -1 : this.#t.findCurrency(q.currency);
    const countryIdx = q.country === undefined ? -1 : this.#t.findCountry(q.country);
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
      if (currencyIdx >= 0 && this.#c.currency[i] !== currencyIdx) return false;
      if (countryIdx >= 0 && this.#c.country[i] !== countryIdx) return false;
      if (q.statusId !== undefined && this.#c.status[i] !== q.statusId) return false;
      const amount = this.#c.amount[i] ?? 0;
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
      const index = this.indexOf(q.offsetId);
      const found = index < 0 ? -1 : this.#c.positionOf(index);
      pos = found >= 0 ? found : q.newestFirst ? this.#c.size - 1 : 0;
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
    const flags = this.#c.flags[index] ?? 0;
    const override = flags & FLAG_OVERRIDE ? this.#overrides.get(index) : undefined;
    const m = METHODS[this.#c.method[index] ?? 0] ?? METHODS[0]!;
    const methodId = override && 'methodId' in override ? (override.methodId ?? null) : m.methodId;
    const amount = this.#c.amount[index] ?? 0;
    const statusId = this.#c.status[index] ?? 0;
    let created = this.#clock.format(this.#c.created[index] ?? 0);
    let amountJson = flags & FLAG_AMOUNT_STRING ? `"${amount}"` : String(amount);
    let currency = `"${override?.currency ?? this.#t.currency(this.#c.currency[index] ?? 0)}"`;
    let idJson = String(id);
    let status = override?.reasons !== undefined ? this.#t.customStatusJson(statusId, override.reasons, flags) : this.#t.statusFragment(statusId, this.#c.reason[index] ?? 0, flags);
    if (broken === 'Amount') amountJson = '"12,5x"';
    if (broken === 'Created') created = '2026-13-45';
    if (broken === 'Currency') currency = '42';
    if (broken === 'ID') idJson = '"abc"';
    if (broken === 'Status') status = '"Success"';
    const mt = override?.merchantTransactionId ?? this.#defaultMerchantTransactionId(index);
    const desc = override && 'description' in override ? jsonString(override.description ?? null) : this.#t.descriptionJson(this.#c.desc[index] ?? 0);
    return (
      `{"ID":${idJson},"SiteID":${this.#siteIdJson},"Created":"${created}"` +
      (methodId === null ? '' : `,"MethodID":${methodId}`) +
      `,"MerchantTransactionID":${JSON.stringify(mt)},"OriginatorTransactionID":null,"Amount":${amountJson},"Currency":${currency}` +
      `,"Description":${desc},"StatementDescriptor":null,"BillingAddress":${this.#t.countryJson(this.#c.country[index] ?? 0)}` +
      `${m.extra},"Status":${status}}`
    );
  }

  /** The status response body's payout: ID, MerchantTransactionID, Status. */
  statusJson(index: number): string {
    const flags = this.#c.flags[index] ?? 0;
    const override = flags & FLAG_OVERRIDE ? this.#overrides.get(index) : undefined;
    const statusId = this.#c.status[index] ?? 0;
    const status = override?.reasons !== undefined ? this.#t.customStatusJson(statusId, override.reasons, flags) : this.#t.statusFragment(statusId, this.#c.reason[index] ?? 0, flags);
    const mt = override?.merchantTransactionId ?? this.#defaultMerchantTransactionId(index);
    return `{"ID":${this.firstId + index},"MerchantTransactionID":${JSON.stringify(mt)},"Status":${status}}`;
  }

  // ------------------------------------------------------------ internals

  #defaultMerchantTransactionId(index: number): string {
    return `mt_${this.seed}_${this.firstId + index}`;
  }

  /** `Created` as kept: to the millisecond, or to the second. */
  #keep(createdAt: Instant): number {
    return this.#milliseconds ? Math.floor(createdAt) : Math.floor(createdAt / 1000) * 1000;
  }

  #append(v: Omit<PayoutColumnValues, 'wall'>, knownInOrder: boolean): number {
    const i = this.#c.append({ ...v, wall: v.created + this.#clock.offsetMs(v.created) }, knownInOrder);
    if (!isFinalStatusId(v.status)) this.#markOpen(i);
    return i;
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
