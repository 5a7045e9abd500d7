/**
 * Every migration, by name. Listed statically (not read from the folder at
 * run time) so the same list works from sources, from `dist/` and in tests.
 * Names sort in the order they run; never rename or edit one that has shipped.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_ledger.js';
import * as m0002Matching from './0002_matching.js';

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_ledger': m0001,
  '0002_matching': m0002Matching,
});
