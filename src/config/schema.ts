/**
 * The whole configuration file. Every object is strict (an unknown key is an
 * error: a typo must not pass silently) and every key not given gets the
 * default documented in `config.example.json` and `docs/configuration.md`.
 */
import { z } from 'zod';
import { timeZone } from './fields.js';
import { alertsSection } from './sections/alerts.js';
import { daemonSection } from './sections/daemon.js';
import { databaseSection } from './sections/database.js';
import { filesSection } from './sections/files.js';
import { fileFormatSection } from './sections/file-formats.js';
import { internalRecordsSection } from './sections/internal-records.js';
import { matchingSection } from './sections/matching.js';
import { reportsSection } from './sections/reports.js';
import { scheduleSection } from './sections/schedule.js';
import { serverSection } from './sections/server.js';
import { smart2paySection } from './sections/smart2pay.js';
import { smartglocalSection } from './sections/smartglocal.js';

export const configSchema = z.strictObject({
  /** Reporting zone: report periods and local times in reports are cut here. */
  timezone: timeZone().default('UTC'),
  database: databaseSection,
  smart2pay: smart2paySection.optional(),
  smartglocal: smartglocalSection.optional(),
  internalRecords: internalRecordsSection,
  /** How `import --kind topups` reads numbers and dates. */
  topups: fileFormatSection(),
  matching: matchingSection,
  alerts: alertsSection,
  reports: reportsSection,
  schedule: scheduleSection,
  server: serverSection,
  daemon: daemonSection,
  files: filesSection,
});

/** The parsed, defaulted configuration (amounts already in minor units, instants in epoch ms). */
export type Config = z.output<typeof configSchema>;
export type Smart2PayConfig = NonNullable<Config['smart2pay']>;
export type SmartGlocalConfig = NonNullable<Config['smartglocal']>;
export type HttpClientConfig = Smart2PayConfig['http'];
