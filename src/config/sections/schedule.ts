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
    /** Close the previous month (off unless set, e.g. `0 6 5 * *`). */
    close: cronExpression().nullable().default(null),
  })
  .prefault({});
