/**
 * The small tables behind the sandbox's payout columns: a column holds an
 * index (currency, country, description), the table holds the value and its
 * JSON fragment, built once. Status objects are cached per (status, reason,
 * encoding flags).
 */
import {
  buildDescriptions,
  COUNTRIES_BY_CURRENCY,
  jsonString,
  REASONS,
  type SandboxReason,
  STATUS_INFO,
} from './smart2pay-sandbox-catalog.js';

/** Encoding flags of a payout row (the provider sends both forms). */
export const FLAG_AMOUNT_STRING = 1;
export const FLAG_REASONS_NULL = 2;
export const FLAG_CODE_STRING = 4;
/** The payout has an entry in the book's overrides. */
export const FLAG_OVERRIDE = 8;

export class PayoutValueTables {
  readonly #currencies: string[] = [];
  readonly #countries: (string | null)[] = [null];
  readonly descriptions: readonly (string | null)[];
  readonly #descJson: string[];
  readonly #statusJson = new Map<number, string>();
  readonly #currencyIndex = new Map<string, number>();
  readonly #countryIndex = new Map<string, number>();
  /** `BillingAddress` objects per country index (0: null). */
  readonly #countryJson: string[] = ['null'];

  constructor() {
    this.descriptions = [null, ...buildDescriptions()];
    this.#descJson = this.descriptions.map(jsonString);
    for (const c of Object.keys(COUNTRIES_BY_CURRENCY)) this.currencyIndexOf(c);
  }

  currency(index: number): string {
    return this.#currencies[index] ?? 'EUR';
  }

  country(index: number): string | null {
    return this.#countries[index] ?? null;
  }

  countryJson(index: number): string {
    return this.#countryJson[index] ?? 'null';
  }

  descriptionJson(index: number): string {
    return this.#descJson[index] ?? 'null';
  }

  /** Index of a known currency; -2 when the sandbox has none such (a filter that matches nothing). */
  findCurrency(code: string): number {
    return this.#currencyIndex.get(code.toUpperCase()) ?? -2;
  }

  findCountry(code: string): number {
    return this.#countryIndex.get(code.toUpperCase()) ?? -2;
  }

  currencyIndexOf(code: string): number {
    let i = this.#currencyIndex.get(code);
    if (i === undefined) {
      i = this.#currencies.length;
      if (i > 255) throw new RangeError('the sandbox knows at most 256 currencies');
      this.#currencies.push(code);
      this.#currencyIndex.set(code, i);
    }
    return i;
  }

  countryIndexOf(code: string | null): number {
    if (code === null) return 0;
    let i = this.#countryIndex.get(code);
    if (i === undefined) {
      i = this.#countries.length;
      if (i > 255) throw new RangeError('the sandbox knows at most 255 countries');
      this.#countries.push(code);
      this.#countryIndex.set(code, i);
      this.#countryJson.push(
        `{"ID":${9600 + i},"City":"Iasi","ZipCode":"700049","State":null,"Street":"Sf Lazar","StreetNumber":"37","HouseNumber":null,"HouseExtension":null,"Country":"${code}"}`,
      );
    }
    return i;
  }

  /** The `Status` object of a status ID with one of the catalog's reasons (cached). */
  statusFragment(statusId: number, reasonIdx: number, flags: number): string {
    const key = statusId * 1024 + reasonIdx * 8 + (flags & (FLAG_REASONS_NULL | FLAG_CODE_STRING));
    let json = this.#statusJson.get(key);
    if (json === undefined) {
      const reason = REASONS[reasonIdx];
      json = this.customStatusJson(statusId, reason ? [reason] : [], flags);
      this.#statusJson.set(key, json);
    }
    return json;
  }

  customStatusJson(statusId: number, reasons: readonly SandboxReason[], flags: number): string {
    const info = STATUS_INFO[statusId] ?? null;
    const list =
      reasons.length === 0
        ? flags & FLAG_REASONS_NULL
          ? 'null'
          : '[]'
        : `[${reasons.map((r) => `{"Code":${flags & FLAG_CODE_STRING ? `"${r.code}"` : r.code},"Info":${JSON.stringify(r.info)}}`).join(',')}]`;
    return `{"ID":${statusId},"Info":${jsonString(info)},"Reasons":${list}}`;
  }
}
