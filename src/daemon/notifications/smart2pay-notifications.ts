/**
 * `POST /notifications/smart2pay`: Smart2Pay's payout notifications. The body
 * has the shape of a GET of one payout (`{"Payout":{...}}`), authenticated
 * with HTTP Basic `SiteID:ApiKey` (no HMAC). The provider wants 204 within
 * 30 s and resends for days otherwise.
 *
 * A notification is a trigger, not the truth: once authenticated and valid
 * it is written to the inbox (one statement) and answered 204 at once,
 * whatever the provider's API is doing. The inbox processor
 * (`src/inbox/inbox-processor.ts`) then asks the API for the payout and
 * stores what the API says; `onReceived` wakes it.
 */
import type { Smart2PayConfig } from '../../config/schema.js';
import { MalformedResponseError } from '../../shared/http/provider-http-client.js';
import { parsePayoutBody } from '../../providers/smart2pay/client.js';
import { createSmart2PayMapperFromConfig } from '../../providers/smart2pay/from-config.js';
import { Smart2PayMappingError } from '../../providers/smart2pay/mapping.js';
import { requireBasicAuth } from '../http/basic-auth.js';
import { type HttpHandler, HttpError } from '../http/router.js';
import { type AcceptDeps, acceptDelivery } from './accept-delivery.js';

export const SMART2PAY_NOTIFICATION_PATH = '/notifications/smart2pay';

export function smart2payNotificationHandler(deps: AcceptDeps & { config: Smart2PayConfig }): HttpHandler {
  const map = createSmart2PayMapperFromConfig(deps.config);
  const credentials = { user: deps.config.siteId, password: deps.config.apiKey };
  return async (request) => {
    requireBasicAuth(request, credentials, 'smart2pay');
    const body = await request.body();
    let observation;
    try {
      observation = map(parsePayoutBody(body.toString('utf8')));
    } catch (error) {
      if (error instanceof MalformedResponseError || error instanceof Smart2PayMappingError) {
        deps.log.warn('smart2pay notification refused (400)', { error: error.message });
        throw new HttpError(400, `not a Smart2Pay payout notification: ${error.message}`);
      }
      throw error;
    }
    await acceptDelivery(
      deps,
      { provider: 'smart2pay', source: 'notification', subject: observation.providerPayoutId, body },
      'smart2pay notification received',
      { payout: observation.providerPayoutId, status: observation.status },
    );
    return { status: 204 };
  };
}
