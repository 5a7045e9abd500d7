/**
 * Kysely's PostgreSQL dialect over a `pg` pool whose type parsers return
 * int8 and numeric as JavaScript numbers: the ledger keeps money in integer
 * minor units and time in epoch milliseconds, both well inside 2^53, and the
 * rest of the code expects numbers from either dialect. A value that would
 * not fit is an error, never a silently rounded amount.
 */
import { type DatabaseConnection, type Driver, PostgresDialect, PostgresDriver, type TransactionSettings } from 'kysely';
import pg from 'pg';
import { redactUrl } from '../shared/redact.js';
import { beginFenced, type WriteFence } from './write-fence.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function toSafeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) && !(Number.isFinite(value) && text.includes('.'))) {
    throw new RangeError(`database value ${text} does not fit a JavaScript number`);
  }
  return value;
}

const ledgerTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return toSafeNumber;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresLedgerOptions {
  url: string;
  poolSize: number;
}

export function createPostgresPool(options: PostgresLedgerOptions): pg.Pool {
  return new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    types: ledgerTypes,
    connectionTimeoutMillis: 10_000,
    application_name: 'payout-recon',
  });
}

/** Checks the write fence (if any) at the start of every transaction (see `write-fence.ts`). */
class FencedPostgresDriver extends PostgresDriver {
  readonly #fence: WriteFence;

  constructor(pool: pg.Pool, fence: WriteFence) {
    super({ pool });
    this.#fence = fence;
  }

  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // A read-only transaction writes nothing to fence (and may not lock rows).
    const fence = settings.accessMode === 'read only' ? undefined : this.#fence;
    await beginFenced(connection, 'postgres', fence, () => super.beginTransaction(connection, settings));
  }
}

class FencedPostgresDialect extends PostgresDialect {
  readonly #pool: pg.Pool;
  readonly #fence: WriteFence;

  constructor(pool: pg.Pool, fence: WriteFence) {
    super({ pool });
    this.#pool = pool;
    this.#fence = fence;
  }

  override createDriver(): Driver {
    return new FencedPostgresDriver(this.#pool, this.#fence);
  }
}

export function createPostgresDialect(pool: pg.Pool, fence?: WriteFence): PostgresDialect {
  return fence ? new FencedPostgresDialect(pool, fence) : new PostgresDialect({ pool });
}

/** The URL with its password (userinfo and `password`/`sslpassword` parameters) hidden, for messages. */
export function redactPostgresUrl(url: string): string {
  return redactUrl(url);
}
