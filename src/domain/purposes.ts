/**
 * Remittance purposes, as Smart Glocal lists them (the provider's table of
 * `payment_method.global.description` values). Reports group by these codes;
 * a payout whose purpose is not known is grouped as `UNSPECIFIED`.
 */
export const PURPOSES = {
  COMPUTER_SERVICES: 'Computer service',
  FAMILY_SUPPORT: 'Family support',
  EDUCATION: 'Education',
  GIFT_AND_DONATION: 'Gift and other donations',
  MEDICAL_TREATMENT: 'Medical treatment',
  MAINTENANCE_EXPENSES: 'Maintenance or other expenses',
  TRAVEL: 'Travel',
  SMALL_VALUE_REMITTANCE: 'Small value remittance',
  LIBERALIZED_REMITTANCE: 'Liberalized remittance',
  CONSTRUCTION_EXPENSES: 'Construction expenses',
  HOTEL_ACCOMMODATION: 'Hotel accommodation',
  ADVERTISING_EXPENSES: 'Advertising and/or public relations related expenses',
  ADVISORY_FEES: 'Fees for advisory or consulting service',
  BUSINESS_INSURANCE: 'Business related insurance payment',
  INSURANCE_CLAIMS: 'Insurance claims payment',
  DELIVERY_FEES: 'Delivery fees',
  EXPORTED_GOODS: 'Payments for exported goods',
  SERVICE_CHARGES: 'Payment for services',
  LOAN_PAYMENT: 'Payment of loans',
  OFFICE_EXPENSES: 'Office expenses',
  PROPERTY_PURCHASE: 'Residential property purchase',
  PROPERTY_RENTAL: 'Property rental payment',
  ROYALTY_FEES: 'Royalty, trademark, patent and copyright fees',
  SHARES_INVESTMENT: 'Investment in shares',
  FUND_INVESTMENT: 'Fund investment',
  TAX_PAYMENT: 'Tax payment',
  TRANSPORTATION_FEES: 'Transportation fees',
  UTILITY_BILLS: 'Utility bills',
  PERSONAL_TRANSFER: 'Personal transfer',
  SALARY_PAYMENT: 'Payment of salary',
  REWARD_PAYMENT: 'Payment of rewards',
  INFLUENCER_PAYMENT: 'Payment of Influencer',
  OTHER_FEES: 'Broker, commitment, guarantee and other fees',
  OTHER: 'Other purposes',
} as const satisfies Record<string, string>;

export type PurposeCode = keyof typeof PURPOSES;
export const UNSPECIFIED_PURPOSE = 'UNSPECIFIED';

export const PURPOSE_CODES = Object.keys(PURPOSES) as PurposeCode[];

export function isPurposeCode(value: string): value is PurposeCode {
  return Object.hasOwn(PURPOSES, value);
}

export function purposeDescription(code: string): string {
  return isPurposeCode(code) ? PURPOSES[code] : 'Purpose not known';
}

// Longest codes first, so OTHER_FEES is found before OTHER. Compiled once: a sync resolves a million descriptions.
const CODES_BY_LENGTH = [...PURPOSE_CODES]
  .sort((a, b) => b.length - a.length)
  .map((code) => [code, new RegExp(`(^|[^A-Z0-9_])${code}([^A-Z0-9_]|$)`)] as const);
const DESCRIPTIONS = PURPOSE_CODES.map((code) => [PURPOSES[code].toLowerCase(), code] as const).sort(
  (a, b) => b[0].length - a[0].length,
);

/**
 * Finds the remittance purpose in free text (a payout description): an exact
 * code, a code inside the text (as a whole word), or the purpose's
 * description, all case-insensitive. Null when none is found.
 */
export function resolvePurpose(text: string | null | undefined): PurposeCode | null {
  if (!text) return null;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const upper = trimmed.toUpperCase();
  if (isPurposeCode(upper)) return upper;
  for (const [code, pattern] of CODES_BY_LENGTH) {
    if (pattern.test(upper)) return code;
  }
  const lower = trimmed.toLowerCase();
  for (const [description, code] of DESCRIPTIONS) {
    if (lower.includes(description)) return code;
  }
  return null;
}
