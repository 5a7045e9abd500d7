import type { Instant } from './time.js';

/** The current instant. Injected everywhere time matters so tests can fix it. */
export type Clock = () => Instant;

export const systemClock: Clock = () => Date.now();
