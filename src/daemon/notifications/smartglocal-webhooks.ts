/**
 * `POST /webhooks/smartglocal`: Smart Glocal's `ready_to_confirm` and
 * `payment_finished` webhooks (`{type, session}`), signed by the provider:
 * `X-PARTNER-SIGN` over the exact body bytes, verified with its public key
 * before anything is read. The body is then validated strictly
 * (`src/providers/smartglocal/webhook.ts`: a bad amount or a zone-less time
 * is answered 400 and logged), written to the inbox and answered 200; the
 * inbox processor applies the session's payouts under the status rules. The
 * provider retries for 30 minutes until it gets a 200; a retry or a replay
 * is the same body, so it is the same inbox row.
 */
import type { WebhookSignatureVerifier } from '../../providers/smartglocal/signature.js';
import { parseSmartGlocalWebhook, WebhookFormatError } from '../../providers/smartglocal/webhook.js';
import { type HttpHandler, HttpError } from '../http/router.js';
import { type AcceptDeps, acceptDelivery } from './accept-delivery.js';

export const SMARTGLOCAL_WEBHOOK_PATH = '/webhooks/smartglocal';

export function smartglocalWebhookHandler(deps: AcceptDeps & { verify: WebhookSignatureVerifier }): HttpHandler {
  return async (request) => {
    const body = await request.body();
    const signature = request.headers['x-partner-sign'];
    if (!deps.verify(body, Array.isArray(signature) ? signature[0] : signature)) {
      throw new HttpError(401, 'the X-PARTNER-SIGN signature does not verify');
    }
    let webhook;
    try {
      webhook = parseSmartGlocalWebhook(body.toString('utf8'));
    } catch (error) {
      if (!(error instanceof WebhookFormatError)) throw error;
      deps.log.warn('smartglocal webhook refused (400)', { error: error.message });
      throw new HttpError(400, error.message);
    }
    await acceptDelivery(
      deps,
      { provider: 'smartglocal', source: 'webhook', subject: webhook.sessionId, body },
      'smartglocal webhook received',
      { type: webhook.type, session: webhook.sessionId, payouts: webhook.observations.length },
    );
    return { status: 200, json: { ok: true } };
  };
}
