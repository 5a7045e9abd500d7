import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseListBody } from '../../src/providers/smart2pay/client.js';
import { createSmart2PayMapper, smart2payMethod } from '../../src/providers/smart2pay/mapping.js';
import { fastParsePayout, smart2payPayoutSchema } from '../../src/providers/smart2pay/schemas.js';
import { MalformedResponseError } from '../../src/shared/http/provider-http-client.js';

/** The first payout of the provider's documentation, verbatim. */
const DOC_PAYOUT = {
  ID: 214,
  SiteID: 1010,
  Created: '20181016133234',
  MerchantTransactionID: 'test_h4',
  OriginatorTransactionID: null,
  Amount: '1000',
  Currency: 'EUR',
  Description: 'payment product',
  StatementDescriptor: null,
  Status: { ID: 2, Info: 'Success', Reasons: [] },
};

const body = (...payouts: unknown[]) => JSON.stringify({ Payouts: payouts });

const mapper = createSmart2PayMapper({
  timezone: 'UTC',
  amountDecimals: 'two',
  methodIds: { '1': 'bank_account', '97': 'wallet' },
  cardApi: false,
});

function mapOne(payout: unknown) {
  const [item] = parseListBody(body(payout));
  return mapper(item!);
}

describe('Smart2Pay response schemas', () => {
  it('reads the documented payout', () => {
    const obs = mapOne(DOC_PAYOUT);
    expect(obs).toMatchObject({
      provider: 'smart2pay',
      providerPayoutId: '214',
      merchantTransactionId: 'test_h4',
      siteId: '1010',
      amount: 1000,
      currency: 'EUR',
      createdAt: Date.UTC(2018, 9, 16, 13, 32, 34),
      status: 'succeeded',
      providerStatus: '2',
      providerStatusInfo: 'Success',
      reasons: [],
      method: 'unknown',
      providerMethod: null,
      purpose: null,
      country: null,
      description: 'payment product',
    });
    expect(JSON.parse(obs.raw)).toEqual(DOC_PAYOUT);
  });

  it('takes Amount, ID, MethodID and reason Code as numbers or digit strings, Reasons as [] or null', () => {
    const a = mapOne({ ...DOC_PAYOUT, Amount: 1154, ID: '215', MethodID: '1', Status: { ID: 4, Info: 'Failed', Reasons: [{ Code: '5065', Info: 'Card not found' }] } });
    expect(a).toMatchObject({ amount: 1154, providerPayoutId: '215', providerMethod: '1', method: 'bank_account', status: 'failed' });
    expect(a.reasons).toEqual([{ code: '5065', info: 'Card not found' }]);
    const b = mapOne({ ...DOC_PAYOUT, Status: { ID: 4, Info: 'Failed', Reasons: [{ Code: 5065, Info: null }] } });
    expect(b.reasons).toEqual([{ code: '5065', info: null }]);
    expect(mapOne({ ...DOC_PAYOUT, Status: { ID: 1, Info: 'Open', Reasons: null } }).reasons).toEqual([]);
    expect(mapOne({ ...DOC_PAYOUT, Status: { ID: 1, Info: 'Open' } }).reasons).toEqual([]);
  });

  it('keeps unknown status IDs raw, normalized to unknown, and unknown fields in the raw payload', () => {
    const obs = mapOne({ ...DOC_PAYOUT, Status: { ID: 26, Info: 'Whatever', Reasons: [] }, Brand: { New: true } });
    expect(obs.status).toBe('unknown');
    expect(obs.providerStatus).toBe('26');
    expect(JSON.parse(obs.raw)).toMatchObject({ Brand: { New: true } });
    expect(mapOne({ ...DOC_PAYOUT, Status: { ID: null, Info: null, Reasons: [] } })).toMatchObject({ status: 'unknown', providerStatus: null });
  });

  it('refuses what the ledger needs in a wrong shape, naming the row, the payout and the field', () => {
    const bad = (patch: Record<string, unknown>, pattern: RegExp) => {
      const error = (() => {
        try {
          parseListBody(body(DOC_PAYOUT, { ...DOC_PAYOUT, ID: 300, ...patch }));
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect((error as Error).message).toMatch(pattern);
    };
    bad({ Amount: '12,5x' }, /^Payouts\[1\] \(ID 300\): Amount must be an integer amount in minor units \(number or digit string\), got "12,5x"$/);
    bad({ Amount: -5 }, /Amount must be an integer amount/);
    bad({ Amount: 10.5 }, /Amount must be an integer amount/);
    bad({ Created: '2018-10-16' }, /Created must be a YYYYMMDDHHMMSS date-time, got "2018-10-16"/);
    bad({ Currency: 42 }, /Currency must be an ISO 4217 currency code, got 42/);
    bad({ Status: 'Success' }, /Status must be a status object/);
    bad({ Status: { Info: 'Success' } }, /Status\.ID is missing/);
    bad({ Status: { ID: 2, Reasons: [{ Code: {}, Info: 'x' }] } }, /Status\.Reasons\[0\]\.Code must be a number or string/);
    bad({ Created: undefined }, /Created is missing/);
    expect(() => parseListBody('{"Payouts": [tru')).toThrow(/the body is not JSON/);
    expect(() => parseListBody('{"Items": []}')).toThrow(/Payouts is missing/);
    expect(() => parseListBody('{"Payouts": {}}')).toThrow(/Payouts must be a list/);
    expect(parseListBody('{"Payouts": null}')).toEqual([]);
  });

  it('the fast path answers exactly as the zod schema, or leaves the decision to it', () => {
    const scalar = fc.oneof(
      fc.integer({ min: -5, max: 2 ** 53 + 10 }),
      fc.double(),
      fc.string({ maxLength: 20 }),
      fc.stringMatching(/^\d{1,17}$/),
      fc.stringMatching(/^ ?\d{1,4} ?$/),
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
    );
    const reason = fc.oneof(fc.record({ Code: scalar, Info: scalar }, { requiredKeys: [] }), scalar, fc.array(scalar, { maxLength: 2 }));
    const status = fc.oneof(
      fc.record({ ID: scalar, Info: scalar, Reasons: fc.oneof(fc.array(reason, { maxLength: 3 }), scalar) }, { requiredKeys: [] }),
      scalar,
    );
    const payout = fc.record(
      {
        ID: fc.oneof(fc.nat(), scalar),
        SiteID: scalar,
        Created: fc.oneof(fc.stringMatching(/^\d{14}$/), scalar),
        MethodID: scalar,
        MerchantTransactionID: scalar,
        Amount: fc.oneof(fc.nat(), fc.stringMatching(/^\d{1,12}$/), scalar),
        Currency: fc.oneof(fc.stringMatching(/^[A-Za-z]{3}$/), scalar),
        Description: scalar,
        Status: status,
        BillingAddress: fc.oneof(fc.record({ Country: scalar }, { requiredKeys: [] }), scalar, fc.array(scalar, { maxLength: 1 })),
        Details: fc.oneof(fc.record({ CustomerIBAN: scalar }), scalar),
        Card: scalar,
        Extra: scalar,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(payout, (value) => {
        const fast = fastParsePayout(value);
        const slow = smart2payPayoutSchema.safeParse(value);
        if (fast !== undefined) {
          expect(slow.success).toBe(true);
          expect(fast).toEqual(slow.data);
        }
      }),
      { numRuns: 3000 },
    );
    // And the usual shapes do take the fast path.
    expect(fastParsePayout(DOC_PAYOUT)).toEqual(smart2payPayoutSchema.parse(DOC_PAYOUT));
  });
});

describe('Smart2Pay payout mapping', () => {
  it('rescales "last two digits are decimals" to each currency exponent', () => {
    expect(mapOne({ ...DOC_PAYOUT, Amount: '150000', Currency: 'JPY' }).amount).toBe(1500); // ¥1,500
    expect(mapOne({ ...DOC_PAYOUT, Amount: 1234, Currency: 'KWD' }).amount).toBe(12340); // 12.34 KWD = 12.340
    expect(mapOne({ ...DOC_PAYOUT, Amount: 1154, Currency: 'eur' })).toMatchObject({ amount: 1154, currency: 'EUR' });
    const [item] = parseListBody(body({ ...DOC_PAYOUT, Amount: 12345, Currency: 'JPY' }));
    expect(() => mapper(item!)).toThrow(/Amount 12345 JPY: amount 12345 has decimals that a currency with 0 decimals cannot hold/);
    const iso = createSmart2PayMapper({ timezone: 'UTC', amountDecimals: 'iso', methodIds: {}, cardApi: false });
    expect(iso(item!).amount).toBe(12345);
  });

  it('reads Created in the provider zone', () => {
    const bucharest = createSmart2PayMapper({ timezone: 'Europe/Bucharest', amountDecimals: 'two', methodIds: {}, cardApi: false });
    const [summer] = parseListBody(body({ ...DOC_PAYOUT, Created: '20260715120000' }));
    const [winter] = parseListBody(body({ ...DOC_PAYOUT, Created: '20260115120000' }));
    expect(bucharest(summer!).createdAt).toBe(Date.UTC(2026, 6, 15, 9, 0, 0));
    expect(bucharest(winter!).createdAt).toBe(Date.UTC(2026, 0, 15, 10, 0, 0));
    const [invalid] = parseListBody(body({ ...DOC_PAYOUT, Created: '20261345000000' }));
    expect(() => mapper(invalid!)).toThrow(/Created "20261345000000" is not a valid date and time/);
  });

  it('finds the method in MethodID, then Details, then card details or the card API, else unknown', () => {
    const opts = { methodIds: { '1': 'bank_account', '97': 'wallet', '5': 'card' } as const, cardApi: false };
    const method = (patch: Record<string, unknown>, cardApi = false) =>
      smart2payMethod(smart2payPayoutSchema.parse({ ...DOC_PAYOUT, ...patch }), { ...opts, cardApi });
    expect(method({ MethodID: 1 })).toBe('bank_account');
    expect(method({ MethodID: 97 })).toBe('wallet');
    expect(method({ Details: { CustomerIBAN: 'DE89370400440532013000' } })).toBe('bank_account');
    expect(method({ Details: [{ CustomerBankAccountID: '123' }] })).toBe('bank_account');
    expect(method({ Details: { CryptoAddress: 'bc1q...', CryptoCurrency: 'BTC' } })).toBe('wallet');
    expect(method({ MethodID: 4242, Details: { CustomerIBAN: 'X' } })).toBe('bank_account');
    expect(method({ Card: { HolderName: 'J. Doe' } })).toBe('card');
    expect(method({}, true)).toBe('card');
    expect(method({ MethodID: 4242 }, true)).toBe('unknown');
    expect(method({})).toBe('unknown');
    expect(method({ Details: null })).toBe('unknown');
  });

  it('finds the purpose in the description and the country in the billing address', () => {
    expect(mapOne({ ...DOC_PAYOUT, Description: 'SALARY_PAYMENT' }).purpose).toBe('SALARY_PAYMENT');
    expect(mapOne({ ...DOC_PAYOUT, Description: 'Payout OTHER_FEES ref 12' }).purpose).toBe('OTHER_FEES');
    expect(mapOne({ ...DOC_PAYOUT, Description: 'family support for Maria' }).purpose).toBe('FAMILY_SUPPORT');
    expect(mapOne({ ...DOC_PAYOUT, Description: null }).purpose).toBeNull();
    expect(mapOne({ ...DOC_PAYOUT, BillingAddress: { City: 'Iasi', Country: 'ro' } }).country).toBe('RO');
    expect(mapOne({ ...DOC_PAYOUT, BillingAddress: null }).country).toBeNull();
  });
});
