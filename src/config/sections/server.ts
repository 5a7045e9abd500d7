import { z } from 'zod';
import { nonEmptyString, nonNegativeInt, positiveInt } from '../fields.js';

export const serverSection = z
  .strictObject({
    host: nonEmptyString().default('127.0.0.1'),
    /** 0 picks a free port (tests). */
    port: nonNegativeInt().max(65535, { error: 'must be a port number (0-65535)' }).default(8080),
    /** Notification and webhook bodies larger than this are refused with 413. */
    bodyLimitBytes: positiveInt().default(1_048_576),
  })
  .prefault({});
