import { z } from 'zod';
import { cronExpression } from '../fields.js';

/** node-cron expressions in the top-level `timezone`; `null` switches a job off. */
export const scheduleSection = z
  .strictObject({
    sync: cronExpression().nullable().default('*/15 * * * *'),
    poll: cronExpression().nullable().default('*/5 * * * *'),
    balance: cronExpression().nullable().default('0 * * * *'),
    reconcile: cronExpression().nullable().default('0 6 * * *'),
    dailyReport: cronExpression().nullable().default('30 6 * * *'),
    monthlyReport: cronExpression().nullable().default('0 7 1 * *'),
    /** The sync self-check (`sync --verify` over the last `smart2pay.verifyDays`): weekly, Sunday 04:00. */
    verify: cronExpression().nullable().default('0 4 * * 0'),
    /** Close the previous month (off unless set, e.g. `0 6 5 * *`). */
    close: cronExpression().nullable().default(null),
  })
  .prefault({});
