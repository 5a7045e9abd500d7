/**
 * POSTs one JSON document to one webhook URL with the same discipline as the
 * provider clients: a timeout per attempt, retries (cockatiel) with
 * exponential backoff and jitter on 408/429/5xx, timeouts and reset
 * connections, honouring `Retry-After`. Other 4xx are not retried: the
 * receiver refused the message.
 *
 * A webhook URL often carries a token (in the path or the query), so
 * nothing here ever puts the URL in a message: only the host.
 */
import { createHash } from 'node:crypto';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Agent, request } from 'undici';
import { parseRetryAfter, RETRYABLE_NETWORK_CODES, RetryableError, RetryAfterBackoff } from '../shared/http/provider-http-client.js';

export interface WebhookOptions {
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff delay, ms. */
  retryDelayMs: number;
  /** Longest backoff delay (and longest Retry-After honoured), ms. Default 30 s. */
  maxDelayMs?: number;
}

export interface WebhookResult {
  ok: boolean;
  attempts: number;
  /** The last HTTP status received, if any. */
  httpStatus: number | null;
  /** One line, without the URL; null when delivered. */
  error: string | null;
}

/**
 * What `alert_deliveries.target` stores for a webhook: its host, for people,
 * and 12 hex digits of the URL's SHA-256, so two webhooks on one host (two
 * Slack hooks) are told apart; never the URL itself (its path or query is a
 * token). `webhookTarget` of the key gives the host back.
 */
export function webhookKey(url: string): string {
  return `${webhookTarget(url)}#${createHash('sha256').update(url, 'utf8').digest('hex').slice(0, 12)}`;
}

/** The host part of a stored target (a `webhookKey`, or a bare host from before keys). */
export function targetHost(stored: string): string {
  const hash = stored.lastIndexOf('#');
  return hash < 0 ? stored : stored.slice(0, hash);
}

/** The host (and port) of a webhook URL: what may be shown and stored. */
export function webhookTarget(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

class RefusedError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}


/** Sends webhooks over one keep-alive agent; close it when done. */
export class WebhookSender {
  readonly #agent: Agent;
  readonly #options: WebhookOptions;

  constructor(options: WebhookOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  async post(url: string, payload: unknown): Promise<WebhookResult> {
    const { timeoutMs, retries, retryDelayMs } = this.#options;
    const maxDelayMs = this.#options.maxDelayMs ?? 30_000;
    const body = JSON.stringify(payload);
    let attempts = 0;
    let httpStatus: number | null = null;
    const policy = retry(handleWhen((e) => e instanceof RetryableError), {
      maxAttempts: retries,
      backoff: new RetryAfterBackoff(new ExponentialBackoff({ initialDelay: retryDelayMs, maxDelay: maxDelayMs }), maxDelayMs),
    });
    try {
      await policy.execute(async () => {
        attempts += 1;
        let status: number;
        let headers: Record<string, string | string[] | undefined>;
        try {
          const response = await request(url, {
            method: 'POST',
            dispatcher: this.#agent,
            headers: { 'content-type': 'application/json', 'user-agent': 'payout-recon' },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
          status = response.statusCode;
          headers = response.headers;
          await response.body.dump();
        } catch (error) {
          throw classifyNetworkError(error, timeoutMs);
        }
        httpStatus = status;
        if (status >= 200 && status < 300) return;
        if (status === 408 || status === 429 || status >= 500) {
          const retryAfterMs = parseRetryAfter(headers['retry-after']);
          throw new RetryableError(`HTTP ${status}`, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
        }
        throw new RefusedError(status);
      });
      return { ok: true, attempts, httpStatus, error: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const suffix = error instanceof RefusedError ? '' : ` after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
      return { ok: false, attempts, httpStatus, error: `${message}${suffix}` };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function classifyNetworkError(error: unknown, timeoutMs: number): Error {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new RetryableError(`no answer within ${timeoutMs} ms`);
  const code = (error as { code?: string }).code ?? '';
  if (RETRYABLE_NETWORK_CODES.has(code)) return new RetryableError(code);
  // Never the error's own message: undici may quote the URL.
  return new Error(code !== '' ? code : (name ?? 'request failed'));
}
