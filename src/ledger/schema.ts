/**
 * Typed table interfaces of the ledger, as Kysely sees them.
 *
 * Conventions, the same on SQLite and PostgreSQL:
 * - money: `bigint` integer minor units (`amount`), with its `currency`;
 * - time: `bigint` epoch milliseconds, UTC (`*_at` columns);
 * - flags: `integer` 0/1; JSON documents: `text`;
 * - ids: integer surrogate keys; provider identifiers are text.
 * Row ↔ domain conversion lives in `src/ledger/mapping.ts`.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Epoch milliseconds UTC. */
type Instant = number;
/** Integer minor units. */
type Minor = number;
/** JSON text. */
type Json = string;

export interface PayoutsTable {
  id: Generated<number>;
  /** `smart2pay` or `smartglocal`. */
  provider: string;
  /** The provider's ID of the payout (Smart2Pay integer as text, Smart Glocal `po_…`). */
  provider_payout_id: string;
  merchant_transaction_id: string | null;
  /** Smart Glocal payment session the payout belongs to; null for Smart2Pay. */
  session_id: string | null;
  site_id: string | null;
  amount: Minor;
  currency: string;
  created_at: Instant;
  /** Normalized: open, authorized, pending, succeeded, failed, cancelled, expired, unknown. */
  status: string;
  /** The provider's own status (`2`, `succeeded`…), kept raw. */
  provider_status: string | null;
  provider_status_info: string | null;
  /** JSON array of `{code, info}`. */
  reasons: Json | null;
  /** bank_account, wallet, card or unknown. */
  method: string;
  /** The provider's method code (Smart2Pay MethodID, Smart Glocal payment_method.type). */
  provider_method: string | null;
  purpose: string | null;
  /** Where the purpose came from: provider, internal (the matched record), manual. */
  purpose_source: string | null;
  country: string | null;
  description: string | null;
  /** The last payload seen from the provider, as received. */
  raw: Json;
  first_seen_at: Instant;
  updated_at: Instant;
  status_changed_at: Instant;
  /** When the payout was first seen in a final status; null while not final. */
  final_at: Instant | null;
  last_polled_at: Instant | null;
}

export interface PayoutStatusHistoryTable {
  id: Generated<number>;
  payout_id: number;
  status: string;
  previous_status: string | null;
  provider_status: string | null;
  provider_status_info: string | null;
  reasons: Json | null;
  /** list, get, poll, notification, webhook. */
  source: string;
  observed_at: Instant;
  /** 1 when a succeeded payout moved to another status. */
  regression: number;
}

export interface SyncStateTable {
  /** e.g. `smart2pay:payouts`. */
  key: string;
  /** Everything created before this instant has been stored. */
  watermark: Instant | null;
  details: Json | null;
  updated_at: Instant;
}

