/**
 * The Smart2Pay sandbox: a simulation of the payouts API for tests, the
 * demo and benchmarks, mounted on `startSandboxServer`.
 *
 * Endpoints (HTTP Basic `SiteID:ApiKey`, 401 otherwise):
 * - `GET /v1/payouts` with `limit`, `offset`, `startDate`, `endDate`
 *   (`YYYYMMDDHHMMSS` in the sandbox zone), `currency`, `statusID`,
 *   `merchantTransactionID`, `country`, `minimumAmount`, `maximumAmount`;
 * - `GET /v1/payouts/{id}` → `{"Payout":{...}}`;
 * - `GET /v1/payouts/{id}/status` → `{"Payout":{ID, MerchantTransactionID, Status}}`.
 *
 * `bounds` picks what `startDate`/`endDate` mean, `Created` to the
 * millisecond included (see `BoundSemantics`).
 *
 * Misbehaviour is switchable at any time (`setFaults`): pages capped below
 * `limit`, newest-first order, exclusive date bounds, offsets as positions
 * or IDs, 429 with and without `Retry-After`, 503, a provider that is down,
 * slow responses, payouts arriving while you page (some backdated: rows
 * shown late), status changes over time (including Success reversed), a
 * payout served with a broken field, truncated bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Instant, TimeFormatError } from '../../shared/time.js';
import { ProviderClock } from '../smart2pay/provider-clock.js';
import { type RunningSandbox, type SandboxHandler, startSandboxServer } from './sandbox-server.js';
import {
  boundSemanticsFaults,
  type BoundSemantics,
  type BrokenField,
  DEFAULT_SMART2PAY_FAULTS,
  type Smart2PaySandboxFaults,
} from './smart2pay-sandbox-faults.js';
import {
  isFinalStatusId,
  type NewSandboxPayout,
  type SandboxPayout,
  type SandboxReason,
  seededRandom,
  Smart2PayPayoutBook,
} from './smart2pay-sandbox-data.js';

export type { NewSandboxPayout, SandboxPayout, SandboxReason } from './smart2pay-sandbox-data.js';
export {
  BOUND_SEMANTICS,
  type BoundSemantics,
  type BrokenField,
  DEFAULT_SMART2PAY_FAULTS,
  HOSTILE_SMART2PAY_FAULTS,
  type Smart2PaySandboxFaults,
} from './smart2pay-sandbox-faults.js';

export interface Smart2PaySandboxOptions {
  /** Seed of everything random (data and faults). Default 1. */
  seed?: number;
  /** Payouts generated up front. Default 0. */
  count?: number;
  /** Default `1010`. */
  siteId?: string;
  /** Default `sandbox-api-key`. */
  apiKey?: string;
  /** Zone of `Created`, `startDate`, `endDate`. Default UTC. */
  zone?: string;
  /** Generated payouts are created in `[end − days, end)`. Default: 5 minutes ago. */
  end?: Instant;
  /** Default 30. */
  days?: number;
  /** Generated payouts younger than this at `end` may still be open. Default 6. */
  openHours?: number;
  /** Extra generated payouts all created in one second each (bursts larger than a page). */
  bursts?: readonly { at: Instant; count: number }[];
  /** ID of the first payout. Default 100000. */
  firstId?: number;
  /**
   * What `startDate`/`endDate` mean (see `BoundSemantics`); sets the bound
   * faults (`faults` given here win) and whether `Created` keeps
   * milliseconds. Default `inclusive`.
   */
  bounds?: BoundSemantics;
  faults?: Partial<Smart2PaySandboxFaults>;
  /** The sandbox's now. Default `Date.now`. */
  clock?: () => Instant;
}

export interface Smart2PaySandboxStats {
  requests: number;
  listRequests: number;
  getRequests: number;
  statusRequests: number;
  unauthorized: number;
  rateLimited: number;
  unavailable: number;
  slowed: number;
  truncated: number;
  malformedPages: number;
  arrivals: number;
  statusChanges: number;
}

const LIST_PATH = '/v1/payouts';
const ONE_PATH = /^\/v1\/payouts\/([^/]+)(\/status)?$/;

