/** Builds the Smart2Pay client from the configuration. */
import type { Config, Smart2PayConfig } from '../../config/schema.js';
import { ConfigError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { PayoutObservation } from '../../domain/payout-observation.js';
import { Smart2PayClient, type Smart2PayPayoutItem } from './client.js';
import { createSmart2PayMapper, isCardApiHost } from './mapping.js';

/** The `smart2pay` section, or a config error saying it is needed. */
export function requireSmart2PayConfig(config: Config, command: string): Smart2PayConfig {
  if (!config.smart2pay) {
    throw new ConfigError(`smart2pay is required for ${command}: add a "smart2pay" section with baseUrl, siteId and apiKey`);
  }
  return config.smart2pay;
}

export function createSmart2PayClient(config: Smart2PayConfig, log?: Logger): Smart2PayClient {
  return new Smart2PayClient({
    baseUrl: config.baseUrl,
    siteId: config.siteId,
    apiKey: config.apiKey,
    http: config.http,
    ...(log ? { log } : {}),
  });
}

/** Maps validated payouts to ledger observations with the configured zone, amount rule and method map. */
export function createSmart2PayMapperFromConfig(
  config: Pick<Smart2PayConfig, 'timezone' | 'amountDecimals' | 'methodIds' | 'api' | 'baseUrl'>,
): (item: Smart2PayPayoutItem) => PayoutObservation {
  return createSmart2PayMapper({
    timezone: config.timezone,
    amountDecimals: config.amountDecimals,
    methodIds: config.methodIds,
    cardApi: config.api === 'card' || (config.api === 'auto' && isCardApiHost(config.baseUrl)),
  });
}
