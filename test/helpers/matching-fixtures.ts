/**
 * Builds ledgers for matching tests: payouts inserted directly (the sync's
 * payout store is not needed to test the matcher) and internal records as
 * the importer stores them. Amounts in minor units, times epoch ms.
 */
import type { Kysely } from 'kysely';
import { configSchema } from '../../src/config/schema.js';
import type { LedgerDatabase } from '../../src/ledger/schema.js';
import { type MatchingRules, rulesFromConfig } from '../../src/matching/rules.js';

type Db = Kysely<LedgerDatabase>;

export const NOW = Date.UTC(2026, 9, 10, 12, 0, 0);
export const HOUR = 3_600_000;

export interface PayoutSeed {
  /** The provider's payout ID (default: a running number). */
  providerId?: string;
  provider?: 'smart2pay' | 'smartglocal';
  mtid?: string | null;
  amount: number;
  currency?: string;
  createdAt?: number;
  status?: string;
  method?: string;
  purpose?: string | null;
  country?: string | null;
  updatedAt?: number;
}

export interface RecordSeed {
  internalId: string;
  reference?: string;
  amount: number;
  currency?: string;
  createdAt?: number;
  status?: string | null;
  method?: string | null;
  purpose?: string | null;
  country?: string | null;
}

let nextProviderId = 100_000;

export async function insertPayouts(db: Db, seeds: readonly PayoutSeed[]): Promise<number[]> {
  const ids: number[] = [];
  for (const s of seeds) {
    const createdAt = s.createdAt ?? NOW - 30 * HOUR;
    const status = s.status ?? 'succeeded';
    const final = ['succeeded', 'failed', 'cancelled', 'expired'].includes(status);
    const { id } = await db
      .insertInto('payouts')
      .values({
        provider: s.provider ?? 'smart2pay',
        provider_payout_id: s.providerId ?? String(nextProviderId++),
        merchant_transaction_id: s.mtid === undefined ? null : s.mtid,
        session_id: null,
        site_id: null,
        amount: s.amount,
        currency: s.currency ?? 'EUR',
        created_at: createdAt,
        status,
        provider_status: null,
        provider_status_info: null,
        reasons: null,
        method: s.method ?? 'unknown',
        provider_method: null,
        purpose: s.purpose ?? null,
        purpose_source: s.purpose ? 'provider' : null,
        country: s.country ?? null,
        description: null,
        raw: '{}',
        first_seen_at: createdAt,
        updated_at: s.updatedAt ?? createdAt,
        status_changed_at: createdAt,
        final_at: final ? createdAt : null,
        last_polled_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(id);
  }
  return ids;
}

export async function insertRecords(db: Db, seeds: readonly RecordSeed[], importedAt = NOW - 40 * HOUR): Promise<number[]> {
  const ids: number[] = [];
  for (const s of seeds) {
    const { id } = await db
      .insertInto('internal_records')
      .values({
        internal_id: s.internalId,
        reference: s.reference ?? s.internalId,
        amount: s.amount,
        currency: s.currency ?? 'EUR',
        created_at: s.createdAt ?? NOW - 30 * HOUR - 60_000,
        method: s.method ?? null,
        purpose: s.purpose ?? null,
        country: s.country ?? null,
        status: s.status === undefined ? 'succeeded' : s.status,
        content_hash: `seed-${s.internalId}`,
        first_import_id: null,
        last_import_id: null,
        imported_at: importedAt,
        updated_at: importedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(id);
  }
  return ids;
}

/** The matching rules of a config with these `matching` keys (defaults otherwise). */
export function rulesWith(matching: Record<string, unknown> = {}): MatchingRules {
  return rulesFromConfig(configSchema.parse({ matching }).matching);
}

/** Everything the matcher writes, to compare two ledgers (or one before and after a run). */
export async function matcherSnapshot(db: Db): Promise<unknown> {
  return {
    matches: await db.selectFrom('matches').select(['id', 'payout_id', 'internal_record_id', 'method', 'confidence', 'run_id', 'created_at']).orderBy('id').execute(),
    exceptions: await db.selectFrom('exceptions').selectAll().orderBy('id').execute(),
    events: await db.selectFrom('exception_events').selectAll().orderBy('id').execute(),
    payouts: await db.selectFrom('payouts').select(['id', 'purpose', 'purpose_source', 'method', 'updated_at']).orderBy('id').execute(),
  };
}