function notFoundBody(id: string): string {
  return JSON.stringify({
    Payout: { ID: null, MerchantTransactionID: null, Status: { ID: null, Info: null, Reasons: [{ Code: 404, Info: `Payout ${id} not found` }] } },
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Smart2PaySandbox {
  readonly siteId: string;
  readonly apiKey: string;
  readonly zone: string;
  readonly seed: number;
  readonly stats: Smart2PaySandboxStats = {
    requests: 0,
    listRequests: 0,
    getRequests: 0,
    statusRequests: 0,
    unauthorized: 0,
    rateLimited: 0,
    unavailable: 0,
    slowed: 0,
    truncated: 0,
    malformedPages: 0,
    arrivals: 0,
    statusChanges: 0,
  };
  readonly #book: Smart2PayPayoutBook;
  readonly #clock: () => Instant;
  readonly #providerClock: ProviderClock;
  readonly #authorization: string;
  readonly #random: () => number;
  #faults: Smart2PaySandboxFaults;
  #rateLimitedCount = 0;

  constructor(options: Smart2PaySandboxOptions = {}) {
    this.seed = options.seed ?? 1;
    this.siteId = options.siteId ?? '1010';
    this.apiKey = options.apiKey ?? 'sandbox-api-key';
    this.zone = options.zone ?? 'UTC';
    this.#clock = options.clock ?? Date.now;
    this.#providerClock = new ProviderClock(this.zone);
    this.#authorization = `Basic ${Buffer.from(`${this.siteId}:${this.apiKey}`).toString('base64')}`;
    this.#random = seededRandom(this.seed ^ 0xfa17);
    const { milliseconds, ...bounds } = boundSemanticsFaults(options.bounds ?? 'inclusive');
    this.#faults = { ...DEFAULT_SMART2PAY_FAULTS, ...bounds, ...options.faults };
    const count = options.count ?? 0;
    const burstTotal = (options.bursts ?? []).reduce((n, b) => n + b.count, 0);
    this.#book = new Smart2PayPayoutBook({
      seed: this.seed,
      siteId: this.siteId,
      zone: this.zone,
      capacity: count + burstTotal + 1024,
      milliseconds,
      ...(options.firstId !== undefined ? { firstId: options.firstId } : {}),
    });
    if (count + burstTotal > 0) {
      this.#book.generate({
        seed: this.seed,
        count,
        end: options.end ?? this.#clock() - 5 * 60_000,
        days: options.days ?? 30,
        ...(options.bursts ? { bursts: options.bursts } : {}),
        ...(options.openHours !== undefined ? { openHours: options.openHours } : {}),
      });
    }
  }

  /** Payouts in the sandbox, hidden ones included. */
  get count(): number {
    return this.#book.size;
  }

  get faults(): Readonly<Smart2PaySandboxFaults> {
    return this.#faults;
  }

  /** Switches faults on or off; keys not given stay as they are. */
  setFaults(faults: Partial<Smart2PaySandboxFaults>): void {
    this.#faults = { ...this.#faults, ...faults };
  }

  /** Back to a well-behaved provider (page cap 1000, newest first, inclusive bounds). */
  resetFaults(): void {
    this.#faults = { ...DEFAULT_SMART2PAY_FAULTS };
  }

  /** Adds a payout (created now unless told otherwise) and returns it. */
  addPayout(input: NewSandboxPayout = {}): SandboxPayout {
    const id = this.#book.add(input, this.#clock());
    return this.#book.payout(this.#book.indexOf(id));
  }

  addPayouts(inputs: readonly NewSandboxPayout[]): SandboxPayout[] {
    return inputs.map((input) => this.addPayout(input));
  }

  /** `count` random payouts all created in the second of `at` (spread over its milliseconds when kept); returns their IDs. */
  addBurst(at: Instant, count: number, statusId = 2): number[] {
    const ids: number[] = [];
    for (let i = 0; i < count; i += 1) ids.push(this.#book.addRandom(at, statusId, true));
    return ids;
  }

  /** A payout by ID (hidden ones included), or undefined. */
  getPayout(id: number): SandboxPayout | undefined {
    const index = this.#book.indexOf(id);
    return index < 0 ? undefined : this.#book.payout(index);
  }

  /** Every payout in (Created, ID) order; `visibleAt` (default now) leaves out rows not shown yet. */
  *payouts(options: { visibleAt?: Instant | null } = {}): Generator<SandboxPayout> {
    const at = options.visibleAt === undefined ? this.#clock() : options.visibleAt;
    for (const index of this.#book.indicesInOrder()) {
      if (at !== null && !this.#book.isVisible(index, at)) continue;
      yield this.#book.payout(index);
    }
  }

  /** Sets a payout's status (Smart2Pay status ID) and, optionally, its reasons. */
  setStatus(id: number, statusId: number, reasons?: SandboxReason[]): void {
    const index = this.#book.indexOf(id);
    if (index < 0) throw new RangeError(`the sandbox has no payout ${id}`);
    this.#book.setStatus(index, statusId, reasons);
  }

  /** Turns non-final payouts final (9 in 10 Success, the rest Failed); returns how many changed. */
  settleOpenPayouts(limit = Number.POSITIVE_INFINITY): number {
    let changed = 0;
    while (changed < limit) {
      const index = this.#book.randomOpen();
      if (index === undefined) break;
      this.#settle(index);
      changed += 1;
    }
    return changed;
  }

  /** `{"Payout":{...}}` of a payout as GET (and the provider's notifications) send it. */
  payoutJson(id: number): string {
    const index = this.#book.indexOf(id);
    if (index < 0) throw new RangeError(`the sandbox has no payout ${id}`);
    return `{"Payout":${this.#book.json(index)}}`;
  }

  /** The handler to mount on `startSandboxServer`. */
  readonly handler: SandboxHandler = (req, res, url) => {
    if (url.pathname !== LIST_PATH && !ONE_PATH.test(url.pathname)) return false;
    void this.#handle(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: (error as Error).message }));
      else res.destroy();
    });
    return true;
  };

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.stats.requests += 1;
    if (req.method !== 'GET') {
      send(res, 405, JSON.stringify({ error: `${req.method ?? ''} is not supported by the sandbox` }), { allow: 'GET' });
      return;
    }
    if (req.headers.authorization !== this.#authorization) {
      this.stats.unauthorized += 1;
      send(res, 401, JSON.stringify({ Message: 'Authorization has been denied for this request.' }));
      return;
    }
    if (await this.#injectFault(res)) return;
    if (url.pathname === LIST_PATH) {
      this.#list(res, url);
      return;
    }
    const match = ONE_PATH.exec(url.pathname);
    const rawId = decodeURIComponent(match?.[1] ?? '');
    const index = /^\d{1,15}$/.test(rawId) ? this.#book.indexOf(Number(rawId)) : -1;
    const visible = index >= 0 && this.#book.isVisible(index, this.#clock());
    if (match?.[2]) {
      this.stats.statusRequests += 1;
      if (!visible) send(res, 404, notFoundBody(rawId));
      else send(res, 200, `{"Payout":${this.#book.statusJson(index)}}`);
      return;
    }
    this.stats.getRequests += 1;
    if (!visible) send(res, 404, notFoundBody(rawId));
    else send(res, 200, `{"Payout":${this.#book.json(index, this.#brokenFieldOf(index))}}`);
  }

  /** Sends a fault response (or waits) as the faults say; true when the request was answered. */
  async #injectFault(res: ServerResponse): Promise<boolean> {
    const f = this.#faults;
    if (f.down || (f.downAfterListRequests !== null && this.stats.listRequests >= f.downAfterListRequests)) {
      this.stats.unavailable += 1;
      send(res, 503, JSON.stringify({ Message: 'Service Unavailable' }));
      return true;
    }
    if (f.slowRate > 0 && this.#random() < f.slowRate) {
      this.stats.slowed += 1;
      await sleep(f.slowMs);
    }
    if (f.rateLimitedRate > 0 && this.#random() < f.rateLimitedRate) {
      this.stats.rateLimited += 1;
      this.#rateLimitedCount += 1;
      const seconds = f.retryAfterSeconds === 'mixed' ? (this.#rateLimitedCount % 2 === 0 ? 1 : null) : f.retryAfterSeconds;
      send(res, 429, JSON.stringify({ Message: 'Too many requests' }), seconds === null ? {} : { 'retry-after': String(seconds) });
      return true;
    }
    if (f.unavailableRate > 0 && this.#random() < f.unavailableRate) {
      this.stats.unavailable += 1;
      send(res, 503, JSON.stringify({ Message: 'Service Unavailable' }));
      return true;
    }
    return false;
  }

  #list(res: ServerResponse, url: URL): void {
    this.stats.listRequests += 1;
    const f = this.#faults;
    const now = this.#clock();
    this.#simulateActivity(now);
    const q = url.searchParams;
    let startSec: number | undefined;
    let endSec: number | undefined;
    try {
      const start = q.get('startDate');
      const end = q.get('endDate');
      if (start !== null && start !== '') startSec = this.#providerClock.parseWallSeconds(start);
      if (end !== null && end !== '') endSec = this.#providerClock.parseWallSeconds(end);
    } catch (error) {
      if (error instanceof TimeFormatError) {
        send(res, 400, JSON.stringify({ Message: `invalid date filter: ${error.message}` }));
        return;
      }
      throw error;
    }
    const intParam = (name: string): number | undefined => {
      const v = q.get(name);
      return v === null || v === '' || !/^\d+$/.test(v) ? undefined : Number(v);
    };
    const textParam = (name: string): string | undefined => {
      const v = q.get(name);
      return v === null || v === '' ? undefined : v;
    };
    const limit = Math.min(intParam('limit') ?? f.maxPageSize, f.maxPageSize);
    const offset = textParam('offset');
    const indices = this.#book.list({
      ...(startSec !== undefined ? { startSec } : {}),
      ...(endSec !== undefined ? { endSec } : {}),
      startInclusive: f.startInclusive,
      endInclusive: f.endInclusive,
      ...optional('currency', textParam('currency')),
      ...optional('statusId', intParam('statusID')),
      ...optional('merchantTransactionId', textParam('merchantTransactionID')),
      ...optional('country', textParam('country')),
      ...optional('minimumAmount', intParam('minimumAmount')),
      ...optional('maximumAmount', intParam('maximumAmount')),
      newestFirst: f.order === 'newest-first',
      ...(offset !== undefined && /^\d+$/.test(offset)
        ? f.offsetMode === 'position'
          ? { offsetPosition: Number(offset) }
          : { offsetId: Number(offset) }
        : {}),
      limit,
      now,
    });
    const rows = new Array<string>(indices.length);
    let broken = false;
    for (let k = 0; k < indices.length; k += 1) {
      const index = indices[k] ?? 0;
      const field = this.#brokenFieldOf(index);
      if (field) broken = true;
      rows[k] = this.#book.json(index, field);
    }
    if (broken) this.stats.malformedPages += 1;
    const body = `{"Payouts":[${rows.join(',')}]}`;
    if (f.truncatedRate > 0 && this.#random() < f.truncatedRate) {
      this.stats.truncated += 1;
      send(res, 200, body.slice(0, Math.max(1, Math.floor(body.length / 2))));
      return;
    }
    send(res, 200, body);
  }

  #brokenFieldOf(index: number): BrokenField | undefined {
    const m = this.#faults.malformed;
    return m && this.#book.indexOf(m.payoutId) === index ? m.field : undefined;
  }

  /** Payouts arriving and statuses moving while a client pages. */
  #simulateActivity(now: Instant): void {
    const f = this.#faults;
    for (let i = 0; i < f.arrivalsPerListRequest; i += 1) {
      const backdate = f.arrivalBackdateSeconds > 0 ? Math.floor(this.#random() * f.arrivalBackdateSeconds) * 1000 : 0;
      this.#book.addRandom(now - backdate, this.#random() < 0.5 ? 1 : 2);
      this.stats.arrivals += 1;
    }
    for (let i = 0; i < f.statusChangesPerListRequest; i += 1) {
      if (f.reversalShare > 0 && this.#random() < f.reversalShare) {
        const index = this.#book.randomIndex();
        if (this.#book.statusOf(index) === 2) {
          this.#book.setStatus(index, 3, [{ code: 1303, info: 'Reversed by the beneficiary bank' }]);
          this.stats.statusChanges += 1;
        }
        continue;
      }
      const index = this.#book.randomOpen();
      if (index === undefined) break;
      this.#settle(index);
    }
  }

  #settle(index: number): void {
    const success = this.#book.random() < 0.9;
    this.#book.setStatus(index, success ? 2 : 4, success ? undefined : [{ code: 1101, info: 'Beneficiary bank account is closed' }]);
    this.stats.statusChanges += 1;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export interface RunningSmart2PaySandbox extends RunningSandbox {
  sandbox: Smart2PaySandbox;
}

/** Starts a Smart2Pay sandbox on its own loopback server. */
export async function startSmart2PaySandbox(
  options: Smart2PaySandboxOptions & { host?: string; port?: number } = {},
): Promise<RunningSmart2PaySandbox> {
  const sandbox = new Smart2PaySandbox(options);
  const server = await startSandboxServer([sandbox.handler], {
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  return { ...server, sandbox };
}

export { isFinalStatusId };
