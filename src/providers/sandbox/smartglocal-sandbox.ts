/**
 * The Smart Glocal simulation of the sandbox provider: `POST
 * /api/v1/wallet/balance` with the partner's signature verified exactly as
 * the provider would (the partner's public key per project, the configured
 * hash and encoding), and prefunding balances per currency in minor units
 * that tests and the demo move with a small programmatic API: debits for
 * payouts, top-ups, a planted manual refund (money back, no status change,
 * no notification), fixed balances, and switchable failures.
 *
 * It also models the two ways a provider may take payouts off the balance
 * (`debitOn`, undocumented by the real provider): `creation` holds a
 * payout's amount when it is created and releases it when it fails, is
 * cancelled or expires; `success` takes it off only when it succeeds.
 * `payoutCreated` and `payoutFinished` move the balance as that model says.
 *
 * Mount it with `startSandboxServer([sandbox.handler])`, alone or next to
 * the Smart2Pay simulation.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeCurrency } from '../../shared/currencies.js';
import { assertMinorUnits } from '../../shared/money.js';
import { WALLET_BALANCE_PATH } from '../smartglocal/smartglocal-client.js';
import {
  DEFAULT_SIGNATURE_SCHEME,
  PROJECT_HEADER,
  SIGNATURE_HEADER,
  type SignatureScheme,
  verifyBodySignature,
} from '../smartglocal/signature.js';
import { readBody, type SandboxHandler, sendJson } from './sandbox-server.js';

/** What happened to a sandbox balance, newest last (for tests and the demo's story). */
export interface SandboxBalanceMovement {
  kind: 'debit' | 'credit' | 'topup' | 'manual_refund' | 'set';
  currency: string;
  /** Signed change in minor units (`set`: the new balance). */
  amount: number;
  reference: string | null;
  at: number;
}

/** A failure the sandbox answers with instead of the balance, `times` times (default: until cleared). */
export type SandboxFailure =
  | { kind: 'http'; status: number; retryAfterSeconds?: number; times?: number }
  | { kind: 'error'; error: { code: string; message: string }; times?: number };

export interface SandboxRequestRecord {
  project: string | null;
  /** True when the signature verified against the project's key. */
  signatureValid: boolean;
  status: number;
  at: number;
}

export interface SmartGlocalSandboxOptions {
  /** Project ID → the partner's public key (PEM text or KeyObject). */
  projects?: Record<string, string | KeyObject>;
  signature?: SignatureScheme;
  /** Starting balances, currency → minor units. */
  balances?: Record<string, number>;
  clock?: () => number;
  /** How payouts move the balance (`payoutCreated`/`payoutFinished`). Default `success`. */
  debitOn?: SandboxDebitModel;
}

export type SandboxDebitModel = 'creation' | 'success';
export type SandboxPayoutOutcome = 'succeeded' | 'failed' | 'cancelled' | 'expired';

export class SmartGlocalSandbox {
  readonly handler: SandboxHandler;
  /** Every wallet/balance request received, in order. */
  readonly requests: SandboxRequestRecord[] = [];
  readonly movements: SandboxBalanceMovement[] = [];
  readonly #projects = new Map<string, KeyObject>();
  readonly #balances = new Map<string, number>();
  readonly #scheme: SignatureScheme;
  readonly #clock: () => number;
  readonly debitOn: SandboxDebitModel;
  /** Open payouts by reference: currency and amount (for `payoutFinished`). */
  readonly #open = new Map<string, { currency: string; amount: number }>();
  #failure: (SandboxFailure & { remaining: number }) | null = null;

  constructor(options: SmartGlocalSandboxOptions = {}) {
    this.#scheme = options.signature ?? DEFAULT_SIGNATURE_SCHEME;
    this.#clock = options.clock ?? Date.now;
    this.debitOn = options.debitOn ?? 'success';
    for (const [project, key] of Object.entries(options.projects ?? {})) this.addProject(project, key);
    for (const [currency, amount] of Object.entries(options.balances ?? {})) this.setBalance(currency, amount);
    this.handler = (req, res, url) => this.#handle(req, res, url);
  }

  /** Registers a partner project and the public key its requests are verified with. */
  addProject(project: string, publicKey: string | KeyObject): void {
    this.#projects.set(project, typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey);
  }

  /** The balance of a currency in minor units (0 for a currency without a wallet). */
  balance(currency: string): number {
    return this.#balances.get(normalizeCurrency(currency)) ?? 0;
  }

