import { z } from 'zod';
import { decimalAmount, nonNegativeInt, nonNegativeNumber } from '../fields.js';

export const matchingSection = z
  .strictObject({
    /**
     * Which internal column is compared with the provider's MerchantTransactionID:
     * `internal_id`, or a separate `reference` column of the export.
     */
    reference: z.enum(['internal_id', 'reference'], { error: 'must be "internal_id" or "reference"' }).default('internal_id'),
    /** Amounts within this absolute difference (major units) count as agreeing in the tolerance pass. */
    amountToleranceAbsolute: decimalAmount().default('0.00'),
    /** ... or within this percentage of the internal amount. */
    amountTolerancePercent: nonNegativeNumber().default(0),
    /** A payout and a record created further apart than this are never paired by tolerance. */
    timeWindowHours: nonNegativeInt().default(72),
    /** A tolerance pair scoring at least this (0-100) is matched automatically. */
    autoConfirmScore: z.int().min(0).max(100, { error: 'must be an integer from 0 to 100' }).default(90),
    /** Below this score a candidate is not even proposed. */
    proposeScore: z.int().min(0).max(100, { error: 'must be an integer from 0 to 100' }).default(50),
    /** An internal record is `missing_at_provider` only this long after it was created. */
    missingGraceHours: nonNegativeInt().default(24),
    /** A payout still not final after this long is `stuck_payout`. */
    stuckHours: nonNegativeInt().default(72),
  })
  .prefault({});