export interface ImportsTable {
  id: Generated<number>;
  /** internal, topups, provider-report. */
  kind: string;
  file_name: string;
  file_sha256: string;
  started_at: Instant;
  finished_at: Instant | null;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface InternalRecordsTable {
  id: Generated<number>;
  internal_id: string;
  /** The value compared with MerchantTransactionID (config `matching.reference`). */
  reference: string;
  amount: Minor;
  currency: string;
  created_at: Instant;
  method: string | null;
  purpose: string | null;
  country: string | null;
  /** What the company believes: succeeded, failed, pending, cancelled, or null. */
  status: string | null;
  /** Hash of the normalized fields, to tell an updated export from a repeated one. */
  content_hash: string;
  first_import_id: number | null;
  last_import_id: number | null;
  imported_at: Instant;
  updated_at: Instant;
}

export interface InternalRecordChangesTable {
  id: Generated<number>;
  internal_record_id: number;
  import_id: number | null;
  changed_at: Instant;
  /** JSON `{field: [before, after]}`. */
  changes: Json;
}

export interface ReconciliationRunsTable {
  id: Generated<number>;
  started_at: Instant;
  finished_at: Instant | null;
  period_from: Instant | null;
  period_to: Instant | null;
  /** running, completed, failed. */
  status: string;
  matched: number;
  /** JSON `{kind: count}` of open exceptions after the run. */
  exception_counts: Json | null;
  duration_ms: number | null;
  error: string | null;
}

export interface MatchesTable {
  id: Generated<number>;
  payout_id: number;
  internal_record_id: number;
  /** reference, tolerance, manual. */
  method: string;
  /** 0-100. */
  confidence: number;
  run_id: number | null;
  created_at: Instant;
  /** matcher or user. */
  created_by: string;
  note: string | null;
}

export interface ExceptionsTable {
  id: Generated<number>;
  kind: string;
  /** open, resolved, ignored. */
  status: string;
  payout_id: number | null;
  internal_record_id: number | null;
  /** Identity of the condition (kind and subjects): a re-run updates, never duplicates. */
  fingerprint: string;
  /** One line for people: what differs, with both values. */
  summary: string;
  /** JSON diagnostics: nearest candidate, differing fields with both values. */
  details: Json;
  opened_at: Instant;
  updated_at: Instant;
  closed_at: Instant | null;
  /** user or system (closed automatically because its cause disappeared). */
  resolved_by: string | null;
  resolution_note: string | null;
  first_run_id: number | null;
  last_run_id: number | null;
}

export interface ExceptionEventsTable {
  id: Generated<number>;
  exception_id: number;
  at: Instant;
  /** opened, updated, auto_closed, reopened, resolved, ignored. */
  event: string;
  note: string | null;
  run_id: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Instant;
  actor: string;
  /** resolve, ignore, match, unmatch, … */
  action: string;
  payout_id: number | null;
  internal_record_id: number | null;
  exception_id: number | null;
  details: Json | null;
}

export interface BalanceSnapshotsTable {
  id: Generated<number>;
  provider: string;
  wallet_id: string | null;
  currency: string;
  amount: Minor;
  taken_at: Instant;
}

export interface BalanceMovementsTable {
  id: Generated<number>;
  /** topup, refund. */
  kind: string;
  provider: string | null;
  currency: string;
  /** Positive: money onto the prefunding balance. */
  amount: Minor;
  occurred_at: Instant;
  /** Unique per kind: the bank reference of a top-up, the operationId of a report row. */
  reference: string;
  import_id: number | null;
  payout_id: number | null;
  details: Json | null;
  created_at: Instant;
}

export interface AlertsTable {
  id: Generated<number>;
  kind: string;
  /** The condition, e.g. `low_balance:EUR`: one firing alert per key at a time. */
  condition_key: string;
  /** info, warning, critical. */
  severity: string;
  title: string;
  text: string;
  details: Json | null;
  /** firing, resolved. */
  state: string;
  first_fired_at: Instant;
  last_notified_at: Instant | null;
  notify_count: number;
  resolved_at: Instant | null;
}

export interface AlertDeliveriesTable {
  id: Generated<number>;
  alert_id: number;
  /** webhook, log. */
  channel: string;
  /** The webhook host (never the full URL: it may carry a token). */
  target: string | null;
  /** fired, reminder, resolved. */
  event: string;
  attempted_at: Instant;
  attempts: number;
  ok: number;
  http_status: number | null;
  error: string | null;
}

export interface JobRunsTable {
  id: Generated<number>;
  job: string;
  replica: string | null;
  started_at: Instant;
  finished_at: Instant | null;
  /**
   * running, succeeded, failed, cancelled (stopped by a shutdown; its tick is
   * run again at the next start), abandoned (its replica died or overran the
   * shutdown grace; the work it had not committed was rolled back).
   */
  outcome: string;
  error: string | null;
  /** JSON summary the job returned. */
  details: Json | null;
  /** The schedule tick this run was for (0002). */
  scheduled_at: Instant | null;
  /** schedule, catch-up (missed while no daemon ran) or takeover (a dead replica's lease) (0002). */
  trigger: string | null;
}

export interface JobStateTable {
  job: string;
  /** Finish time of the last successful run. */
  last_success_at: Instant | null;
  /** Start time of the last run. */
  last_run_at: Instant | null;
  /** Failed runs since the last success (shared by every replica). */
  consecutive_failures: number;
  /** Replica running the job now; null when nobody is. */
  lease_owner: string | null;
  /** The lease is void after this instant unless renewed: a dead replica's job is taken over. */
  lease_expires_at: Instant | null;
  /** The schedule tick most recently claimed: one replica wins each tick (0002). */
  last_tick_at: Instant | null;
  /** A tick that failed for good; the next start runs it once more (0009). */
  retry_tick_at: Instant | null;
  /** When the current run of failed ticks began; null after a success (0009). */
  failing_since: Instant | null;
}

export interface NotificationInboxTable {
  id: Generated<number>;
  /** `smart2pay` or `smartglocal`. */
  provider: string;
  /** How it reached us: `notification` (Smart2Pay) or `webhook` (Smart Glocal). */
  source: string;
  /** SHA-256 (hex) of the body bytes: a resent or replayed delivery is the same row (0007). */
  body_sha256: string;
  /** What it is about: the Smart2Pay payout ID, the Smart Glocal session ID. */
  subject: string;
  /** The body as received (UTF-8). */
  body: string;
  received_at: Instant;
  last_received_at: Instant;
  /** Times this exact body was received. */
  deliveries: number;
  /** received (not yet confirmed), confirmed, rejected. */
  status: string;
  /** Processing attempts so far (claims). */
  attempts: number;
  /** Not processed again before this instant (a claim's lease, or the back-off after a failure). */
  next_attempt_at: Instant;
  processed_at: Instant | null;
  /** rejected: why; received: the last failure; confirmed: what the API said differently, if anything. */
  note: string | null;
}

/** A closed period (0008). `state`: closed, or reopened (kept for the audit trail). */
export interface PeriodClosesTable {
  id: Generated<number>;
  /** `2026-10`, `2026-10-01_2026-10-15`. */
  label: string;
  period_from: Instant;
  period_to: Instant;
  /** The reporting zone the period was cut in. */
  zone: string;
  state: string;
  closed_at: Instant;
  closed_by: string;
  note: string | null;
  payouts: number;
  /** JSON `[{currency, count, amount, paid_out}]`. */
  totals: Json;
  /** JSON: the closed pack's Summary (without its generation time). */
  summary: Json | null;
  /** JSON `[{file, sha256}]`, paths relative to the reports folder. */
  manifest: Json | null;
  pack_dir: string | null;
  reopened_at: Instant | null;
  reopened_by: string | null;
  reopen_note: string | null;
}

/** A payout of a closed period as its closed pack reported it (0008). */
export interface ClosedPayoutsTable {
  id: Generated<number>;
  close_id: number;
  payout_id: number;
  provider: string;
  provider_payout_id: string;
  merchant_transaction_id: string | null;
  created_at: Instant;
  amount: Minor;
  currency: string;
  status: string;
  provider_status: string | null;
  reasons: Json | null;
  method: string;
  purpose: string | null;
  country: string | null;
  description: string | null;
  internal_id: string | null;
  /** matched, an exception kind, or unreconciled. */
  reconciliation: string;
  /** none, suspected or confirmed (manual refund). */
  refund_state: string;
}

/** A closed pack's exceptions, refunds and balance rows, as written (0008). */
export interface ClosedPackRowsTable {
  id: Generated<number>;
  close_id: number;
  section: string;
  chunk: number;
  /** JSON array of the section's rows. */
  rows: Json;
}

/** A change to a payout of a closed period, booked when detected (0008). */
export interface PayoutAdjustmentsTable {
  id: Generated<number>;
  close_id: number;
  payout_id: number;
  /** 1, 2, … per (close, payout): a difference is recorded once. */
  seq: number;
  detected_at: Instant;
  what_changed: string;
  before_value: string | null;
  after_value: string | null;
  currency: string;
  amount_effect: Minor;
  /** JSON: the payout's state after this adjustment (what the next detection compares with). */
  state_after: Json;
}

export interface LedgerDatabase {
  payouts: PayoutsTable;
  payout_status_history: PayoutStatusHistoryTable;
  sync_state: SyncStateTable;
  imports: ImportsTable;
  internal_records: InternalRecordsTable;
  internal_record_changes: InternalRecordChangesTable;
  reconciliation_runs: ReconciliationRunsTable;
  matches: MatchesTable;
  exceptions: ExceptionsTable;
  exception_events: ExceptionEventsTable;
  audit_log: AuditLogTable;
  balance_snapshots: BalanceSnapshotsTable;
  balance_movements: BalanceMovementsTable;
  alerts: AlertsTable;
  alert_deliveries: AlertDeliveriesTable;
  job_runs: JobRunsTable;
  job_state: JobStateTable;
  notification_inbox: NotificationInboxTable;
  period_closes: PeriodClosesTable;
  closed_payouts: ClosedPayoutsTable;
  closed_pack_rows: ClosedPackRowsTable;
  payout_adjustments: PayoutAdjustmentsTable;
}

export type PayoutRow = Selectable<PayoutsTable>;
export type NewPayoutRow = Insertable<PayoutsTable>;
export type PayoutRowUpdate = Updateable<PayoutsTable>;
export type InternalRecordRow = Selectable<InternalRecordsTable>;
export type ExceptionRow = Selectable<ExceptionsTable>;
