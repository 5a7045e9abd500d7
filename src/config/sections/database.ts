import { z } from 'zod';
import { nonEmptyString, positiveInt } from '../fields.js';

export const databaseSection = z
  .strictObject({
    /** `sqlite:<path>` (relative to the working directory), `sqlite::memory:`, or `postgres://…`. */
    url: nonEmptyString()
      .refine((v) => v.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(v), {
        error: 'must start with "sqlite:" or "postgres://"',
      })
      .default('sqlite:./data/ledger.db'),
    /** How long a SQLite writer waits for another process's write lock. */
    busyTimeoutMs: positiveInt().default(5000),
    /** PostgreSQL connection pool size. */
    poolSize: positiveInt().default(10),
  })
  .prefault({});
