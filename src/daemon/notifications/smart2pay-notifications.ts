/**
 * `POST /notifications/smart2pay`: Smart2Pay's payout notifications. The body
 * has the shape of a GET of one payout (`{"Payout":{...}}`), authenticated
 * with HTTP Basic `SiteID:ApiKey` (no HMAC). The provider wants 204 within
 * 30 s and resends for days otherwise, so a notification delivered twice must
 * change nothing the second time: the payout store is idempotent.
 */
import type { Smart2PayConfig } from '../../config/schema.js';
import type { Ledger } from '../../ledger/ledger.js';
import { upsertPayouts } from '../../ledger/payout-store.js';
import { MalformedResponseError } from '../../shared/http/provider-http-client.js';
import { parsePayoutBody } from '../../providers/smart2pay/client.js';
import { createSmart2PayMapperFromConfig } from '../../providers/smart2pay/from-config.js';
import { Smart2PayMappingError } from '../../providers/smart2pay/mapping.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { requireBasicAuth } from '../http/basic-auth.js';
import { type HttpHandler, HttpError } from '../http/router.js';

export const SMART2PAY_NOTIFICATION_PATH = '/notifications/smart2pay';

export function smart2payNotificationHandler(deps: {
  config: Smart2PayConfig;
  ledger: Ledger;
  clock: Clock;
  log: Logger;
}): HttpHandler {
  const map = createSmart2PayMapperFromConfig(deps.config);
  const credentials = { user: deps.config.siteId, password: deps.config.apiKey };
  return async (request) => {
    requireBasicAuth(request, credentials, 'smart2pay');
    const body = (await request.body()).toString('utf8');
    let observation;
    try {
      observation = map(parsePayoutBody(body));
    } catch (error) {
      if (error instanceof MalformedResponseError || error instanceof Smart2PayMappingError) {
        throw new HttpError(400, `not a Smart2Pay payout notification: ${error.message}`);
      }
      throw error;
    }
    const counts = await upsertPayouts(deps.ledger, [observation], { source: 'notification', now: deps.clock() });
    deps.log.info('smart2pay notification', {
      payout: observation.providerPayoutId,
      status: observation.status,
      stored: counts.inserted > 0 ? 'new' : counts.updated > 0 ? 'updated' : 'unchanged',
    });
    return { status: 204 };
  };
}
