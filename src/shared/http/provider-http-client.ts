/**
 * The HTTP discipline every provider client shares: a keep-alive undici pool
 * with explicit connect/headers/body timeouts, a request rate limit
 * (p-throttle), and retries (cockatiel) with exponential backoff and jitter
 * on 429, 5xx, timeouts and connection resets, honouring `Retry-After`.
 *
 * 401/403 are never retried: they mean bad credentials, and the error says
 * which config keys to check (never their values). Other 4xx are the
 * caller's mistake and are not retried either. A 2xx body that the caller's
 * `parse` rejects is not retried: the provider answered, wrongly.
 */
import { ExponentialBackoff, handleWhen, type IBackoff, type IBackoffFactory, type IRetryBackoffContext, retry } from 'cockatiel';
import pThrottle from 'p-throttle';
import { Pool } from 'undici';
import type { HttpClientConfig } from '../../config/schema.js';
import { ProviderError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';

export interface ProviderHttpClientOptions {
  /** Provider name used in messages, e.g. `smart2pay`. */
  provider: string;
  baseUrl: string;
  http: HttpClientConfig;
  /** Config keys named when the provider refuses our credentials, e.g. `smart2pay.siteId and smart2pay.apiKey`. */
  credentialKeys: string;
  log?: Logger;
}

export interface ProviderRequest<T> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string;
  /** Turns a 2xx body into a value; throw `MalformedResponseError` when it is not usable. */
  parse: (body: string, status: number) => T;
  /** Retry this request on retryable failures (default true; POSTs that only read are safe to retry). */
  retry?: boolean;
  signal?: AbortSignal;
}

/** A 2xx response whose body is not what the API promises. Not retried. */
export class MalformedResponseError extends Error {}

/** A failure worth trying again: 429, 5xx, a timeout, a reset connection. */
export class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Network failures worth trying again (a DNS failure included: resolvers fail transiently too). */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Exponential backoff with decorrelated jitter, except when the provider told
 * us how long to wait (`Retry-After`): then that, capped at `maxDelayMs`.
 */
export class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  readonly #jittered: IBackoffFactory<unknown>;
  readonly #maxDelayMs: number;
  constructor(jittered: IBackoffFactory<unknown>, maxDelayMs: number) {
    this.#jittered = jittered;
    this.#maxDelayMs = maxDelayMs;
  }
  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const jittered = this.#jittered.next(context);
    const error = 'error' in context.result ? context.result.error : undefined;
    const retryAfter = error instanceof RetryableError ? error.retryAfterMs : undefined;
    const duration = retryAfter !== undefined ? Math.min(retryAfter, this.#maxDelayMs) : jittered.duration;
    return { duration, next: (c) => new RetryAfterBackoff(jittered, this.#maxDelayMs).next(c) };
  }
}

export interface ProviderHttpStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
}

export class ProviderHttpClient {
  readonly stats: ProviderHttpStats = { requests: 0, retries: 0 };
  readonly #options: ProviderHttpClientOptions;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #throttled: <R>(fn: () => Promise<R>) => Promise<R>;
  readonly #log: Logger;

  constructor(options: ProviderHttpClientOptions) {
    this.#options = options;
    const base = new URL(options.baseUrl);
    this.#basePath = base.pathname.replace(/\/+$/, '');
    const { http } = options;
    this.#pool = new Pool(base.origin, {
      connections: http.connections,
      connect: { timeout: http.connectTimeoutMs },
      headersTimeout: http.headersTimeoutMs,
      bodyTimeout: http.bodyTimeoutMs,
      keepAliveTimeout: 10_000,
    });
    if (http.requestsPerSecond > 0) {
      const throttle = pThrottle({ limit: http.requestsPerSecond, interval: 1000 });
      const run = throttle((fn: () => Promise<unknown>) => fn());
      this.#throttled = <R>(fn: () => Promise<R>): Promise<R> => run(fn).then((value) => value as R);
    } else {
      this.#throttled = (fn) => fn();
    }
    this.#log = options.log ?? silentLogger;
  }

  async request<T>(request: ProviderRequest<T>): Promise<T> {
    const { http, provider } = this.#options;
    const label = `${request.method} ${request.path}`;
    const policy = retry(handleWhen((e) => e instanceof RetryableError), {
      maxAttempts: request.retry === false ? 0 : http.maxRetries,
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({ initialDelay: http.retryBaseDelayMs, maxDelay: http.retryMaxDelayMs }),
        http.retryMaxDelayMs,
      ),
    });
    policy.onRetry((event) => {
      this.stats.retries += 1;
      const reason = 'error' in event ? event.error.message : 'unexpected result';
      this.#log.warn(`${label} will be retried`, { reason, delayMs: Math.round(event.delay), attempt: event.attempt });
    });
    try {
      return await policy.execute(() => this.#throttled(() => this.#attempt(request)), request.signal);
    } catch (error) {
      if (error instanceof RetryableError) {
        throw new ProviderError(
          provider,
          `${label} failed after ${(request.retry === false ? 0 : http.maxRetries) + 1} attempts: ${error.message}`,
          { cause: error, ...(error.status !== undefined ? { status: error.status } : {}) },
        );
      }
      if (error instanceof MalformedResponseError) {
        throw new ProviderError(provider, `${label} returned an unusable response: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  async #attempt<T>(request: ProviderRequest<T>): Promise<T> {
    const { provider, credentialKeys } = this.#options;
    const query = Object.fromEntries(
      Object.entries(request.query ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    this.stats.requests += 1;
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await this.#pool.request({
        method: request.method,
        path: `${this.#basePath}${request.path}`,
        query,
        headers: { accept: 'application/json', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers },
        body: request.body,
        signal: request.signal,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (RETRYABLE_NETWORK_CODES.has(code)) throw new RetryableError(`${code} (${(error as Error).message})`, { cause: error });
      if ((error as Error).name === 'AbortError') throw error;
      throw new ProviderError(provider, `${request.method} ${request.path} failed: ${(error as Error).message}`, { cause: error });
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(headers['retry-after']);
      throw new RetryableError(`HTTP ${status}`, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    if (status === 401 || status === 403) {
      throw new ProviderError(
        provider,
        `the provider refused our credentials (HTTP ${status}); check ${credentialKeys} in the configuration`,
        { status },
      );
    }
    if (status < 200 || status >= 300) {
      throw new ProviderError(provider, `${request.method} ${request.path} was refused (HTTP ${status}): ${text.slice(0, 200)}`, {
        status,
      });
    }
    return request.parse(text, status);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
