import { z } from 'zod';
import { nonNegativeInt, positiveInt } from '../fields.js';

/** Timeouts, retries and rate limit shared by every provider client. */
export const httpClientSection = z
  .strictObject({
    connectTimeoutMs: positiveInt().default(10_000),
    headersTimeoutMs: positiveInt().default(30_000),
    bodyTimeoutMs: positiveInt().default(60_000),
    /** Retries after the first attempt, on 429, 5xx, timeouts and connection resets. */
    maxRetries: nonNegativeInt().default(6),
    retryBaseDelayMs: positiveInt().default(500),
    retryMaxDelayMs: positiveInt().default(30_000),
    /** Requests per second at most (0 = unlimited). */
    requestsPerSecond: nonNegativeInt().default(20),
    /** Keep-alive connections per provider host. */
    connections: positiveInt().default(4),
  })
  .prefault({});
