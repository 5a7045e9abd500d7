import type { Config } from '../../config/schema.js';
import type { HtmlReportSettings } from '../report-pack.js';

/** What the HTML report takes from the configuration: the locale, and the balance rules it draws. */
export function htmlReportSettings(config: Config): HtmlReportSettings {
  return { locale: config.reports.locale, lowBalance: config.alerts.lowBalance, runwayLookbackDays: config.alerts.runwayLookbackDays };
}
