/**
 * The columns of the Smart2Pay sandbox's payout book: typed arrays (about
 * 40 bytes a payout), indexed by payout index (`ID − firstId`), and `order`,
 * the indices sorted by (wall-clock `Created`, ID).
 *
 * `created` is the instant, `wall` the provider's wall clock read as UTC,
 * both in milliseconds: the provider filters `startDate`/`endDate` on its
 * wall clock, so date windows are binary searches on `wall`; in a zone's
 * repeated hour the two orders differ, and the list follows the wall.
 */

/** One payout's values, as `append` takes them. */
export interface PayoutColumnValues {
  created: number;
  wall: number;
  amount: number;
  currency: number;
  method: number;
  country: number;
  desc: number;
  status: number;
  reason: number;
  flags: number;
}

export class PayoutColumns {
  size = 0;
  #capacity: number;
  created: Float64Array;
  wall: Float64Array;
  amount: Float64Array;
  currency: Uint8Array;
  method: Uint8Array;
  country: Uint8Array;
  desc: Uint16Array;
  status: Uint8Array;
  reason: Uint8Array;
  flags: Uint8Array;
  /** Indices sorted by (wall, index). */
  order: Int32Array;

  constructor(capacity: number) {
    this.#capacity = Math.max(1024, capacity);
    const n = this.#capacity;
    this.created = new Float64Array(n);
    this.wall = new Float64Array(n);
    this.amount = new Float64Array(n);
    this.currency = new Uint8Array(n);
    this.method = new Uint8Array(n);
    this.country = new Uint8Array(n);
    this.desc = new Uint16Array(n);
    this.status = new Uint8Array(n);
    this.reason = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.order = new Int32Array(n);
  }

  /** Wall time of the last payout in order (−∞ when empty). */
  get lastWall(): number {
    return this.size > 0 ? (this.wall[this.order[this.size - 1] ?? 0] ?? 0) : Number.NEGATIVE_INFINITY;
  }

  ensureCapacity(needed: number): void {
    if (needed <= this.#capacity) return;
    let capacity = this.#capacity;
    while (capacity < needed) capacity *= 2;
    const grow = <T extends Float64Array | Uint8Array | Uint16Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.created = grow(this.created, (n) => new Float64Array(n));
    this.wall = grow(this.wall, (n) => new Float64Array(n));
    this.amount = grow(this.amount, (n) => new Float64Array(n));
    this.currency = grow(this.currency, (n) => new Uint8Array(n));
    this.method = grow(this.method, (n) => new Uint8Array(n));
    this.country = grow(this.country, (n) => new Uint8Array(n));
    this.desc = grow(this.desc, (n) => new Uint16Array(n));
    this.status = grow(this.status, (n) => new Uint8Array(n));
    this.reason = grow(this.reason, (n) => new Uint8Array(n));
    this.flags = grow(this.flags, (n) => new Uint8Array(n));
    this.order = grow(this.order, (n) => new Int32Array(n));
    this.#capacity = capacity;
  }

  /** Appends a payout; `knownInOrder`: its wall time is not before any other. Returns its index. */
  append(v: PayoutColumnValues, knownInOrder: boolean): number {
    this.ensureCapacity(this.size + 1);
    const i = this.size;
    this.created[i] = v.created;
    this.wall[i] = v.wall;
    this.amount[i] = v.amount;
    this.currency[i] = v.currency;
    this.method[i] = v.method;
    this.country[i] = v.country;
    this.desc[i] = v.desc;
    this.status[i] = v.status;
    this.reason[i] = v.reason;
    this.flags[i] = v.flags;
    // Sorted by (wall, index): the new payout has the largest index, so it goes after every equal wall time.
    const pos = knownInOrder ? i : this.lowerBound(v.wall + 1);
    if (pos < i) this.order.copyWithin(pos + 1, pos, i);
    this.order[pos] = i;
    this.size = i + 1;
    return i;
  }

  /** First position in `order` whose wall time is ≥ `wallMs`. */
  lowerBound(wallMs: number): number {
    let lo = 0;
    let hi = this.size;
    const wall = this.wall;
    const order = this.order;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((wall[order[mid] ?? 0] ?? 0) < wallMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of an index in `order`, or -1. */
  positionOf(index: number): number {
    const wall = this.wall[index] ?? 0;
    for (let pos = this.lowerBound(wall); pos < this.size; pos += 1) {
      if (this.order[pos] === index) return pos;
      if ((this.wall[this.order[pos] ?? 0] ?? 0) !== wall) break;
    }
    return -1;
  }
}
