/**
 * Puts rows in every ledger table (with real foreign keys between them), for
 * tests that must prove something holds for the whole ledger, such as
 * copy-ledger. Amounts and times include the extremes (2^53 − 1 minor units).
 */
import type { Ledger } from '../../src/ledger/ledger.js';

/** Fills every table; `payouts` is at least 3 (matches and exceptions need distinct payouts). */
export async function fillEveryTable(ledger: Ledger, payouts = 25): Promise<void> {
  const t0 = Date.parse('2026-10-01T00:00:00Z');
  await ledger.transaction(async (trx) => {
    const payoutIds: number[] = [];
    for (let i = 0; i < Math.max(3, payouts); i++) {
      const { id } = await trx
        .insertInto('payouts')
        .values({
          provider: i % 5 === 0 ? 'smartglocal' : 'smart2pay',
          provider_payout_id: i % 5 === 0 ? `po_${1000 + i}` : String(5000 + i),
          merchant_transaction_id: `M-${i}`,
          session_id: i % 5 === 0 ? `ps_${i}` : null,
          site_id: '1010',
          amount: i === 0 ? Number.MAX_SAFE_INTEGER : 1000 + i * 137,
          currency: i % 3 === 0 ? 'EUR' : 'USD',
          created_at: t0 + i * 60_000,
          status: i % 4 === 0 ? 'failed' : 'succeeded',
          provider_status: i % 4 === 0 ? '4' : '2',
          provider_status_info: i % 4 === 0 ? 'Failed' : 'Success',
          reasons: i % 4 === 0 ? '[{"code":"5065","info":"Card not found"}]' : '[]',
          method: 'bank_account',
          provider_method: '1',
          purpose: 'FAMILY_SUPPORT',
          purpose_source: 'provider',
          country: 'RO',
          description: `FAMILY_SUPPORT payout ${i} — ünïcødé`,
          raw: JSON.stringify({ ID: 5000 + i, Extra: { nested: true } }),
          first_seen_at: t0,
          updated_at: t0,
          status_changed_at: t0,
          final_at: t0,
          last_polled_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      payoutIds.push(id);
      await trx
        .insertInto('payout_status_history')
        .values({ payout_id: id, status: 'succeeded', previous_status: null, provider_status: '2', provider_status_info: 'Success', reasons: '[]', source: 'list', observed_at: t0, regression: 0 })
        .execute();
    }
    await trx.insertInto('sync_state').values({ key: 'smart2pay:payouts', watermark: t0 + 86_400_000, details: '{"windows":3}', updated_at: t0 }).execute();
    const { id: importId } = await trx
      .insertInto('imports')
      .values({ kind: 'internal', file_name: 'records.csv', file_sha256: 'ab'.repeat(32), started_at: t0, finished_at: t0 + 1, rows: 2, inserted: 2, updated: 0, unchanged: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const recordIds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { id } = await trx
        .insertInto('internal_records')
        .values({ internal_id: `M-${i}`, reference: `M-${i}`, amount: 1000 + i * 137, currency: 'EUR', created_at: t0, method: 'bank_account', purpose: null, country: 'RO', status: 'succeeded', content_hash: `h${i}`, first_import_id: importId, last_import_id: importId, imported_at: t0, updated_at: t0 })
        .returning('id')
        .executeTakeFirstOrThrow();
      recordIds.push(id);
    }
    await trx.insertInto('internal_record_changes').values({ internal_record_id: recordIds[0]!, import_id: importId, changed_at: t0, changes: '{"amount":["10.00","12.00"]}' }).execute();
    const { id: runId } = await trx
      .insertInto('reconciliation_runs')
      .values({ started_at: t0, finished_at: t0 + 5, period_from: null, period_to: null, status: 'completed', matched: 1, exception_counts: '{"amount_mismatch":1}', duration_ms: 5, error: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('matches').values({ payout_id: payoutIds[1]!, internal_record_id: recordIds[1]!, method: 'reference', confidence: 100, run_id: runId, created_at: t0, created_by: 'matcher', note: null }).execute();
    const { id: exceptionId } = await trx
      .insertInto('exceptions')
      .values({ kind: 'amount_mismatch', status: 'open', payout_id: payoutIds[2]!, internal_record_id: recordIds[2]!, fingerprint: 'amount_mismatch:x', summary: 'amount 1.00 vs 2.00 EUR', details: '{}', opened_at: t0, updated_at: t0, closed_at: null, resolved_by: null, resolution_note: null, first_run_id: runId, last_run_id: runId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('exception_events').values({ exception_id: exceptionId, at: t0, event: 'opened', note: null, run_id: runId }).execute();
    await trx.insertInto('audit_log').values({ at: t0, actor: 'ops', action: 'resolve', payout_id: payoutIds[2]!, internal_record_id: null, exception_id: exceptionId, details: '{"note":"x"}' }).execute();
    await trx.insertInto('balance_snapshots').values({ provider: 'smartglocal', wallet_id: 'w1', currency: 'EUR', amount: 500_000, taken_at: t0 }).execute();
    await trx.insertInto('balance_movements').values({ kind: 'topup', provider: 'smartglocal', currency: 'EUR', amount: 100_000, occurred_at: t0, reference: 'WIRE-1', import_id: importId, payout_id: null, details: null, created_at: t0 }).execute();
    const { id: alertId } = await trx
      .insertInto('alerts')
      .values({ kind: 'low_balance', condition_key: 'low_balance:EUR', severity: 'warning', title: 'Low balance', text: 'EUR balance is low', details: '{}', state: 'firing', first_fired_at: t0, last_notified_at: t0, notify_count: 1, resolved_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('alert_deliveries').values({ alert_id: alertId, channel: 'webhook', target: 'hooks.example.com', event: 'fired', attempted_at: t0, attempts: 1, ok: 1, http_status: 204, error: null }).execute();
    await trx.insertInto('job_runs').values({ job: 'sync', replica: 'r1', started_at: t0, finished_at: t0 + 9, outcome: 'succeeded', error: null, details: '{"fetched":3}', scheduled_at: t0, trigger: 'schedule' }).execute();
    await trx
      .insertInto('notification_inbox')
      .values([
        { provider: 'smart2pay', source: 'notification', body_sha256: 'cd'.repeat(32), subject: '5001', body: '{"Payout":{"ID":5001,"Amount":"Ωmega — ünïcødé"}}', received_at: t0, last_received_at: t0 + 60_000, deliveries: 2, status: 'confirmed', attempts: 1, next_attempt_at: t0 + 120_000, processed_at: t0 + 1, note: 'the notification differed from the API (stored): Amount 100 (API 1137)' },
        { provider: 'smartglocal', source: 'webhook', body_sha256: 'ef'.repeat(32), subject: 'ps_0', body: '{"type":"payment_finished","session":{"id":"ps_0"}}', received_at: t0, last_received_at: t0, deliveries: 1, status: 'received', attempts: 3, next_attempt_at: t0 + 8_000, processed_at: null, note: null },
      ])
      .execute();
    const { id: closeId } = await trx
      .insertInto('period_closes')
      .values({ label: '2026-10', period_from: t0, period_to: t0 + 31 * 86_400_000, zone: 'Europe/Bucharest', state: 'reopened', closed_at: t0, closed_by: 'ana', note: 'October — ü', payouts: 1, totals: '[{"currency":"EUR","count":1,"amount":1000,"paid_out":1000}]', summary: '{"notes":[]}', manifest: '[{"file":"closed/2026-10.1/payouts-2026-10.xlsx","sha256":"00"}]', pack_dir: 'closed/2026-10.1', reopened_at: t0 + 1, reopened_by: 'ana', reopen_note: 'late file' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('closed_payouts').values({ close_id: closeId, payout_id: payoutIds[0]!, provider: 'smart2pay', provider_payout_id: '5000', merchant_transaction_id: 'M-0', created_at: t0, amount: Number.MAX_SAFE_INTEGER, currency: 'EUR', status: 'succeeded', provider_status: '2', reasons: '[]', method: 'bank_account', purpose: null, country: 'RO', description: null, internal_id: 'M-0', reconciliation: 'matched', refund_state: 'none' }).execute();
    await trx.insertInto('closed_pack_rows').values({ close_id: closeId, section: 'exceptions.csv', chunk: 0, rows: '[{"id":1}]' }).execute();
    await trx.insertInto('payout_adjustments').values({ close_id: closeId, payout_id: payoutIds[0]!, seq: 1, detected_at: t0 + 2, what_changed: 'status', before_value: 'succeeded', after_value: 'failed', currency: 'EUR', amount_effect: -Number.MAX_SAFE_INTEGER, state_after: '{"status":"failed"}' }).execute();
    await trx.insertInto('job_state').values({ job: 'sync', last_success_at: t0 + 9, last_run_at: t0, consecutive_failures: 0, lease_owner: null, lease_expires_at: null, last_tick_at: t0 }).execute();
  });
}
