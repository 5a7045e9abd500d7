/**
 * Schedule ticks: the instants a cron expression fires at, in a time zone.
 *
 * node-cron fires jobs but never looks back, so a tick missed while no daemon
 * was running is found here with cron-parser, which can walk backwards. Both
 * read the same standard cron syntax (an optional leading seconds field); a
 * tick is identified by its UTC instant, so every replica names tick T alike.
 */
import { CronExpressionParser } from 'cron-parser';
import type { Instant } from '../shared/time.js';

/** The most recent instant at or before `now` at which `expression` fires in `timeZone`. */
export function previousTick(expression: string, timeZone: string, now: Instant): Instant {
  // cron-parser's prev() is strictly before its start, and ticks are whole seconds.
  const start = Math.floor(now / 1000) * 1000 + 1;
  const interval = CronExpressionParser.parse(expression, { currentDate: new Date(start), tz: timeZone });
  return interval.prev().getTime();
}

/** The first instant after `now` at which `expression` fires in `timeZone`. */
export function nextTick(expression: string, timeZone: string, now: Instant): Instant {
  const interval = CronExpressionParser.parse(expression, { currentDate: new Date(now), tz: timeZone });
  return interval.next().getTime();
}
