#!/usr/bin/env node
/**
 * The Smart2Pay sandbox in its own process, for kill tests and benchmarks:
 *
 *   node dist/src/providers/sandbox/main.js --payouts 1000000 --seed 42 --port 0
 *
 * Prints one line on stdout once it listens: a JSON object with `url`,
 * `siteId`, `apiKey`, `payouts`, `zone`. Runs until SIGINT/SIGTERM.
 * `--faults '<json>'` switches misbehaviour on (keys of Smart2PaySandboxFaults,
 * or "hostile" for all of them); `--bounds inclusive|exclusive|milliseconds`
 * picks what `startDate`/`endDate` mean (see `BoundSemantics`).
 */
import { parseArgs } from 'node:util';
import { BOUND_SEMANTICS, type BoundSemantics, HOSTILE_SMART2PAY_FAULTS, type Smart2PaySandboxFaults, startSmart2PaySandbox } from './smart2pay-sandbox.js';

function fail(message: string): never {
  process.stderr.write(`smart2pay sandbox: ${message}\n`);
  process.exit(2);
}

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(`--${name} must be a non-negative integer`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    payouts: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'site-id': { type: 'string', default: '1010' },
    'api-key': { type: 'string', default: 'sandbox-api-key' },
    days: { type: 'string', default: '30' },
    zone: { type: 'string', default: 'UTC' },
    'page-cap': { type: 'string' },
    end: { type: 'string' },
    faults: { type: 'string' },
    bounds: { type: 'string', default: 'inclusive' },
  },
  strict: true,
});

let faults: Partial<Smart2PaySandboxFaults> = {};
if (values.faults === 'hostile') faults = { ...HOSTILE_SMART2PAY_FAULTS };
else if (values.faults !== undefined) {
  try {
    faults = JSON.parse(values.faults) as Partial<Smart2PaySandboxFaults>;
  } catch {
    fail('--faults must be JSON or "hostile"');
  }
}
if (values['page-cap'] !== undefined) faults.maxPageSize = intOption(values['page-cap'], 'page-cap', 1000);
const end = values.end === undefined ? undefined : Date.parse(values.end);
if (end !== undefined && Number.isNaN(end)) fail('--end must be an ISO 8601 date-time');

const bounds = values.bounds as BoundSemantics;
if (!BOUND_SEMANTICS.includes(bounds)) fail(`--bounds must be one of ${BOUND_SEMANTICS.join(', ')}`);

const started = Date.now();
const running = await startSmart2PaySandbox({
  count: intOption(values.payouts, 'payouts', 0),
  seed: intOption(values.seed, 'seed', 1),
  port: intOption(values.port, 'port', 0),
  host: values.host,
  siteId: values['site-id'],
  apiKey: values['api-key'],
  days: intOption(values.days, 'days', 30),
  zone: values.zone,
  bounds,
  faults,
  ...(end !== undefined ? { end } : {}),
});
process.stdout.write(
  `${JSON.stringify({
    url: running.url,
    siteId: running.sandbox.siteId,
    apiKey: running.sandbox.apiKey,
    payouts: running.sandbox.count,
    zone: running.sandbox.zone,
    startMs: Date.now() - started,
  })}\n`,
);

const stop = () => {
  void running.close().finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
