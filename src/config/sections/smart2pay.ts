import { z } from 'zod';
import { httpUrl, isoInstant, nonEmptyString, nonNegativeInt, positiveInt, timeZone } from '../fields.js';
import { httpClientSection } from './http-client.js';

export const payoutMethod = z.enum(['bank_account', 'wallet', 'card', 'unknown'], {
  error: 'must be one of "bank_account", "wallet", "card", "unknown"',
});

export const smart2paySection = z.strictObject({
  baseUrl: httpUrl(),
  siteId: z
    .union([nonEmptyString(), z.int()], { error: 'must be the Smart2Pay site ID (string or integer)' })
    .transform((v) => String(v)),
  apiKey: nonEmptyString(),
  /** Zone of `Created`, `startDate` and `endDate` (undocumented by the provider). */
  timezone: timeZone().default('UTC'),
  /** Where the first sync starts. Without it the first sync starts `lookbackHours` ago. */
  syncFrom: isoInstant().optional(),
  /** Only windows that ended at least this long ago are walked: rows appear late. */
  settleSeconds: nonNegativeInt().default(120),
  /** Every sync re-walks this much before the last watermark, for rows made visible late. */
  lookbackHours: nonNegativeInt().default(72),
  /** The `limit` asked for on every list request; the provider may cap it lower. */
  pageLimit: positiveInt().default(1000),
  /** Length of the first window tried; full windows are split. */
  windowHours: positiveInt().default(24),
  /**
   * Accepted for older configs and ignored: every window is asked with one
   * second more at each end whatever this says, because no setting can know
   * how the provider compares its bounds (see `src/sync/windows.ts`).
   */
  dateBounds: z.enum(['pad', 'inclusive'], { error: 'must be "pad" or "inclusive"' }).default('pad'),
  /** The daemon's `verify` job re-walks this many days back (up to the watermark less the look-back). */
  verifyDays: positiveInt().default(35),
  /** List requests in flight at once: the next windows are fetched while one is stored. */
  listConcurrency: positiveInt().default(2),
  /** Parse list pages in a worker thread, so parsing overlaps storing (a sync then uses two cores). */
  listWorker: z.boolean({ error: 'must be true or false' }).default(true),
  /** Meaning of `offset` for the one-second fallback: a row position, or the last ID seen. */
  offsetMode: z.enum(['position', 'id'], { error: 'must be "position" or "id"' }).default('position'),
  /** `two`: "the last two digits are the decimals" for every currency, as the docs say; `iso`: ISO 4217 exponents. */
  amountDecimals: z.enum(['two', 'iso'], { error: 'must be "two" or "iso"' }).default('two'),
  /**
   * Which payouts API `baseUrl` is: `card` (card payouts carry no MethodID, so
   * a payout without one is a card payout), `alternative`, or `auto` (card
   * for the `securetest`/`secure` hosts).
   */
  api: z.enum(['auto', 'card', 'alternative'], { error: 'must be "auto", "card" or "alternative"' }).default('auto'),
  /** Which `MethodID` means which payout method (bank-transfer methods are `bank_account`). */
  methodIds: z
    .record(z.string().regex(/^\d+$/, { error: 'must be keyed by a numeric MethodID' }), payoutMethod)
    .default({ '1': 'bank_account', '12': 'bank_account', '29': 'bank_account', '97': 'wallet', '100': 'bank_account' }),
  poll: z
    .strictObject({
      /** Status requests in flight at once. */
      concurrency: positiveInt().default(8),
      /** Payouts that became final within this many hours are still polled (late reversals). */
      recentlyFinalHours: nonNegativeInt().default(48),
    })
    .prefault({}),
  http: httpClientSection,
});