  /** Every wallet: currency → minor units. */
  balances(): Record<string, number> {
    return Object.fromEntries([...this.#balances.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  setBalance(currency: string, amount: number): void {
    assertMinorUnits(amount);
    const code = normalizeCurrency(currency);
    this.#balances.set(code, amount);
    this.#record('set', code, amount, null);
  }

  /** A payout taken off the balance (may go below zero, as a provider's overdraft would show). */
  debit(currency: string, amount: number, reference: string | null = null): void {
    this.#move('debit', currency, -Math.abs(amount), reference);
  }

  /** Money back on the balance (a released payout). */
  credit(currency: string, amount: number, reference: string | null = null): void {
    this.#move('credit', currency, Math.abs(amount), reference);
  }

  /** A bank wire top-up arriving on the prefunding balance. */
  topUp(currency: string, amount: number, reference: string | null = null): void {
    this.#move('topup', currency, Math.abs(amount), reference);
  }

  /**
   * What Smart Glocal does when a bank returns a succeeded payout: the
   * payout's amount comes back on the balance, and nothing else changes (no
   * status change, no notification).
   */
  plantManualRefund(payout: { amount: number; currency: string; reference?: string }): void {
    this.#move('manual_refund', payout.currency, Math.abs(payout.amount), payout.reference ?? null);
  }

  /** A payout ordered: held at once under `creation`, nothing yet under `success`. */
  payoutCreated(reference: string, currency: string, amount: number): void {
    if (this.#open.has(reference)) throw new RangeError(`payout ${reference} is already open`);
    assertMinorUnits(amount);
    this.#open.set(reference, { currency, amount: Math.abs(amount) });
    if (this.debitOn === 'creation') this.debit(currency, amount, reference);
  }

  /**
   * A payout became final. `creation`: a failed, cancelled or expired payout's
   * hold is released (money back); `success`: a succeeded payout is debited.
   */
  payoutFinished(reference: string, outcome: SandboxPayoutOutcome): void {
    const payout = this.#open.get(reference);
    if (!payout) throw new RangeError(`payout ${reference} is not open`);
    this.#open.delete(reference);
    if (this.debitOn === 'creation' && outcome !== 'succeeded') this.credit(payout.currency, payout.amount, reference);
    if (this.debitOn === 'success' && outcome === 'succeeded') this.debit(payout.currency, payout.amount, reference);
  }

  /** Answer with this failure instead of the balance (`null` clears it). */
  failWith(failure: SandboxFailure | null): void {
    this.#failure = failure ? { ...failure, remaining: failure.times ?? Number.POSITIVE_INFINITY } : null;
  }

  #move(kind: SandboxBalanceMovement['kind'], currency: string, amount: number, reference: string | null): void {
    assertMinorUnits(amount);
    const code = normalizeCurrency(currency);
    this.#balances.set(code, (this.#balances.get(code) ?? 0) + amount);
    this.#record(kind, code, amount, reference);
  }

  #record(kind: SandboxBalanceMovement['kind'], currency: string, amount: number, reference: string | null): void {
    this.movements.push({ kind, currency, amount, reference, at: this.#clock() });
  }

  #takeFailure(kind: SandboxFailure['kind']): SandboxFailure | null {
    const failure = this.#failure;
    if (!failure || failure.kind !== kind || failure.remaining <= 0) return null;
    failure.remaining -= 1;
    return failure;
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname !== WALLET_BALANCE_PATH) return false;
    const record: SandboxRequestRecord = { project: null, signatureValid: false, status: 0, at: this.#clock() };
    this.requests.push(record);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): true => {
      record.status = status;
      sendJson(res, status, body, headers);
      return true;
    };
    if (req.method !== 'POST') return answer(405, { status: 'error', error: { code: 'method_not_allowed', message: 'use POST' } });
    const body = await readBody(req, 65_536);
    const httpFailure = this.#takeFailure('http');
    if (httpFailure?.kind === 'http') {
      const headers: Record<string, string> =
        httpFailure.retryAfterSeconds !== undefined ? { 'retry-after': String(httpFailure.retryAfterSeconds) } : {};
      return answer(httpFailure.status, { status: 'error', error: { code: 'unavailable', message: `sandbox failure ${httpFailure.status}` } }, headers);
    }
    const projectHeader = req.headers[PROJECT_HEADER];
    const project = Array.isArray(projectHeader) ? projectHeader[0] : projectHeader;
    record.project = project ?? null;
    const key = project === undefined ? undefined : this.#projects.get(project);
    if (!key) return answer(401, { status: 'error', error: { code: 'unauthorized', message: 'unknown project' } });
    record.signatureValid = verifyBodySignature(body, req.headers[SIGNATURE_HEADER], key, this.#scheme);
    if (!record.signatureValid) {
      return answer(401, { status: 'error', error: { code: 'invalid_signature', message: 'X-PARTNER-SIGN does not verify' } });
    }
    const errorFailure = this.#takeFailure('error');
    if (errorFailure?.kind === 'error') return answer(200, { status: 'error', error: errorFailure.error });
    let requestDatetime: unknown;
    try {
      requestDatetime = (JSON.parse(body.toString('utf8')) as { request_datetime?: unknown }).request_datetime;
    } catch {
      return answer(400, { status: 'error', error: { code: 'invalid_request', message: 'body is not JSON' } });
    }
    if (typeof requestDatetime !== 'string' || Number.isNaN(Date.parse(requestDatetime))) {
      return answer(400, { status: 'error', error: { code: 'invalid_request', message: 'request_datetime must be an ISO 8601 date-time' } });
    }
    return answer(200, {
      status: 'ok',
      wallets: Object.entries(this.balances()).map(([currency, amount]) => ({
        id: `wlt_${currency.toLowerCase()}`,
        amount_details: { amount, currency: currency.toLowerCase() },
      })),
    });
  }
}

/** A fresh RSA key pair as PEM text, for the sandbox, tests and the demo. */
export function generateRsaKeyPair(modulusLength = 2048): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
